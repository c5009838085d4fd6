// The reproduction report (report/REPORT.md): the LR sweep summarised per method and learning
// rate, and each paper claim (docs/method.md) beside what these runs show, judged by a stated rule.
#pragma once

#include <string>
#include <vector>

#include "analysis/run_reader.h"

namespace analysis {

// One (method, lr) cell of a sweep: the runs that differ only in seed.
struct SweepCell {
  std::string method;
  double lr = 0;
  VariantSummary summary;
  int collapsed = 0;  // runs whose lowest layer entropy fell below the collapse line
};

struct SweepSummary {
  std::vector<std::string> methods;  // in order of first appearance
  std::vector<double> lrs;           // ascending
  std::vector<SweepCell> cells;
  double log_t = 0;          // log of the key count (ViT: patches + class token)
  double collapse_line = 0;  // collapse_fraction * log_t
  const SweepCell* cell(const std::string& method, double lr) const;
};

// Groups sweep runs by method and lr. A run has collapsed if its lowest layer entropy is below
// collapse_fraction x log T, or it diverged. Pass finished runs only (finished_runs).
SweepSummary summarize_sweep(const std::vector<RunRecord>& runs, double collapse_fraction);

// The runs that ended COMPLETED or DIVERGED (a RUNNING or FAILED run has no result to judge).
std::vector<RunRecord> finished_runs(const std::vector<RunRecord>& runs);

// Completed runs whose final training loss is still at least `fraction` of their first logged
// loss (they did not learn: e.g. stuck at chance with uniform attention). Needs metrics.
std::vector<const RunRecord*> runs_that_did_not_learn(const std::vector<RunRecord>& runs,
                                                      double fraction = 0.95);

enum class Verdict { kHeld, kPartly, kNotHeld, kNotRun };
std::string verdict_name(Verdict v);

struct ClaimResult {
  std::string claim;  // "1", "2", ...
  std::string paper;  // the paper's claim, in its words (docs/method.md)
  std::string ours;   // what our runs show, with numbers
  std::string rule;   // how the verdict was decided
  Verdict verdict = Verdict::kNotRun;
};

// Claims 1, 2, 5 from the sweep (methods "baseline" and "sigma_reparam_no_ln"), claim 3 from
// the attention probes of the sweep's runs plus `bound_held` (the numeric check).
std::vector<ClaimResult> judge_claims(const SweepSummary& sweep, const std::vector<RunRecord>& runs,
                                      bool bound_held);

// The LM claim (docs/method.md claim 4, causal LMs): σReparam without LN ("sigma_reparam_no_ln")
// reaches a validation perplexity per word within `ratio` of the baseline's, each method at its
// best lr of the sweep.
ClaimResult judge_lm_claim(const SweepSummary& lm, double ratio = 1.15);

// Markdown table: one row per method, one column per lr: "acc ± std / min entropy" (language
// models: validation perplexity per word instead of accuracy).
std::string sweep_markdown(const SweepSummary& sweep);
std::string claims_markdown(const std::vector<ClaimResult>& claims);

}  // namespace analysis
