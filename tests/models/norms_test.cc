// Norms besides LayerNorm and DeepNorm's constants (models/norms.h): forward values and
// gradients against direct formulas, and alpha/beta against DeepNet's formulas.
#include "models/norms.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace models {
namespace {

TEST(NormsTest, RmsNormForwardAndGradient) {
  at::manual_seed(0);
  RmsNorm norm(8, 1e-6);
  at::Tensor x = at::randn({3, 8}, at::kDouble).requires_grad_(true);
  norm->to(at::kDouble);
  {
    at::NoGradGuard no_grad;
    norm->parameters()[0].copy_(at::linspace(0.5, 2, 8, at::kDouble));
  }
  const at::Tensor y = norm(x);
  const at::Tensor g = at::linspace(0.5, 2, 8, at::kDouble);
  const at::Tensor expected = x * g / at::sqrt(x.pow(2).mean(-1, true) + 1e-6);
  EXPECT_TRUE(at::allclose(y, expected, 1e-12, 1e-12));
  // The gradient against central finite differences.
  at::Tensor w = at::randn({3, 8}, at::kDouble);
  (y * w).sum().backward();
  const at::Tensor grad = x.grad().clone();
  at::NoGradGuard no_grad;
  const double h = 1e-6;
  for (int64_t i : {0, 5, 13, 22}) {
    at::Tensor xp = x.detach().clone(), xm = x.detach().clone();
    xp.view(-1)[i] += h;
    xm.view(-1)[i] -= h;
    const double fd =
        ((norm(xp) * w).sum().item<double>() - (norm(xm) * w).sum().item<double>()) / (2 * h);
    EXPECT_NEAR(grad.view(-1)[i].item<double>(), fd, 1e-7);
  }
}

TEST(NormsTest, DyTForwardAndGradient) {
  DyT dyt(4, 0.5);
  dyt->to(at::kDouble);
  at::Tensor x = at::tensor({-3.0, -0.5, 0.0, 2.0}, at::kDouble).requires_grad_(true);
  const at::Tensor y = dyt(x);
  EXPECT_TRUE(at::allclose(y, at::tanh(0.5 * x), 1e-15, 1e-15)) << "g = 1, b = 0 at init";
  y.sum().backward();
  // d/dx tanh(a x) = a (1 - tanh^2(a x)); d/da = sum x (1 - tanh^2(a x)).
  const at::Tensor t = at::tanh(0.5 * x.detach());
  EXPECT_TRUE(at::allclose(x.grad(), 0.5 * (1 - t * t), 1e-15, 1e-15));
  const auto params = dyt->named_parameters();
  EXPECT_NEAR(params["alpha"].grad().item<double>(),
              (x.detach() * (1 - t * t)).sum().item<double>(), 1e-14);
  EXPECT_TRUE(at::allclose(params["bias"].grad(), at::ones({4}, at::kDouble)));
  EXPECT_TRUE(at::allclose(params["weight"].grad(), t));
}

TEST(NormsTest, DeepNormScalesFollowDeepNet) {
  for (const auto& [n, m] : {std::pair<int64_t, int64_t>{6, 6}, {18, 18}, {50, 50}, {100, 100}}) {
    SCOPED_TRACE(n);
    const double nm = std::pow(n, 4.0) * m;
    const DeepNormScales enc = deep_norm_scales(DeepNormStack::kEncoderOfBoth, n, m);
    EXPECT_NEAR(enc.alpha, 0.81 * std::pow(nm, 1.0 / 16), 1e-12);
    EXPECT_NEAR(enc.beta, 0.87 * std::pow(nm, -1.0 / 16), 1e-12);
    const DeepNormScales dec = deep_norm_scales(DeepNormStack::kDecoderOfBoth, n, m);
    EXPECT_NEAR(dec.alpha, std::pow(3.0 * m, 0.25), 1e-12);
    EXPECT_NEAR(dec.beta, std::pow(12.0 * m, -0.25), 1e-12);
    const DeepNormScales only = deep_norm_scales(DeepNormStack::kEncoderOnly, n, 0);
    EXPECT_NEAR(only.alpha, std::pow(2.0 * n, 0.25), 1e-12);
    EXPECT_NEAR(only.beta, std::pow(8.0 * n, -0.25), 1e-12);
    const DeepNormScales dec_only = deep_norm_scales(DeepNormStack::kDecoderOnly, 0, m);
    EXPECT_NEAR(dec_only.alpha, std::pow(2.0 * m, 0.25), 1e-12);
  }
  // Two spot values by hand: 6L-6L encoder alpha = 0.81 * 6^(5/16) = 1.41794, 100L-100L decoder
  // beta = 1200^(-1/4) = 0.16990.
  EXPECT_NEAR(deep_norm_scales(DeepNormStack::kEncoderOfBoth, 6, 6).alpha, 1.41794, 1e-5);
  EXPECT_NEAR(deep_norm_scales(DeepNormStack::kDecoderOfBoth, 100, 100).beta, 0.16990, 1e-5);
  EXPECT_THROW(deep_norm_scales(DeepNormStack::kEncoderOnly, 0, 0), c10::Error);
}

}  // namespace
}  // namespace models
