// One ViT training step (forward, backward, AdamW update) with and without σReparam, timed
// alternately in the same loop so that the ratio compares like with like.
//
//   bazel run -c opt //experiments:vit_step_benchmark
//
// Case arguments: (width, depth, heads, batch); patch 7 on 28x28 images (17 tokens). Counters:
// baseline_ms, sigma_ms and overhead = sigma / baseline.
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adamw.h>

#include <chrono>

#include "models/vit.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Trainable {
  models::VisionTransformer vit;
  torch::optim::AdamW optimizer;
  explicit Trainable(const models::VitConfig& c)
      : vit(c), optimizer(vit->parameters(), torch::optim::AdamWOptions(1e-3)) {}
  double step(const at::Tensor& images, const at::Tensor& labels) {
    const auto t0 = Clock::now();
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(vit->forward(images), labels).backward();
    optimizer.step();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
};

void BM_VitTrainingStep(benchmark::State& state) {
  const int64_t width = state.range(0), depth = state.range(1), heads = state.range(2),
                batch = state.range(3);
  models::VitConfig config;
  config.transformer.width = width;
  config.transformer.depth = depth;
  config.transformer.heads = heads;
  at::manual_seed(0);
  Trainable baseline(config);
  config.transformer.layers.reparam = models::Reparam::kSigmaReparam;
  Trainable reparam(config);
  at::Tensor images = at::randn({batch, 1, 28, 28});
  at::Tensor labels = at::randint(0, 10, {batch}, at::kLong);
  for (int i = 0; i < 3; ++i) {  // warm-up
    baseline.step(images, labels);
    reparam.step(images, labels);
  }
  double base_s = 0, sigma_s = 0;
  for (auto _ : state) {
    base_s += baseline.step(images, labels);
    sigma_s += reparam.step(images, labels);
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["baseline_ms"] = 1e3 * base_s / n;
  state.counters["sigma_ms"] = 1e3 * sigma_s / n;
  state.counters["overhead"] = sigma_s / base_s;
}

BENCHMARK(BM_VitTrainingStep)
    ->Args({64, 4, 4, 128})
    ->Args({192, 6, 6, 128})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
