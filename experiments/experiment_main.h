// The command line every experiment binary shares:
//
//   bazel run //experiments:vit_sigma -- [--spec=FILE] [--set='optimizer { lr: 3e-3 }']...
//       [--steps=N] [--seed=N] [--threads=N] [--output_dir=DIR] [--run_name=NAME]
//       [--resume] [--overwrite] [--quiet]
//
// Relative paths are taken from the workspace (BUILD_WORKSPACE_DIRECTORY under `bazel run`).
// Runs go to runs/<experiment>/<run name>/ unless --output_dir says otherwise.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "experiments/spec.pb.h"
#include "experiments/trainer.h"

namespace experiments {

struct ExperimentBinary {
  std::string experiment;                          // "vit": runs/vit/...
  std::string default_spec;                        // workspace-relative
  sigma_reparam::ExperimentSpec::ModelCase model;  // the family this binary trains
  std::function<std::unique_ptr<Task>(const sigma_reparam::ExperimentSpec&)> make_task;
  // Optional: called with the spec and run directory before training; a result >= 0 ends the
  // program with that exit code instead (e.g. the LM binary's --sample), < 0 trains.
  std::function<int(const sigma_reparam::ExperimentSpec&, const std::string& run_dir)>
      instead_of_training;
};

int experiment_main(int argc, char** argv, const ExperimentBinary& binary);

}  // namespace experiments
