// What every reproducibility check does to train one run: a directory under the test's
// temporary folder, 2 LibTorch threads (OMP_NUM_THREADS when set), no progress display.
//
//   auto result = repro::train_quietly<experiments::VitTask>(*spec, repro::tmp("vit/seed0"));
#pragma once

#include <ATen/Parallel.h>

#include <cstdlib>
#include <string>

#include "experiments/engine/trainer.h"
#include "tests/core/test_threads.h"

namespace repro {

// $TEST_TMPDIR/<name> (/tmp/<name> outside Bazel).
inline std::string tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// Builds the family's Task for `spec` and trains it into `dir` with 2 threads (or OMP_NUM_THREADS).
template <typename TaskT>
sigma_reparam::RunResult train_quietly(const sigma_reparam::ExperimentSpec& spec,
                                       const std::string& dir) {
  at::set_num_threads(testing_threads::threads());
  TaskT task(spec);
  experiments::RunOptions options;
  options.run_dir = dir;
  options.progress = false;
  return experiments::train(spec, task, options);
}

}  // namespace repro
