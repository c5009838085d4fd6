// Transformer blocks (models/transformer.h) under every norm placement and kind, built from the
// layer factory (models/layer_factory.h): the residual formulas by hand, DeepNorm's init
// scaling by role, and a decoder block with cross attention.
#include "models/transformer.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include <cmath>

#include "models/norms.h"

namespace models {
namespace {

TransformerConfig tiny(NormPlacement placement, NormKind kind = NormKind::kLayerNorm) {
  TransformerConfig c;
  c.width = 16;
  c.heads = 2;
  c.depth = 1;
  c.qkv_layout = QkvLayout::kSeparate;
  c.layers.norm = placement;
  c.layers.norm_kind = kind;
  return c;
}

// With the MLP's and the attention output's weights and biases at zero, both branches output 0,
// so the block computes exactly its residual formula on x.
TEST(BlocksTest, ResidualFormulaPerPlacement) {
  at::manual_seed(0);
  at::Tensor x = at::randn({2, 5, 16});
  for (NormPlacement p : {NormPlacement::kPreLN, NormPlacement::kPostLN, NormPlacement::kNoNorm,
                          NormPlacement::kDeepNorm}) {
    TransformerConfig c = tiny(p);
    c.residual_alpha = 1.7;
    LayerFactory make(c.layers);
    TransformerBlock block(c, make, BlockSite{"encoder", 0, false});
    {
      at::NoGradGuard no_grad;
      for (auto& item : block->named_parameters()) {
        if (item.key().find("proj") != std::string::npos ||
            item.key().find("fc2") != std::string::npos) {
          item.value().zero_();
        }
      }
    }
    at::NoGradGuard no_grad;
    const at::Tensor y = block(x);
    auto ln = [](const at::Tensor& t) { return at::layer_norm(t, {16}, {}, {}, 1e-6); };
    at::Tensor expected;
    switch (p) {
      case NormPlacement::kPreLN:
      case NormPlacement::kNoNorm:
        expected = x;
        break;
      case NormPlacement::kPostLN:
        expected = ln(ln(x));
        break;
      case NormPlacement::kDeepNorm:
        expected = ln(1.7 * ln(1.7 * x));
        break;
    }
    EXPECT_TRUE(at::allclose(y, expected, 1e-5, 1e-5)) << static_cast<int>(p);
  }
}

TEST(BlocksTest, EveryNormKindBuildsAndRuns) {
  at::manual_seed(1);
  for (NormKind kind : {NormKind::kLayerNorm, NormKind::kRmsNorm, NormKind::kDyT}) {
    TransformerConfig c = tiny(NormPlacement::kPreLN, kind);
    c.qk_norm = true;
    LayerFactory make(c.layers);
    TransformerBlock block(c, make, BlockSite{"encoder", 0, false});
    const auto params = block->named_parameters();
    EXPECT_EQ(params.contains("norm1.alpha"), kind == NormKind::kDyT);
    EXPECT_EQ(params.contains("norm1.bias"), kind != NormKind::kRmsNorm);
    EXPECT_EQ(params.contains("attn.q_norm.weight"), true);
    at::Tensor y = block(at::randn({2, 4, 16}));
    y.sum().backward();
    EXPECT_TRUE(at::isfinite(y).all().item<bool>());
    EXPECT_TRUE(params["norm1.weight"].grad().defined());
  }
}

// DeepNorm's beta scales the init of v, out, fc1 and fc2, and nothing else.
TEST(BlocksTest, ResidualBranchGainScalesInitByRole) {
  auto weight_std = [](double gain, const std::string& which) {
    TransformerConfig c = tiny(NormPlacement::kDeepNorm);
    c.width = 256;
    c.heads = 4;
    c.layers.residual_branch_gain = gain;
    at::manual_seed(3);
    LayerFactory make(c.layers);
    TransformerBlock block(c, make, BlockSite{"encoder", 0, false});
    return block->named_parameters()[which].std().item<double>();
  };
  for (const char* role :
       {"attn.v.weight", "attn.proj.weight", "mlp.fc1.weight", "mlp.fc2.weight"}) {
    EXPECT_NEAR(weight_std(0.25, role) / weight_std(1.0, role), 0.25, 1e-6) << role;
  }
  for (const char* role : {"attn.q.weight", "attn.k.weight"}) {
    EXPECT_NEAR(weight_std(0.25, role) / weight_std(1.0, role), 1.0, 1e-6) << role;
  }
}

TEST(BlocksTest, DecoderBlockWithCrossAttentionObservesBothSites) {
  at::manual_seed(4);
  TransformerConfig c = tiny(NormPlacement::kPostLN);
  LayerFactory make(c.layers);
  TransformerBlock block(c, make, BlockSite{"decoder", 3, /*cross_attention=*/true});
  AttentionMask causal;
  causal.additive = causal_mask(4, at::TensorOptions().dtype(at::kFloat));
  AttentionObservation obs;
  at::NoGradGuard no_grad;
  const at::Tensor y = block(at::randn({2, 4, 16}), &causal, &obs, at::randn({2, 9, 16}));
  EXPECT_EQ(y.sizes(), (at::IntArrayRef{2, 4, 16}));
  ASSERT_EQ(obs.records.size(), 2u);
  EXPECT_EQ(obs.records[0].site.kind, AttentionKind::kSelf);
  EXPECT_EQ(obs.records[1].site.kind, AttentionKind::kCross);
  EXPECT_EQ(obs.records[1].site.stack, "decoder");
  EXPECT_EQ(obs.records[1].site.layer, 3);
  EXPECT_NEAR(obs.records[1].uniform_entropy.item<double>(), std::log(9.0), 1e-12);
  EXPECT_THROW(block(at::randn({2, 4, 16}), &causal, nullptr), c10::Error)
      << "a cross-attention block without a memory is an error";
}

}  // namespace
}  // namespace models
