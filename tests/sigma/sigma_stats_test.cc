// Model-wide statistics and folding (sigma/sigma_stats.h).
#include "sigma/sigma_stats.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/sgd.h>

#include "sigma/power_iteration.h"

namespace sigma {
namespace {

struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl() {
    patch =
        register_module("patch", SigmaReparamConv2d(SigmaReparamConv2dOptions(1, 8, 4).stride(4)));
    fc1 = register_module("fc1", SigmaReparamLinear(SigmaReparamLinearOptions(8, 16).reparam(
                                     SigmaReparamOptions().gamma_init(GammaInit::kOne))));
    plain = register_module("plain", torch::nn::Linear(16, 16));
    fc2 = register_module("fc2", SigmaReparamLinear(16, 3));
  }
  SigmaReparamConv2d patch{nullptr};
  SigmaReparamLinear fc1{nullptr};
  torch::nn::Linear plain{nullptr};
  SigmaReparamLinear fc2{nullptr};
};
TORCH_MODULE(TinyNet);

TEST(SigmaStatsTest, CollectsEveryReparamLayerByName) {
  at::manual_seed(0);
  TinyNet net;
  auto stats = collect_sigma_reparam_stats(*net);
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0].name, "patch");
  EXPECT_EQ(stats[1].name, "fc1");
  EXPECT_EQ(stats[2].name, "fc2");
  EXPECT_DOUBLE_EQ(stats[1].gamma, 1.0);
  EXPECT_DOUBLE_EQ(stats[1].effective_norm, 1.0);
  EXPECT_NEAR(stats[2].sigma, exact_spectral_norm(net->fc2->weight), 1e-6);
  EXPECT_NEAR(stats[2].gamma, stats[2].sigma, 1e-6);  // SIGMA0 init
}

TEST(SigmaStatsTest, FoldedLayersGiveIdenticalOutputs) {
  at::manual_seed(1);
  SigmaReparamLinear layer(
      SigmaReparamLinearOptions(20, 12).reparam(SigmaReparamOptions().gamma_init(GammaInit::kOne)));
  SigmaReparamConv2d conv(SigmaReparamConv2dOptions(3, 6, 3).padding(1));
  // Train a little so that W_hat differs from W and u is not the initial one.
  std::vector<at::Tensor> params = layer->parameters();
  for (const auto& p : conv->parameters()) params.push_back(p);
  torch::optim::SGD opt(params, torch::optim::SGDOptions(0.1));
  at::Tensor x = at::randn({5, 20});
  at::Tensor img = at::randn({2, 3, 8, 8});
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    (layer->forward(x).pow(2).sum() + conv->forward(img).pow(2).sum()).backward();
    opt.step();
  }
  layer->eval();
  conv->eval();
  EXPECT_GT((layer->effective_weight() - layer->weight).abs().max().item<double>(), 1e-3);

  torch::nn::Linear plain = fold(layer);
  at::Tensor a = layer->forward(x), b = plain->forward(x);
  EXPECT_LT((a - b).abs().max().item<double>(), 1e-6 * (1 + a.abs().max().item<double>()));

  torch::nn::Conv2d plain_conv = fold(conv);
  at::Tensor c = conv->forward(img), d = plain_conv->forward(img);
  EXPECT_LT((c - d).abs().max().item<double>(), 1e-6 * (1 + c.abs().max().item<double>()));
}

}  // namespace
}  // namespace sigma
