// The training loop every experiment shares: schedule, optimiser, gradient clipping,
// evaluation, metrics.jsonl, checkpoints, resume, divergence detection and progress display.
// A family plugs in through Task (experiments/engine/task.h); the loop knows nothing else of it.
// The run directory's files are listed in experiments/engine/run_dir.h.
//
// Randomness is counter-based: step t reseeds LibTorch's generator (dropout) with
// mix(seed, t) and the task derives its batch and augmentation from (seed, t). A checkpoint
// therefore needs only the step to restore the random state and the data position, and a
// resumed run with the same thread count reproduces an uninterrupted one bit for bit.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <string>

#include "experiments/engine/checkpoint.h"
#include "experiments/engine/distributed.h"
#include "experiments/engine/run_dir.h"
#include "experiments/engine/task.h"
#include "experiments/spec.pb.h"

namespace experiments {

struct RunOptions {
  std::string run_dir;
  bool resume = false;
  // Stops after this step as if the process were killed there (0 = never): for resume tests.
  int64_t interrupt_after_step = 0;
  // Progress display: a live line on a terminal, plain lines otherwise; false silences it.
  bool progress = true;
  sigma_reparam::Environment environment;
  // Where the model, its optimiser state and the batches live (run.device, resolved).
  c10::Device device = c10::Device(c10::kCPU);
  // Data parallelism: this process's rank (distributed.h), or nullptr to train alone. Every
  // rank calls train(); rank 0 alone writes the run directory, shows progress, evaluates and
  // tests; the task trains on its shard of each global batch.
  DataParallel* parallel = nullptr;
  // Called after every completed step (e.g. fault injection in tests); may be empty.
  std::function<void(int64_t step)> after_step;
};

// Total training steps of a spec for a data set of `examples`.
int64_t total_steps(const sigma_reparam::ExperimentSpec& spec, int64_t examples);

// Trains to completion (or divergence) and writes the run directory. Errors in the task
// propagate as exceptions after result.textproto records FAILED.
sigma_reparam::RunResult train(const sigma_reparam::ExperimentSpec& spec, Task& task,
                               const RunOptions& options);

}  // namespace experiments
