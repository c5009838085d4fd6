// The encoder-decoder Transformer (models/encoder_decoder.h): shapes, causality of the decoder,
// padding that changes nothing, observations of every stack and kind, DeepNorm per stack.
#include "models/encoder_decoder.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "models/norms.h"

namespace models {
namespace {

EncoderDecoderConfig tiny(NormPlacement placement = NormPlacement::kPostLN) {
  EncoderDecoderConfig c;
  c.transformer.width = 16;
  c.transformer.heads = 2;
  c.transformer.qkv_layout = QkvLayout::kSeparate;
  c.transformer.layers.norm = placement;
  c.encoder_depth = 2;
  c.decoder_depth = 3;
  c.vocab_size = 40;
  c.max_length = 32;
  return c;
}

TEST(EncoderDecoderTest, SinusoidalPositions) {
  const at::Tensor pe = sinusoidal_positions(5, 8).to(at::kDouble);
  EXPECT_NEAR(pe[0][0].item<double>(), 0.0, 1e-7);
  EXPECT_NEAR(pe[0][1].item<double>(), 1.0, 1e-7);
  EXPECT_NEAR(pe[3][0].item<double>(), std::sin(3.0), 1e-6);
  EXPECT_NEAR(pe[3][3].item<double>(), std::cos(3.0 / std::pow(10000.0, 2.0 / 8)), 1e-6);
}

TEST(EncoderDecoderTest, ShapesCausalityAndObservations) {
  at::manual_seed(0);
  EncoderDecoder mt(tiny());
  mt->eval();
  at::NoGradGuard no_grad;
  at::Tensor source = at::randint(1, 40, {2, 7}, at::kLong);
  at::Tensor target = at::randint(1, 40, {2, 5}, at::kLong);
  AttentionObservation obs;
  const at::Tensor logits = mt(source, target, &obs);
  EXPECT_EQ(logits.sizes(), (at::IntArrayRef{2, 5, 40}));
  // 2 encoder self, then per decoder layer self and cross.
  ASSERT_EQ(obs.records.size(), 2u + 2u * 3u);
  EXPECT_EQ(obs.records[1].site.stack, "encoder");
  EXPECT_EQ(obs.records[1].site.layer, 1);
  EXPECT_EQ(obs.records[2].site.stack, "decoder");
  EXPECT_EQ(obs.records[2].site.kind, AttentionKind::kSelf);
  EXPECT_EQ(obs.records[7].site.kind, AttentionKind::kCross);
  EXPECT_EQ(obs.records[7].site.layer, 2);
  EXPECT_NEAR(obs.records[7].uniform_entropy.item<double>(), std::log(7.0), 1e-12);
  // Changing target token 3 leaves the logits of positions 0..2 unchanged.
  at::Tensor changed = target.clone();
  changed[0][3] = (changed[0][3].item<int64_t>() % 39) + 1;
  const at::Tensor again = mt(source, changed);
  EXPECT_TRUE(at::allclose(again.narrow(1, 0, 3), logits.narrow(1, 0, 3), 1e-5, 1e-6));
  EXPECT_FALSE(at::allclose(again.narrow(1, 3, 2), logits.narrow(1, 3, 2)));
}

// Padding a source with pad tokens (id 0) changes no logit of the target.
TEST(EncoderDecoderTest, SourcePaddingChangesNothing) {
  at::manual_seed(1);
  for (NormPlacement p : {NormPlacement::kPreLN, NormPlacement::kPostLN}) {
    EncoderDecoder mt(tiny(p));
    mt->eval();
    at::NoGradGuard no_grad;
    at::Tensor source = at::randint(1, 40, {1, 6}, at::kLong);
    at::Tensor padded = at::cat({source, at::zeros({1, 4}, at::kLong)}, 1);
    at::Tensor target = at::randint(1, 40, {1, 5}, at::kLong);
    EXPECT_TRUE(at::allclose(mt(padded, target), mt(source, target), 1e-5, 1e-5));
  }
}

// Incremental decoding step by step gives the logits of decode() on the whole prefix, for every
// norm placement and with σReparam, including after reordering the cache's rows (beams).
TEST(EncoderDecoderTest, DecodeStepEqualsDecodingThePrefix) {
  for (NormPlacement p : {NormPlacement::kPostLN, NormPlacement::kPreLN, NormPlacement::kDeepNorm,
                          NormPlacement::kNoNorm}) {
    for (bool sigma : {false, true}) {
      SCOPED_TRACE(std::to_string(static_cast<int>(p)) + (sigma ? " σReparam" : ""));
      at::manual_seed(7);
      EncoderDecoderConfig c = tiny(p);
      if (sigma) c.transformer.layers.reparam = Reparam::kSigmaReparam;
      EncoderDecoder mt(c);
      mt->eval();
      at::NoGradGuard no_grad;
      at::Tensor source = at::randint(1, 40, {3, 6}, at::kLong);
      source[2].narrow(0, 4, 2).fill_(0);  // a padded source
      const at::Tensor target = at::randint(1, 40, {3, 5}, at::kLong);
      const at::Tensor memory = mt->encode(source);
      const at::Tensor full = mt->decode(target, memory, source);  // (3, 5, 40)
      std::vector<at::Tensor> cache;
      for (int64_t t = 0; t < 5; ++t) {
        const at::Tensor step = mt->decode_step(target.narrow(1, t, 1), t, memory, source, &cache);
        EXPECT_TRUE(at::allclose(step, full.select(1, t), 1e-4, 1e-5)) << "position " << t;
      }
      // Reordered rows follow their new order.
      const at::Tensor order = at::tensor(std::vector<int64_t>{2, 0, 1}, at::kLong);
      std::vector<at::Tensor> moved = cache;
      for (auto& m : moved) m = m.index_select(0, order);
      const at::Tensor next = at::randint(1, 40, {3, 1}, at::kLong);
      const at::Tensor a =
          mt->decode_step(next.index_select(0, order), 5, memory.index_select(0, order),
                          source.index_select(0, order), &moved);
      const at::Tensor b = mt->decode_step(next, 5, memory, source, &cache);
      EXPECT_TRUE(at::allclose(a, b.index_select(0, order), 1e-5, 1e-6));
    }
  }
}

TEST(EncoderDecoderTest, DeepNormTakesEachStacksConstants) {
  // With DeepNorm, the encoder's v weights start at beta_enc x the plain init and the decoder's
  // at beta_dec x (DeepNet's encoder-decoder formulas).
  auto std_of = [](NormPlacement p, const std::string& name) {
    EncoderDecoderConfig c = tiny(p);
    c.transformer.width = 128;
    at::manual_seed(5);
    EncoderDecoder mt(c);
    return mt->named_parameters()[name].std().item<double>();
  };
  const DeepNormScales enc = deep_norm_scales(DeepNormStack::kEncoderOfBoth, 2, 3);
  const DeepNormScales dec = deep_norm_scales(DeepNormStack::kDecoderOfBoth, 2, 3);
  EXPECT_NEAR(std_of(NormPlacement::kDeepNorm, "encoder.0.attn.v.weight") /
                  std_of(NormPlacement::kPostLN, "encoder.0.attn.v.weight"),
              enc.beta, 1e-6);
  EXPECT_NEAR(std_of(NormPlacement::kDeepNorm, "decoder.1.mlp.fc2.weight") /
                  std_of(NormPlacement::kPostLN, "decoder.1.mlp.fc2.weight"),
              dec.beta, 1e-6);
}

}  // namespace
}  // namespace models
