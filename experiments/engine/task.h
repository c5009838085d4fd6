// What a family gives the training loop: its model, its batches and loss, its evaluation and
// the metrics it reports. The loop (experiments/engine/trainer.h) knows nothing else of it.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "experiments/spec.pb.h"
#include "models/attention.h"

namespace experiments {

class Task {
 public:
  virtual ~Task() = default;

  virtual torch::nn::Module& model() = 0;

  // Data parallelism (experiments/engine/distributed.h): this process trains rows
  // [rank * B / ranks, (rank + 1) * B / ranks) of every global batch of B examples. A task
  // draws its global batch from (seed, step) as always and keeps its shard (shard_rows()).
  void set_shard(int rank, int ranks) {
    shard_rank_ = rank;
    shard_ranks_ = ranks;
  }
  int shard_rank() const { return shard_rank_; }
  int shard_ranks() const { return shard_ranks_; }
  virtual int64_t examples_per_epoch() const = 0;

  // Where the model trains (set by the trainer before the first step). Batches are built on
  // the CPU and moved with to_device().
  void set_device(const c10::Device& device) { device_ = device; }
  const c10::Device& device() const { return device_; }

  // Named values, e.g. {"accuracy": 0.87}; the trainer records them as train_<name>,
  // eval_<name> or test_<name>.
  using Metrics = std::map<std::string, double>;

  struct Output {
    at::Tensor loss;  // () with gradient
    Metrics metrics;  // on the training batch, if meaningful
  };
  // Forward pass on the training batch of the 1-based `step`, which must depend only on
  // (seed, step). Fills `observation` when given.
  virtual Output train_forward(int64_t step, models::AttentionObservation* observation) = 0;

  struct Evaluation {
    double loss = 0;
    Metrics metrics;
  };
  // Called in eval mode without gradient.
  virtual Evaluation evaluate() = 0;
  // The held-out test split, evaluated once when a run completes (eval mode, no gradient).
  // False: the task has none apart from evaluate().
  virtual bool test(Evaluation* out) { return false; }
  // Text shown after the completion line once test() has run (e.g. a translation family's
  // sacreBLEU-style line and sample outputs); empty for none.
  virtual std::string test_summary() const { return ""; }
  // One line about the loaded data (sizes, vocabulary), shown before training; empty for none.
  virtual std::string data_summary() const { return ""; }

  // Forward pass on a fixed held-out probe batch, filling `observation` (which asks for
  // logits). Called in eval mode without gradient when a run completes; the trainer records
  // each head's logit norms and entropy (RunResult.attention_probe). False: no probe.
  virtual bool probe(models::AttentionObservation* observation) { return false; }

  // The metrics evaluate() and test() report, by their record names ("eval_accuracy",
  // "test_word_perplexity", ...), with how to show and compare them. The first is the
  // family's headline metric (tables, sweeps and the report use it).
  virtual std::vector<sigma_reparam::MetricInfo> metrics() const = 0;

 protected:
  // This rank's rows of a global batch (all of it on one rank).
  at::Tensor shard_rows(const at::Tensor& batch) const {
    if (shard_ranks_ == 1) return batch;
    const int64_t per_rank = batch.size(0) / shard_ranks_;
    return batch.narrow(0, shard_rank_ * per_rank, per_rank);
  }
  // A CPU-built batch on the training device: on a GPU from pinned host memory with a
  // non-blocking copy (the GPU's stream orders it before the kernels that read it); on the CPU
  // the tensor itself.
  at::Tensor to_device(const at::Tensor& batch) const {
    if (device_.is_cpu() || !batch.defined()) return batch;
    return batch.pin_memory().to(device_, /*non_blocking=*/true);
  }
  std::vector<int64_t> shard_rows(const std::vector<int64_t>& batch) const {
    if (shard_ranks_ == 1) return batch;
    const size_t per_rank = batch.size() / shard_ranks_;
    const auto first = batch.begin() + static_cast<std::ptrdiff_t>(shard_rank_ * per_rank);
    return std::vector<int64_t>(first, first + static_cast<std::ptrdiff_t>(per_rank));
  }

 private:
  int shard_rank_ = 0, shard_ranks_ = 1;
  c10::Device device_ = c10::Device(c10::kCPU);
};

}  // namespace experiments
