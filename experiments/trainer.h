// The training loop every experiment shares: schedule, optimiser, gradient clipping,
// evaluation, metrics.jsonl, checkpoints, resume, divergence detection and progress display.
// A family plugs in through Task (its model, data and loss); the loop knows nothing else of it.
//
// Run directory (docs/design.md, "One schema"):
//   spec.textproto    resolved spec (every default filled in)
//   metrics.jsonl     one StepMetrics per logged step, protobuf JSON
//   result.textproto  RunResult: RUNNING while training, then COMPLETED / DIVERGED / FAILED;
//                     a completed run also carries the attention probe of the trained model
//   checkpoint.pt     model, optimiser and TrainerState, replaced atomically
//
// Randomness is counter-based: step t reseeds LibTorch's generator (dropout) with
// mix(seed, t) and the task derives its batch and augmentation from (seed, t). A checkpoint
// therefore needs only the step to restore the random state and the data position, and a
// resumed run with the same thread count reproduces an uninterrupted one bit for bit.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <string>

#include "experiments/spec.pb.h"
#include "models/attention.h"

namespace experiments {

class Task {
 public:
  virtual ~Task() = default;

  virtual torch::nn::Module& model() = 0;
  virtual int64_t examples_per_epoch() const = 0;

  struct Output {
    at::Tensor loss;       // () with gradient
    double accuracy = -1;  // on the training batch, if meaningful (< 0: none)
  };
  // Forward pass on the training batch of the 1-based `step`, which must depend only on
  // (seed, step). Fills `observation` when given.
  virtual Output train_forward(int64_t step, models::AttentionObservation* observation) = 0;

  struct Evaluation {
    double loss = 0;
    double accuracy = -1;
    double word_perplexity = -1;  // language models: per whitespace-separated word (< 0: none)
  };
  // Called in eval mode without gradient.
  virtual Evaluation evaluate() = 0;
  // The held-out test split, evaluated once when a run completes (eval mode, no gradient).
  // False: the task has none apart from evaluate().
  virtual bool test(Evaluation* out) { return false; }
  // Language models report perplexity (exp of the loss) beside the loss.
  virtual bool reports_perplexity() const { return false; }

  // Forward pass on a fixed held-out probe batch, filling `observation` (which asks for
  // logits). Called in eval mode without gradient when a run completes; the trainer records
  // each head's logit norms and entropy (RunResult.attention_probe). False: no probe.
  virtual bool probe(models::AttentionObservation* observation) { return false; }
};

struct RunOptions {
  std::string run_dir;
  bool resume = false;
  // Stops after this step as if the process were killed there (0 = never): for resume tests.
  int64_t interrupt_after_step = 0;
  // Progress display: a live line on a terminal, plain lines otherwise; false silences it.
  bool progress = true;
  sigma_reparam::Environment environment;
};

// Total training steps of a spec for a data set of `examples`.
int64_t total_steps(const sigma_reparam::ExperimentSpec& spec, int64_t examples);

// Trains to completion (or divergence) and writes the run directory. Errors in the task
// propagate as exceptions after result.textproto records FAILED.
sigma_reparam::RunResult train(const sigma_reparam::ExperimentSpec& spec, Task& task,
                               const RunOptions& options);

// Loads the model weights of a run directory's checkpoint.pt into `model` (same architecture).
void load_model_weights(const std::string& run_dir, torch::nn::Module& model);

// Reads a run directory's result.textproto (status UNSPECIFIED if absent or unreadable).
sigma_reparam::RunResult read_result(const std::string& run_dir);

}  // namespace experiments
