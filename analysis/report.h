// The reproduction report (report/REPORT.md): per sweep, its setting (from the sweep file, the
// specs and the records), each paper claim the sweep file declares beside what its runs show,
// judged by a fixed rule per claim kind, and the sweep summarised per variant and learning rate.
// Nothing here knows a family: the headline metric, its direction and the uniform-attention
// reference all come from the records.
#pragma once

#include <string>
#include <vector>

#include "analysis/run_reader.h"

namespace analysis {

// One (variant, lr) cell of a sweep: the runs that differ only in seed.
struct SweepCell {
  std::string method;  // the variant
  double lr = 0;
  GroupSummary summary;
};

struct SweepSummary {
  std::vector<std::string> methods;  // in order of first appearance
  std::vector<double> lrs;           // ascending
  std::vector<SweepCell> cells;
  sigma_reparam::MetricInfo headline;
  double log_t = 0;          // uniform attention's entropy (largest over layers and runs)
  double collapse_line = 0;  // collapse_fraction * log_t
  double collapse_fraction = 0.1;
  const SweepCell* cell(const std::string& method, double lr) const;
};

// Groups sweep runs by their recorded variant and lr. A run has collapsed if it diverged or the
// lowest entropy of one of its layers fell below collapse_fraction x that layer's uniform
// entropy. Pass finished runs only (finished_runs).
SweepSummary summarize_sweep(const std::vector<RunRecord>& runs, double collapse_fraction);

// Completed runs whose final training loss is still at least `fraction` of their first logged
// loss (they did not learn: e.g. stuck at chance with uniform attention). Needs metrics.
std::vector<const RunRecord*> runs_that_did_not_learn(const std::vector<RunRecord>& runs,
                                                      double fraction = 0.95);

enum class Verdict { kHeld, kPartly, kNotHeld, kNotRun };
std::string verdict_name(Verdict v);

struct ClaimResult {
  std::string claim;  // "1", "2", ...
  std::string paper;  // the paper's claim, in its words (from the sweep file)
  std::string ours;   // what our runs show, with numbers
  std::string rule;   // how the verdict was decided
  // What the runs would have had to show for another verdict, with this sweep's numbers (e.g.
  // "not held had the ratio been below 0.87x (it is 0.98x)"); empty when nothing was run.
  std::string otherwise;
  Verdict verdict = Verdict::kNotRun;
};

// Judges one claim of a sweep file on its finished runs. ENTROPY_BOUND also needs `bound_held`
// (//analysis:entropy_bound's numeric check); TRAINS_WHERE_BASELINE_FAILS names the sweep's
// x axis `x_label` (analysis/series.h).
ClaimResult judge_claim(const sigma_reparam::ClaimCheck& check, const SweepSummary& sweep,
                        const std::vector<RunRecord>& runs, bool bound_held,
                        const std::string& x_label = "x");

// The setting paragraph of a sweep, from the sweep file, its variants' resolved specs and the
// records: model, data, optimiser, schedule, length, the headline metric and the collapse line.
std::string setting_markdown(const sigma_reparam::SweepSpec& sweep, const std::string& sweep_path,
                             const std::vector<RunRecord>& runs, const SweepSummary& summary);

// Markdown table: one row per variant, one column per lr: "headline ± std / min entropy".
std::string sweep_markdown(const SweepSummary& sweep);
std::string claims_markdown(const std::vector<ClaimResult>& claims);

}  // namespace analysis
