// Attention for every family (models/attention.h): masks applied to the scores, self and cross
// attention, and observations tagged with their site and their uniform-entropy reference.
#include "models/attention.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace models {
namespace {

TransformerConfig tiny() {
  TransformerConfig c;
  c.width = 16;
  c.heads = 2;
  return c;
}

// A padded key gets probability exactly 0, and the outputs (and observed entropies) of the real
// positions equal those of the unpadded batch.
TEST(AttentionTest, PaddedKeysGetZeroProbabilityAndChangeNothing) {
  at::manual_seed(0);
  const TransformerConfig c = tiny();
  LayerFactory make(c.layers);
  MultiHeadAttention attn(c, make, AttentionSite{"encoder", AttentionKind::kSelf, 0});
  attn->eval();
  at::NoGradGuard no_grad;
  const int64_t real = 5, padded = 8;
  at::Tensor x = at::randn({1, real, c.width});
  at::Tensor x_pad = at::cat({x, 100 * at::randn({1, padded - real, c.width})}, 1);
  AttentionMask mask;
  mask.key_mask = at::arange(padded).lt(real).unsqueeze(0);  // (1, 8)
  mask.query_mask = mask.key_mask;

  AttentionObservation plain, masked;
  masked.keep_maps = true;
  const at::Tensor y = attn(x, at::Tensor(), nullptr, &plain);
  const at::Tensor y_pad = attn(x_pad, at::Tensor(), &mask, &masked);

  const at::Tensor probs = masked.records[0].map;  // (1, H, 8, 8)
  EXPECT_TRUE(probs.narrow(3, real, padded - real).eq(0).all().item<bool>())
      << "a hidden key must get probability exactly 0";
  EXPECT_TRUE(at::allclose(y_pad.narrow(1, 0, real), y, 1e-6, 1e-6));
  EXPECT_NEAR(masked.records[0].entropy.mean.item<double>(),
              plain.records[0].entropy.mean.item<double>(), 1e-6);
  // Uniform attention over 5 visible keys, whether the batch was padded or not.
  EXPECT_NEAR(plain.records[0].uniform_entropy.item<double>(), std::log(5.0), 1e-12);
  EXPECT_NEAR(masked.records[0].uniform_entropy.item<double>(), std::log(5.0), 1e-12);
}

TEST(AttentionTest, CausalAndPaddingMasksCombine) {
  at::manual_seed(1);
  const TransformerConfig c = tiny();
  LayerFactory make(c.layers);
  MultiHeadAttention attn(c, make, AttentionSite{"decoder", AttentionKind::kSelf, 2});
  at::NoGradGuard no_grad;
  const int64_t T = 6;
  AttentionMask mask;
  mask.additive = causal_mask(T, at::TensorOptions().dtype(at::kFloat));
  // Second sequence: 4 real tokens, 2 padded.
  mask.key_mask = at::stack({at::ones({T}, at::kBool), at::arange(T).lt(4)});
  mask.query_mask = mask.key_mask;
  AttentionObservation obs;
  obs.keep_maps = true;
  attn(at::randn({2, T, c.width}), at::Tensor(), &mask, &obs);
  const at::Tensor p = obs.records[0].map;  // (2, H, T, T)
  EXPECT_TRUE(p.triu(1).eq(0).all().item<bool>()) << "no query sees a later key";
  EXPECT_TRUE(p[1].narrow(-1, 4, 2).eq(0).all().item<bool>()) << "padded keys are hidden";
  EXPECT_EQ(obs.records[0].site.stack, "decoder");
  EXPECT_EQ(obs.records[0].site.layer, 2);
  // Visible keys per row: i + 1, and at most 4 in the padded sequence.
  EXPECT_TRUE(obs.records[0].visible_keys[0].equal(at::arange(1, T + 1, at::kLong)));
  EXPECT_TRUE(obs.records[0].visible_keys[1].equal(at::arange(1, T + 1, at::kLong).clamp_max(4)));
  // Real queries see i + 1 keys: sequence 1 has 6 real queries, sequence 2 has 4.
  double sum = 0;
  for (int i = 1; i <= 6; ++i) sum += std::log(i);
  for (int i = 1; i <= 4; ++i) sum += std::log(i);
  EXPECT_NEAR(obs.records[0].uniform_entropy.item<double>(), sum / 10, 1e-12);
}

// Cross attention: queries from x, keys and values from a memory of another length; the output
// has the queries' length and a hidden memory position changes nothing.
TEST(AttentionTest, CrossAttentionReadsTheMemory) {
  at::manual_seed(2);
  for (QkvLayout layout : {QkvLayout::kFused, QkvLayout::kQkAndV, QkvLayout::kSeparate}) {
    TransformerConfig c = tiny();
    c.qkv_layout = layout;
    LayerFactory make(c.layers);
    MultiHeadAttention attn(c, make, AttentionSite{"decoder", AttentionKind::kCross, 0});
    at::NoGradGuard no_grad;
    at::Tensor x = at::randn({2, 3, c.width});
    at::Tensor memory = at::randn({2, 7, c.width});
    AttentionObservation obs;
    const at::Tensor y = attn(x, memory, nullptr, &obs);
    EXPECT_EQ(y.sizes(), (at::IntArrayRef{2, 3, c.width}));
    EXPECT_EQ(obs.records[0].site.kind, AttentionKind::kCross);
    EXPECT_NEAR(obs.records[0].uniform_entropy.item<double>(), std::log(7.0), 1e-12);
    // Hiding the last two memory positions equals dropping them.
    AttentionMask mask;
    mask.key_mask = at::arange(7).lt(5).unsqueeze(0).expand({2, 7});
    const at::Tensor y_masked = attn(x, memory, &mask, nullptr);
    const at::Tensor y_short = attn(x, memory.narrow(1, 0, 5), nullptr, nullptr);
    EXPECT_TRUE(at::allclose(y_masked, y_short, 1e-6, 1e-6));
    // The output depends on the memory.
    EXPECT_FALSE(at::allclose(y, attn(x, memory + 1, nullptr, nullptr)));
  }
}

}  // namespace
}  // namespace models
