// Cost of σReparam in a training step: forward + backward of SigmaReparamLinear against
// torch::nn::Linear of the same shape, timed alternately in the same loop so that the
// reported ratio compares like with like.
//
//   bazel run -c opt //sigma:sigma_reparam_benchmark
//
// Each case is (rows = batch x tokens, d_in, d_out). Counters: plain_us and sigma_us per
// step, and overhead = sigma_us / plain_us.
#include <chrono>

#include <benchmark/benchmark.h>
#include <torch/nn/modules/linear.h>

#include "sigma/sigma_reparam_linear.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename Layer>
double step_seconds(Layer& layer, const torch::Tensor& x) {
  const auto t0 = Clock::now();
  layer->zero_grad();
  layer->forward(x).sum().backward();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void BM_ForwardBackward(benchmark::State& state) {
  const int64_t rows = state.range(0), d_in = state.range(1), d_out = state.range(2);
  torch::manual_seed(0);
  torch::nn::Linear plain(d_in, d_out);
  sigma::SigmaReparamLinear reparam(d_in, d_out);
  torch::Tensor x = torch::randn({rows, d_in});
  for (int i = 0; i < 3; ++i) {  // warm-up
    step_seconds(plain, x);
    step_seconds(reparam, x);
  }
  double plain_s = 0, sigma_s = 0;
  for (auto _ : state) {
    plain_s += step_seconds(plain, x);
    sigma_s += step_seconds(reparam, x);
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["plain_us"] = 1e6 * plain_s / n;
  state.counters["sigma_us"] = 1e6 * sigma_s / n;
  state.counters["overhead"] = sigma_s / plain_s;
  state.counters["threads"] = torch::get_num_threads();
}

BENCHMARK(BM_ForwardBackward)
    ->Args({256, 64, 64})
    ->Args({1024, 128, 512})
    ->Args({1024, 384, 384})
    ->Args({4096, 384, 1536})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
