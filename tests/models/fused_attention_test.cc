// Fused attention (models/fused_attention.h) against the composite LibTorch computation it
// replaces: outputs, the gradients of q, k and v, and the per-row entropy, without masks, with
// a causal mask, with hidden keys, on strided views of a packed qkv tensor, and with 2 threads.
#include "models/fused_attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>

#include "models/attention.h"
#include "sigma/attention_entropy.h"

namespace models {
namespace {

struct Reference {
  at::Tensor out, probs;
};

// softmax(q k^T * scale + mask) v, output as (B, Tq, H * hd).
Reference reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    const at::Tensor& mask, double scale) {
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * scale;
  if (mask.defined()) scores = scores + mask;
  Reference r;
  r.probs = at::softmax(scores, -1);
  const int64_t B = q.size(0), Tq = q.size(2);
  r.out = at::matmul(r.probs, v).transpose(1, 2).reshape({B, Tq, -1});
  return r;
}

struct Case {
  at::Tensor q, k, v, mask;
};

// q, k, v as views of one (B, T, 3, H, hd) tensor, as the fused qkv projection makes them.
Case packed_case(int64_t B, int64_t H, int64_t T, int64_t hd, uint64_t seed) {
  at::manual_seed(seed);
  at::Tensor qkv = at::randn({B, T, 3, H, hd}).permute({2, 0, 3, 1, 4});
  Case c;
  c.q = qkv[0].detach().requires_grad_(false);
  c.k = qkv[1];
  c.v = qkv[2];
  return c;
}

void expect_matches(const Case& c, double scale, bool check_entropy) {
  // Leaves that require gradient, keeping the strided layout of the views.
  auto leaf = [](const at::Tensor& t) {
    at::Tensor base = t.detach().clone(at::MemoryFormat::Preserve);
    return base.requires_grad_(true);
  };
  at::Tensor q1 = leaf(c.q), k1 = leaf(c.k), v1 = leaf(c.v);
  at::Tensor q2 = leaf(c.q), k2 = leaf(c.k), v2 = leaf(c.v);
  const Reference want = reference(q1, k1, v1, c.mask, scale);
  const FusedAttentionOutput got = fused_attention(q2, k2, v2, c.mask, scale, check_entropy);
  EXPECT_TRUE(at::allclose(got.out, want.out, 1e-5, 1e-5))
      << (got.out - want.out).abs().max().item<double>();
  at::Tensor weights = at::randn(want.out.sizes());
  (want.out * weights).sum().backward();
  (got.out * weights).sum().backward();
  EXPECT_TRUE(at::allclose(q2.grad(), q1.grad(), 1e-4, 1e-5))
      << (q2.grad() - q1.grad()).abs().max().item<double>();
  EXPECT_TRUE(at::allclose(k2.grad(), k1.grad(), 1e-4, 1e-5))
      << (k2.grad() - k1.grad()).abs().max().item<double>();
  EXPECT_TRUE(at::allclose(v2.grad(), v1.grad(), 1e-4, 1e-5))
      << (v2.grad() - v1.grad()).abs().max().item<double>();
  if (check_entropy) {
    const at::Tensor p = want.probs.detach().to(at::kDouble);
    const at::Tensor rows = -at::xlogy(p, p).sum(-1);  // (B, H, Tq)
    EXPECT_TRUE(at::allclose(got.entropy.to(at::kDouble), rows, 1e-5, 1e-5))
        << (got.entropy.to(at::kDouble) - rows).abs().max().item<double>();
    EXPECT_FALSE(got.entropy.requires_grad());
  }
}

TEST(FusedAttentionTest, MatchesTheCompositeComputationWithoutMask) {
  expect_matches(packed_case(4, 3, 17, 16, 1), 0.25, /*entropy=*/true);
}

TEST(FusedAttentionTest, MatchesWithACausalMask) {
  Case c = packed_case(3, 2, 11, 8, 2);
  c.mask = causal_mask(11, at::TensorOptions(at::kFloat));
  expect_matches(c, 1 / std::sqrt(8.0), /*entropy=*/true);
}

TEST(FusedAttentionTest, MatchesWithHiddenKeysAndCrossAttentionShapes) {
  at::manual_seed(3);
  Case c;
  c.q = at::randn({2, 2, 5, 8});
  c.k = at::randn({2, 2, 9, 8});
  c.v = at::randn({2, 2, 9, 8});
  // Example 1 sees only its first 4 keys.
  c.mask = at::zeros({2, 1, 1, 9});
  c.mask.index_put_({1, 0, 0, at::indexing::Slice(4, at::indexing::None)}, -INFINITY);
  expect_matches(c, 0.3, /*entropy=*/true);
}

TEST(FusedAttentionTest, AQueryThatSeesNoKeyGetsZeros) {
  at::Tensor q = at::randn({1, 1, 2, 4}), k = at::randn({1, 1, 3, 4}), v = at::randn({1, 1, 3, 4});
  at::Tensor mask = at::zeros({2, 3});
  mask[1].fill_(-INFINITY);
  const FusedAttentionOutput f = fused_attention(q, k, v, mask, 0.5, true);
  EXPECT_TRUE(f.out[0][1].eq(0).all().item<bool>());
  EXPECT_EQ(f.entropy[0][0][1].item<float>(), 0.0f);
  EXPECT_GT(f.entropy[0][0][0].item<float>(), 0.0f);
}

TEST(FusedAttentionTest, TwoThreadsGiveTheSameResult) {
  const Case c = packed_case(8, 4, 17, 16, 4);
  at::set_num_threads(1);
  const FusedAttentionOutput one = fused_attention(c.q, c.k, c.v, {}, 0.25, true);
  at::set_num_threads(2);
  const FusedAttentionOutput two = fused_attention(c.q, c.k, c.v, {}, 0.25, true);
  at::set_num_threads(1);
  EXPECT_TRUE(one.out.equal(two.out));
  EXPECT_TRUE(one.entropy.equal(two.entropy));
}

TEST(FusedAttentionTest, RejectsWhatItCannotHandleByName) {
  at::Tensor d = at::randn({1, 1, 3, 4}, at::kDouble);
  EXPECT_FALSE(fused_attention_supports(d, d, d));
  try {
    fused_attention(d, d, d, {}, 1.0, false);
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
  }
}

// The attention layer takes the fused path unless maps are kept: both give the same output and
// the same entropy record.
TEST(FusedAttentionTest, AttentionLayerRecordsTheSameEntropyOnBothPaths) {
  TransformerConfig config;
  config.width = 32;
  config.heads = 4;
  LayerFactory make(config.layers);
  at::manual_seed(5);
  MultiHeadAttention attention(config, make, AttentionSite{"encoder", AttentionKind::kSelf, 0});
  at::Tensor x = at::randn({3, 10, 32});
  AttentionMask mask;
  mask.key_mask = at::ones({3, 10}, at::kBool);
  mask.key_mask.index_put_({2, at::indexing::Slice(6, at::indexing::None)}, false);
  mask.query_mask = mask.key_mask;
  AttentionObservation fused, composite;
  composite.keep_maps = true;
  at::Tensor a = attention(x, at::Tensor(), &mask, &fused);
  at::Tensor b = attention(x, at::Tensor(), &mask, &composite);
  EXPECT_TRUE(at::allclose(a, b, 1e-5, 1e-6));
  ASSERT_EQ(fused.records.size(), 1u);
  ASSERT_EQ(composite.records.size(), 1u);
  const AttentionRecord &f = fused.records[0], &c = composite.records[0];
  EXPECT_NEAR(f.entropy.mean.item<double>(), c.entropy.mean.item<double>(), 1e-5);
  EXPECT_TRUE(at::allclose(f.entropy.per_head, c.entropy.per_head, 1e-5, 1e-5));
  EXPECT_EQ(f.uniform_entropy.item<double>(), c.uniform_entropy.item<double>());
  EXPECT_TRUE(f.visible_keys.equal(c.visible_keys));
  EXPECT_FALSE(f.map.defined());
  EXPECT_TRUE(c.map.defined());
}

}  // namespace
}  // namespace models
