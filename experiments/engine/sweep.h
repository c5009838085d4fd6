// LR sweeps: a SweepSpec (experiments/spec.proto) expanded into the runs it stands for, each
// resolved and validated before any of them trains. //experiments:sweep trains the plan.
//
//   absl::StatusOr<std::vector<PlannedRun>> plan =
//       experiments::plan_sweep("experiments/vit/sweeps/collapse.textproto", workspace, "runs");
//
// Each run is trained by //experiments:train with its spec path and `sets`; the last of them
// writes its RunIdentity (sweep, variant, lr, seed, overrides) into the spec's sweep_run, so
// that the run's records say which cell it is.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/spec.pb.h"

namespace experiments {

struct PlannedRun {
  std::string variant;
  double lr = 0;
  int64_t seed = 0;
  std::string name;                    // <variant>_lr<lr>: the spec name seeds share
  std::string dir;                     // <runs_root>/<sweep name>/<name>_s<seed>
  std::string spec_path;               // absolute
  std::vector<std::string> sets;       // the --set fragments that turn spec_path into this run
  sigma_reparam::ExperimentSpec spec;  // resolved
};

// Parses and checks a sweep file (names, at least one variant, lr and seed, no duplicates).
absl::StatusOr<sigma_reparam::SweepSpec> load_sweep(const std::string& path);

// Learning rates across the sweep and its variants' own lists, counted once each.
int64_t distinct_learning_rates(const sigma_reparam::SweepSpec& sweep);

// Every variant x lr x seed of the sweep at `path`, in that order (a variant's own lr list, if
// it has one, instead of the sweep's). Spec paths are relative to
// `workspace`; `runs_root` (absolute, or relative to `workspace`) holds <sweep name>/. Each run's
// spec is loaded with its overrides and validated; the first problem fails the whole plan,
// naming the sweep file, the variant and the spec's own error.
absl::StatusOr<std::vector<PlannedRun>> plan_sweep(const std::string& path,
                                                   const std::string& workspace,
                                                   const std::string& runs_root);

}  // namespace experiments
