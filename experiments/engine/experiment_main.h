// The command line every experiment binary shares:
//
//   bazel run //experiments:train -- --spec=FILE ...       (any family linked into :train)
//   bazel run //experiments:vit_sigma -- [--spec=FILE] [--set='optimizer { lr: 3e-3 }']...
//       [--steps=N] [--seed=N] [--threads=N] [--output_dir=DIR] [--run_name=NAME]
//       [--resume] [--overwrite] [--quiet]
//
// Exit codes (docs/experiments.md, "Exit codes"): see ExitCode below. Every error message names the
// flag, file, field or value at fault and what was expected; an error before training writes
// nothing into the run directory.
//
// Relative paths are taken from the workspace (BUILD_WORKSPACE_DIRECTORY under `bazel run`).
// Runs go to runs/<family>/<run name>/ unless --output_dir says otherwise. The family comes from
// the spec's `model` (experiments/engine/family.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "experiments/spec.pb.h"
#include "experiments/engine/trainer.h"

namespace experiments {

enum ExitCode : int {
  kExitCompleted = 0,    // COMPLETED (or nothing to do: --resume of a COMPLETED run)
  kExitFailed = 1,       // an error stopped training; result.textproto says FAILED and why
  kExitBadInput = 2,     // nothing trained: a bad flag, spec, data set, run directory (in use,
                         // or an existing run) or checkpoint
  kExitDiverged = 3,     // DIVERGED: a finished run (a result, not an error)
  kExitInterrupted = 4,  // INTERRUPTED by SIGINT or SIGTERM after a checkpoint; --resume
};

struct ExperimentBinary {
  std::string default_spec;  // workspace-relative; empty: --spec is required
  // Optional: called with the spec and run directory before training; a result >= 0 ends the
  // program with that exit code instead (e.g. the LM binary's --sample), < 0 trains.
  std::function<int(const sigma_reparam::ExperimentSpec&, const std::string& run_dir)>
      instead_of_training;
};

int experiment_main(int argc, char** argv, const ExperimentBinary& binary);

}  // namespace experiments
