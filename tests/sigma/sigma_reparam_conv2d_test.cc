// SigmaReparamConv2d: the kernel is reparameterised as its (out, in*kh*kw) matrix.
#include "sigma/sigma_reparam_conv2d.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "sigma/power_iteration.h"

namespace sigma {
namespace {

TEST(SigmaReparamConv2dTest, Sigma0InitLeavesKernelUnchanged) {
  at::manual_seed(0);
  SigmaReparamConv2d conv(SigmaReparamConv2dOptions(3, 16, 4).stride(4));
  at::Tensor w = conv->effective_weight();
  EXPECT_EQ(w.sizes(), conv->weight.sizes());
  EXPECT_LT(((w - conv->weight).abs().max() / conv->weight.abs().max()).item<double>(), 1e-6);
  EXPECT_NEAR(conv->reparam_state().sigma().item<double>(),
              exact_spectral_norm(conv->weight.view({16, -1})), 1e-6);
}

TEST(SigmaReparamConv2dTest, NormIsThatOfTheFlattenedKernel) {
  at::manual_seed(1);
  SigmaReparamConv2d conv(SigmaReparamConv2dOptions(2, 5, 3).reparam(
      SigmaReparamOptions().gamma_init(GammaInit::kOne)));
  EXPECT_NEAR(exact_spectral_norm(conv->effective_weight().view({5, -1})), 1.0, 1e-5);
}

TEST(SigmaReparamConv2dTest, PatchEmbeddingShapes) {
  at::manual_seed(2);
  SigmaReparamConv2d patch(SigmaReparamConv2dOptions(1, 64, 7).stride(7));
  at::Tensor y = patch->forward(at::randn({2, 1, 28, 28}));
  EXPECT_EQ(y.sizes(), (at::IntArrayRef{2, 64, 4, 4}));
}

TEST(SigmaReparamConv2dTest, MatchesPlainConvolutionWithReparameterisedKernel) {
  at::manual_seed(3);
  SigmaReparamConv2d conv(SigmaReparamConv2dOptions(2, 4, 3).stride(2).padding(1).reparam(
      SigmaReparamOptions().gamma_init(GammaInit::kOne)));
  conv->eval();
  at::Tensor x = at::randn({2, 2, 9, 9});
  at::Tensor want = at::conv2d(x, conv->effective_weight(), conv->bias, 2, 1);
  EXPECT_TRUE(at::allclose(conv->forward(x), want, 1e-5, 1e-6));
}

TEST(SigmaReparamConv2dTest, RejectsGroupedConvolution) {
  try {
    SigmaReparamConv2d conv(SigmaReparamConv2dOptions(4, 4, 3).groups(2));
    FAIL() << "groups=2 was accepted";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("groups must be 1"), std::string::npos);
  }
}

}  // namespace
}  // namespace sigma
