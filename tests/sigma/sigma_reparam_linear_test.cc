// SigmaReparamLinear: initialisation, gradients, train/eval semantics, serialisation.
#include "sigma/sigma_reparam_linear.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <sstream>

#include "sigma/power_iteration.h"

namespace sigma {
namespace {

double max_relative_diff(const at::Tensor& a, const at::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max()).item<double>();
}

TEST(SigmaReparamLinearTest, Sigma0InitLeavesWeightUnchanged) {
  at::manual_seed(0);
  for (auto dims : {std::pair<int64_t, int64_t>{64, 64}, {384, 1536}, {10, 3}}) {
    SigmaReparamLinear layer(dims.first, dims.second);
    EXPECT_LT(max_relative_diff(layer->effective_weight(), layer->weight), 1e-6);
    EXPECT_NEAR(layer->reparam_state().gamma().item<double>(), exact_spectral_norm(layer->weight),
                1e-6);
  }
}

TEST(SigmaReparamLinearTest, OneInitGivesUnitSpectralNorm) {
  at::manual_seed(1);
  SigmaReparamLinear layer(
      SigmaReparamLinearOptions(48, 32).reparam(SigmaReparamOptions().gamma_init(GammaInit::kOne)));
  EXPECT_NEAR(exact_spectral_norm(layer->effective_weight()), 1.0, 1e-5);
  EXPECT_DOUBLE_EQ(layer->reparam_state().gamma().item<double>(), 1.0);
}

TEST(SigmaReparamLinearTest, InitIsTruncatedNormal) {
  at::manual_seed(2);
  SigmaReparamLinear layer(
      SigmaReparamLinearOptions(512, 512).reparam(SigmaReparamOptions().init_gain(2.0)));
  const double std = 0.04;
  EXPECT_LE(layer->weight.abs().max().item<double>(), 2 * std + 1e-7);
  // Truncation at 2 std shrinks the standard deviation to 0.880 std.
  EXPECT_NEAR(layer->weight.std().item<double>(), 0.880 * std, 0.01 * std);
  EXPECT_EQ(layer->bias.abs().sum().item<double>(), 0.0);
}

// loss(W) = sum(y * g) in double, evaluated in eval mode (u not stored, so the function is
// fixed). With u at the exact singular vector, sigma is stationary in u and v, so the
// gradient with u, v held constant equals the full derivative to O(eps^2).
TEST(SigmaReparamLinearTest, GradientMatchesFiniteDifferences) {
  at::manual_seed(3);
  SigmaReparamLinear layer(
      SigmaReparamLinearOptions(7, 5).reparam(SigmaReparamOptions().gamma_init(GammaInit::kOne)));
  layer->to(at::kDouble);
  layer->eval();
  {
    at::NoGradGuard no_grad;
    layer->weight.normal_(0, 0.3);
    layer->bias.normal_(0, 0.1);
    layer->reparam_state().u().copy_(top_right_singular_vector(layer->weight));
  }
  at::Tensor x = at::randn({4, 7}, at::kDouble);
  at::Tensor g = at::randn({4, 5}, at::kDouble);
  auto loss = [&] { return (layer->forward(x) * g).sum(); };
  loss().backward();
  at::Tensor grad_w = layer->weight.grad().clone();
  const double grad_gamma = layer->reparam_state().gamma().grad().item<double>();
  EXPECT_NE(grad_gamma, 0.0);

  const double eps = 1e-6;
  at::NoGradGuard no_grad;
  at::Tensor fd = at::zeros_like(grad_w);
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t j = 0; j < 7; ++j) {
      const double w0 = layer->weight[i][j].item<double>();
      layer->weight[i][j] = w0 + eps;
      const double up = loss().item<double>();
      layer->weight[i][j] = w0 - eps;
      const double down = loss().item<double>();
      layer->weight[i][j] = w0;
      fd[i][j] = (up - down) / (2 * eps);
    }
  }
  EXPECT_LT((fd - grad_w).abs().max().item<double>(),
            1e-7 * (1 + grad_w.abs().max().item<double>()));
  // The gradient must include the path through sigma: W / sigma alone would differ.
  at::Tensor x_only =
      (g.t().mm(x)) * (layer->reparam_state().gamma() / exact_spectral_norm(layer->weight));
  EXPECT_GT((x_only - grad_w).abs().max().item<double>(), 1e-3);

  at::Tensor gamma = layer->reparam_state().gamma();
  const double g0 = gamma.item<double>();
  gamma.fill_(g0 + eps);
  const double up = loss().item<double>();
  gamma.fill_(g0 - eps);
  const double down = loss().item<double>();
  gamma.fill_(g0);
  EXPECT_NEAR((up - down) / (2 * eps), grad_gamma, 1e-7 * (1 + std::abs(grad_gamma)));
}

TEST(SigmaReparamLinearTest, UIsStoredOnlyInTrainingMode) {
  at::manual_seed(4);
  SigmaReparamLinear layer(16, 8);
  {
    at::NoGradGuard no_grad;
    at::Tensor r = at::randn({16});
    layer->reparam_state().u().copy_(r / r.norm());
  }
  at::Tensor x = at::randn({3, 16});
  const at::Tensor u0 = layer->reparam_state().u().clone();
  const at::Tensor sigma0 = layer->reparam_state().sigma().clone();

  layer->eval();
  at::Tensor y1 = layer->forward(x);
  at::Tensor y2 = layer->forward(x);
  EXPECT_TRUE(at::equal(layer->reparam_state().u(), u0));
  EXPECT_TRUE(at::equal(layer->reparam_state().sigma(), sigma0));
  EXPECT_TRUE(at::equal(y1, y2)) << "eval mode must be deterministic";

  layer->train();
  layer->forward(x);
  EXPECT_FALSE(at::equal(layer->reparam_state().u(), u0));
  EXPECT_FALSE(at::equal(layer->reparam_state().sigma(), sigma0));
}

TEST(SigmaReparamLinearTest, StoredSigmaConvergesOverTrainingForwards) {
  at::manual_seed(5);
  SigmaReparamLinear layer(32, 32);
  {
    at::NoGradGuard no_grad;
    layer->weight.normal_();  // the init u is now stale
  }
  const double want = exact_spectral_norm(layer->weight);
  at::Tensor x = at::randn({2, 32});
  for (int i = 0; i < 300; ++i) layer->forward(x);
  EXPECT_NEAR(layer->reparam_state().sigma().item<double>(), want, 1e-4 * want);
}

TEST(SigmaReparamLinearTest, StatsOnlyComputesWithWButTracksSigma) {
  at::manual_seed(6);
  SigmaReparamLinear layer(SigmaReparamLinearOptions(12, 6).reparam(
      SigmaReparamOptions().stats_only(true).gamma_init(GammaInit::kOne)));
  EXPECT_TRUE(at::equal(layer->effective_weight(), layer->weight));
  EXPECT_NEAR(layer->reparam_state().effective_norm(), exact_spectral_norm(layer->weight), 1e-6);
  for (const auto& p : layer->named_parameters()) EXPECT_NE(p.key(), "gamma");
}

TEST(SigmaReparamLinearTest, SpectralNormalisationHasNoLearnedGamma) {
  SigmaReparamLinear layer(SigmaReparamLinearOptions(12, 6).reparam(
      SigmaReparamOptions().gamma_init(GammaInit::kOne).learn_gamma(false)));
  EXPECT_EQ(layer->parameters().size(), 2u);  // weight, bias
  EXPECT_FALSE(layer->reparam_state().gamma().requires_grad());
}

TEST(SigmaReparamLinearTest, SaveLoadRestoresStateAndOutputs) {
  at::manual_seed(7);
  SigmaReparamLinear trained(24, 10);
  torch::optim::SGD opt(trained->parameters(), torch::optim::SGDOptions(0.5));
  at::Tensor x = at::randn({8, 24});
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    trained->forward(x).pow(2).sum().backward();
    opt.step();
  }
  std::stringstream buffer;
  torch::save(trained, buffer);

  at::manual_seed(99);
  SigmaReparamLinear loaded(24, 10);
  EXPECT_FALSE(at::equal(loaded->reparam_state().u(), trained->reparam_state().u()));
  torch::load(loaded, buffer);
  EXPECT_TRUE(at::equal(loaded->reparam_state().u(), trained->reparam_state().u()));
  EXPECT_TRUE(at::equal(loaded->reparam_state().gamma(), trained->reparam_state().gamma()));
  EXPECT_TRUE(at::equal(loaded->reparam_state().sigma(), trained->reparam_state().sigma()));
  trained->eval();
  loaded->eval();
  EXPECT_TRUE(at::equal(loaded->forward(x), trained->forward(x)));
  // gamma was trained away from its initial value, so the round trip is not vacuous.
  EXPECT_GT(std::abs(trained->reparam_state().gamma().item<double>() -
                     exact_spectral_norm(trained->weight)),
            1e-4);
}

TEST(SigmaReparamLinearTest, RejectsBadOptions) {
  EXPECT_THROW(SigmaReparamLinear(0, 4), c10::Error);
  EXPECT_THROW(SigmaReparamLinear(
                   SigmaReparamLinearOptions(4, 4).reparam(SigmaReparamOptions().power_steps(0))),
               c10::Error);
  SigmaReparamLinear layer(4, 3);
  EXPECT_THROW(layer->forward(at::randn({2, 5})), c10::Error);
}

}  // namespace
}  // namespace sigma
