// Reading run directories (experiments/engine/run_dir.h lists their files) for tables, figures
// and reports, and grouping their runs. analysis/ reads run directories only: it never trains
// and never builds a model. Everything a table needs is in the records: the sweep cell a run
// belongs to (RunResult.identity), the family's headline metric (RunResult.headline) and the
// uniform-attention reference of every layer (RunResult.lowest_entropy).
//
//   auto runs = analysis::read_runs("runs/collapse_sweep", /*with_metrics=*/false);
//   for (const auto& group : analysis::group_runs(*runs, analysis::Grouping::kVariantAndLr)) ...
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "experiments/spec.pb.h"

namespace analysis {

struct RunRecord {
  std::string dir;
  sigma_reparam::ExperimentSpec spec;               // spec.textproto (resolved)
  sigma_reparam::RunResult result;                  // result.textproto
  std::vector<sigma_reparam::StepMetrics> metrics;  // metrics.jsonl, if asked for
};

// One run directory. Errors name the file and the line; a record written before named metrics
// is an error that says so and how to retrain it.
absl::StatusOr<RunRecord> read_run(const std::string& dir, bool with_metrics);

// Every run directory at any depth under `root` (a directory holding result.textproto), sorted by
// path. A root that does not exist is an error naming it.
absl::StatusOr<std::vector<RunRecord>> read_runs(const std::string& root, bool with_metrics);

// The runs that ended COMPLETED or DIVERGED (a RUNNING or FAILED run has no result to judge).
std::vector<RunRecord> finished_runs(const std::vector<RunRecord>& runs);

// The variant a run belongs to: its sweep identity's variant, else its spec's name.
std::string variant_name(const RunRecord& run);
// The learning rate of a run: its sweep identity's, else its spec's.
double run_lr(const RunRecord& run);

enum class Grouping {
  kVariant,       // one group per variant (sweep runs: over every lr)
  kVariantAndLr,  // one group per (variant, lr); runs outside a sweep: equal specs but the seed
};
struct RunGroup {
  std::string name;  // the variant, or "<variant>_lr<lr>" for kVariantAndLr sweep groups
  std::string variant;
  double lr = 0;
  std::vector<const RunRecord*> runs;
};
// Groups keep the order in which their first run appears.
std::vector<RunGroup> group_runs(const std::vector<RunRecord>& runs, Grouping grouping);

// Entropy of uniform attention over the visible keys, the reference collapses are measured
// against: the largest over the run's attention layers (from its records; 0 if none).
double uniform_attention_entropy(const RunRecord& run);

// The instability rule, fixed before the runs it judges and applied to every sweep (the paper's
// Figure 1: at 2x the learning rate the loss rises and stays up, "training diverges"). On the
// training loss in means over log intervals (RunResult.loss_curve; `first` is the untrained
// model's loss at step 1), a run is unstable when
//   kNonFinite: its loss or gradient became non-finite (the trainer stops it: DIVERGED);
//   kSpike:     some interval's mean is at least kSpikeFactor x the first loss, i.e. the model
//               became much worse than the untrained one;
//   kRelapse:   it learned (some interval's mean at most kLearnedFraction x the first loss) and
//               its last interval's mean is back at kRelapseFraction x the first loss or above:
//               the loss rose and stayed near or above its starting value.
// "Diverged" in every table, figure and claim rule of the report means unstable by this rule.
// A run that never learned at all is not unstable; the claim rules that care call it "did not
// learn".
enum class Instability { kNone, kNonFinite, kSpike, kRelapse };
inline constexpr double kSpikeFactor = 2.0;
inline constexpr double kLearnedFraction = 0.8;
inline constexpr double kRelapseFraction = 0.95;
Instability instability(const RunRecord& run);
inline bool unstable(const RunRecord& run) { return instability(run) != Instability::kNone; }
// "non-finite loss", "loss spike to 4.1x the first loss at step 120", "relapse: ..."; "" if stable.
std::string instability_text(const RunRecord& run);
// The rule in one sentence, for report and table captions.
std::string instability_rule_text();

// Whether a run collapsed: it diverged (unstable), or some attention layer's lowest mean entropy
// fell below `fraction` x that layer's uniform entropy.
bool collapsed(const RunRecord& run, double fraction);

// The headline metric of a group's runs (from the first run that declares one).
sigma_reparam::MetricInfo headline(const std::vector<const RunRecord*>& runs);

// What a table row shows for one group.
struct GroupSummary {
  // diverged: unstable by the rule above (non-finite, spike or relapse), completed or not.
  int runs = 0, completed = 0, diverged = 0, failed = 0, collapsed = 0;
  sigma_reparam::MetricInfo headline;
  int with_headline = 0;                       // completed runs that report it
  double headline_mean = 0, headline_std = 0;  // sample std; 0 for one run
  double min_entropy_mean = 0;                 // over runs that logged entropy
  double final_loss_mean = 0;                  // over completed runs
};
GroupSummary summarize(const std::vector<const RunRecord*>& runs, double collapse_fraction = 0.1);

// "87.30% ± 1.20 (n=3)" / "83.6 ± 2.1 (n=3)" / "-": a group's headline for tables.
std::string headline_text(const GroupSummary& s);

}  // namespace analysis
