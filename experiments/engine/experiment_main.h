// The command line every experiment binary shares:
//
//   bazel run //experiments:train -- --spec=FILE ...       (any family linked into :train)
//   bazel run //experiments:vit_sigma -- [--spec=FILE] [--set='optimizer { lr: 3e-3 }']...
//       [--steps=N] [--seed=N] [--threads=N] [--output_dir=DIR] [--run_name=NAME]
//       [--resume] [--overwrite] [--quiet]
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

struct ExperimentBinary {
  std::string default_spec;  // workspace-relative; empty: --spec is required
  // Optional: called with the spec and run directory before training; a result >= 0 ends the
  // program with that exit code instead (e.g. the LM binary's --sample), < 0 trains.
  std::function<int(const sigma_reparam::ExperimentSpec&, const std::string& run_dir)>
      instead_of_training;
};

int experiment_main(int argc, char** argv, const ExperimentBinary& binary);

}  // namespace experiments
