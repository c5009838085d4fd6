// One training step of the suite's ViT and causal LM (zero_grad, forward, cross-entropy,
// backward, AdamW), the C++ side of the side-by-side benchmark with PyTorch eager
// (tools/benchmark.sh runs both, alternating, and writes report/benchmark.md).
//
//   bazel run -c opt //experiments:step_benchmark -- [--benchmark_filter=...]
//
// BM_Step/<model>/<width>/<depth>/<heads>/<batch>/<variant>/<threads>: model 0 = ViT (28x28
// images, patch 7, 17 tokens), 1 = causal LM (vocabulary 2048, context 64, tied embeddings);
// variant 0 = plain, 1 = σReparam on every linear layer (and the patch embedding), 2 = σReparam
// with the attention entropy of every layer observed and read back as the trainer does on a
// logged step. Counters: ms = median milliseconds per step; for variants 1 and 2 also
// reference_ms of the variant below (plain, resp. σReparam without entropy), stepped alternately
// in the same loop, and ratio = ms / reference_ms.
//
// BM_Inference/<width>/<depth>/<heads>/<variant>/<threads>: ViT forward in eval mode without
// gradient, batch 256; variant 0 = plain, 1 = σReparam, 2 = σReparam folded into a plain model
// (sigma::fold_into); variants 1 and 2 alternate with the plain model in one loop and report
// ratio = ms / reference_ms (the plain model's).
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>
#include <torch/nn/functional/loss.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>
#include <vector>
#include <cstdlib>
#include <memory>
#include <optional>

#include "models/causal_lm.h"
#include "models/vit.h"
#include "sigma/sigma_stats.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kVocab = 2048, kContext = 64;

models::TransformerConfig transformer(int64_t width, int64_t depth, int64_t heads, bool sigma) {
  models::TransformerConfig t;
  t.width = width;
  t.depth = depth;
  t.heads = heads;
  if (sigma) t.layers.reparam = models::Reparam::kSigmaReparam;
  return t;
}

// A model, its inputs and its optimiser.
struct Trainable {
  models::VisionTransformer vit{nullptr};
  models::CausalLm lm{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  at::Tensor inputs, labels;

  Trainable(int64_t model, int64_t width, int64_t depth, int64_t heads, int64_t batch, bool sigma) {
    at::manual_seed(0);
    torch::nn::Module* module = nullptr;
    if (model == 0) {
      models::VitConfig c;
      c.transformer = transformer(width, depth, heads, sigma);
      vit = models::VisionTransformer(c);
      module = vit.get();
      inputs = at::randn({batch, 1, 28, 28});
      labels = at::randint(0, 10, {batch}, at::kLong);
    } else {
      models::CausalLmConfig c;
      c.transformer = transformer(width, depth, heads, sigma);
      c.vocab_size = kVocab;
      c.context = kContext;
      lm = models::CausalLm(c);
      module = lm.get();
      inputs = at::randint(0, kVocab, {batch, kContext}, at::kLong);
      labels = at::randint(0, kVocab, {batch * kContext}, at::kLong);
    }
    module->train();
    optimizer = std::make_unique<torch::optim::AdamW>(
        module->parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(0.01));
  }

  void step(models::AttentionObservation* observation) {
    optimizer->zero_grad();
    at::Tensor logits = vit ? vit->forward(inputs, observation) : lm->forward(inputs, observation);
    at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), labels).backward();
    optimizer->step();
  }
};

// What the trainer reads from an observation on a logged step (experiments/engine/trainer.cc).
double read_entropy(const models::AttentionObservation& observation) {
  double sum = 0;
  for (const auto& r : observation.records) {
    sum += r.entropy.mean.item<double>() + r.uniform_entropy.item<double>();
    const at::Tensor per_head = r.entropy.per_head.to(at::kDouble).contiguous();
    const double* p = per_head.data_ptr<double>();
    for (int64_t h = 0; h < per_head.numel(); ++h) sum += p[h];
  }
  return sum;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void BM_Step(benchmark::State& state) {
  const int64_t model = state.range(0), width = state.range(1), depth = state.range(2),
                heads = state.range(3), batch = state.range(4), variant = state.range(5),
                threads = state.range(6);
  at::set_num_threads(static_cast<int>(threads));
  Trainable t(model, width, depth, heads, batch, variant >= 1);
  // The variant below this one (plain for σReparam, σReparam without entropy for variant 2),
  // stepped alternately with it so that slow phases of the machine hit both alike.
  std::unique_ptr<Trainable> reference;
  if (variant >= 1) {
    reference = std::make_unique<Trainable>(model, width, depth, heads, batch, variant == 2);
  }
  const auto run = [](Trainable& m, bool entropy) {
    if (entropy) {
      models::AttentionObservation observation;
      m.step(&observation);
      benchmark::DoNotOptimize(read_entropy(observation));
    } else {
      m.step(nullptr);
    }
  };
  const auto timed = [](const auto& fn) {
    const auto start = Clock::now();
    fn();
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  for (int i = 0; i < 3; ++i) {  // warm-up
    run(t, variant == 2);
    if (reference) run(*reference, false);
  }
  // STEP_PROFILE=trace.json: LibTorch's profiler over the timed steps (a Chrome trace).
  std::optional<torch::autograd::profiler::RecordProfile> profile;
  if (const char* path = std::getenv("STEP_PROFILE")) profile.emplace(path);
  std::vector<double> ours, theirs;
  for (auto _ : state) {
    ours.push_back(timed([&] { run(t, variant == 2); }));
    if (reference) theirs.push_back(timed([&] { run(*reference, false); }));
  }
  // Medians: a step that the machine slowed down does not move them.
  state.counters["ms"] = 1e3 * median(ours);
  if (reference) {
    state.counters["reference_ms"] = 1e3 * median(theirs);
    state.counters["ratio"] = median(ours) / median(theirs);
  }
}

void BM_Inference(benchmark::State& state) {
  const int64_t width = state.range(0), depth = state.range(1), heads = state.range(2),
                variant = state.range(3), threads = state.range(4);
  at::set_num_threads(static_cast<int>(threads));
  models::VitConfig plain_config, sigma_config;
  plain_config.transformer = transformer(width, depth, heads, false);
  sigma_config.transformer = transformer(width, depth, heads, true);
  at::manual_seed(0);
  models::VisionTransformer plain(plain_config), reparam(sigma_config), folded(plain_config);
  sigma::fold_into(*reparam, *folded);
  // Variant 0: the plain model; 1: σReparam, 2: folded, each alternating with the plain model.
  models::VisionTransformer& model = variant == 0 ? plain : variant == 1 ? reparam : folded;
  for (auto* m : {&plain, &reparam, &folded}) (*m)->eval();
  at::NoGradGuard no_grad;
  at::Tensor images = at::randn({256, 1, 28, 28});
  for (int i = 0; i < 3; ++i) {
    model->forward(images);
    plain->forward(images);
  }
  const auto timed = [&](models::VisionTransformer& m) {
    const auto start = Clock::now();
    benchmark::DoNotOptimize(m->forward(images));
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::vector<double> ours, theirs;
  for (auto _ : state) {
    ours.push_back(timed(model));
    if (variant > 0) theirs.push_back(timed(plain));
  }
  state.counters["ms"] = 1e3 * median(ours);
  if (variant > 0) {
    state.counters["reference_ms"] = 1e3 * median(theirs);
    state.counters["ratio"] = median(ours) / median(theirs);
  }
}

void StepCases(benchmark::internal::Benchmark* b) {
  for (int64_t threads : {1, 2}) {
    for (int64_t variant : {0, 1, 2}) {
      b->Args({0, 64, 4, 4, 128, variant, threads});
      b->Args({0, 192, 6, 6, 128, variant, threads});
      b->Args({0, 384, 6, 6, 128, variant, threads});
      b->Args({1, 64, 4, 4, 32, variant, threads});
      b->Args({1, 384, 6, 6, 32, variant, threads});
    }
  }
}

BENCHMARK(BM_Step)->Apply(StepCases)->Unit(benchmark::kMillisecond)->UseRealTime();
void InferenceCases(benchmark::internal::Benchmark* b) {
  for (int64_t threads : {1, 2}) {
    for (int64_t variant : {0, 1, 2}) {
      b->Args({64, 4, 4, variant, threads});
      b->Args({384, 6, 6, variant, threads});
    }
  }
}

BENCHMARK(BM_Inference)->Apply(InferenceCases)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
