// sigma::fold_into on whole models: a σReparam ViT folded into the same ViT built without
// σReparam computes what the σReparam model computes in eval mode.
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "models/vit.h"
#include "sigma/sigma_stats.h"

namespace models {
namespace {

TEST(FoldTest, AFoldedViTMatchesTheSigmaReparamViTInEvalMode) {
  VitConfig plain_config, sigma_config;
  plain_config.transformer.width = 32;
  plain_config.transformer.depth = 2;
  plain_config.transformer.heads = 2;
  sigma_config = plain_config;
  sigma_config.transformer.layers.reparam = Reparam::kSigmaReparam;
  at::manual_seed(0);
  VisionTransformer reparam(sigma_config);
  at::manual_seed(1);
  VisionTransformer plain(plain_config);
  // Train-mode steps move u and sigma away from their initial values; gamma is changed by hand.
  for (auto& p : reparam->named_parameters()) {
    if (p.key().find("gamma") != std::string::npos) {
      at::NoGradGuard no_grad;
      p.value().mul_(1.5);
    }
  }
  at::Tensor images = at::randn({4, 1, 28, 28});
  reparam->train();
  for (int i = 0; i < 3; ++i) reparam->forward(images);
  reparam->eval();
  plain->eval();
  sigma::fold_into(*reparam, *plain);
  at::NoGradGuard no_grad;
  const at::Tensor want = reparam->forward(images), got = plain->forward(images);
  EXPECT_TRUE(at::allclose(got, want, 1e-5, 1e-6)) << (got - want).abs().max().item<double>();
  // The plain model has no σReparam state: folding really removed the power iteration.
  EXPECT_TRUE(sigma::collect_sigma_reparam_stats(*plain).empty());
  EXPECT_FALSE(sigma::collect_sigma_reparam_stats(*reparam).empty());
}

TEST(FoldTest, AMismatchedModelIsAnErrorNamingTheTensor) {
  VitConfig small, wide;
  small.transformer.width = 32;
  small.transformer.heads = 2;
  wide = small;
  wide.transformer.width = 64;
  small.transformer.layers.reparam = Reparam::kSigmaReparam;
  VisionTransformer reparam(small), plain(wide);
  try {
    sigma::fold_into(*reparam, *plain);
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("has shape"), std::string::npos)
        << e.what_without_backtrace();
  }
}

}  // namespace
}  // namespace models
