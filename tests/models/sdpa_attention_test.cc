// The GPU attention path (models/sdpa_attention.h) on the CPU: LibTorch's fused
// scaled_dot_product_attention output and gradients against the composite computation, and the
// row entropy from log-sum-exp and SDPA(q, k, k) against -sum p log p of the explicit maps,
// without masks, causal, and with hidden keys and near one-hot rows. On a GPU
// the log-sum-exp comes from the memory-efficient kernel instead of the CPU flash kernel; the
// identity checked here is the same (tools/gpu_check.sh runs the layer on a GPU).
#include "models/sdpa_attention.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "models/attention.h"

namespace models {
namespace {

struct Maps {
  at::Tensor out, entropy;
};

Maps reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
               const at::Tensor& mask, double scale) {
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * scale;
  if (mask.defined()) scores = scores + mask;
  const at::Tensor p = at::softmax(scores, -1);
  Maps m;
  m.out = at::matmul(p, v).transpose(1, 2).reshape({q.size(0), q.size(2), -1});
  const at::Tensor pd = p.detach().to(at::kDouble);
  m.entropy = at::nan_to_num(-at::xlogy(pd, pd).sum(-1), 0.0);  // (B, H, Tq)
  return m;
}

void expect_matches(const at::Tensor& q0, const at::Tensor& k0, const at::Tensor& v0,
                    const at::Tensor& mask, double scale) {
  at::Tensor q1 = q0.clone().requires_grad_(true), k1 = k0.clone().requires_grad_(true),
             v1 = v0.clone().requires_grad_(true);
  at::Tensor q2 = q0.clone().requires_grad_(true), k2 = k0.clone().requires_grad_(true),
             v2 = v0.clone().requires_grad_(true);
  const Maps want = reference(q1, k1, v1, mask, scale);
  const SdpaOutput got = sdpa_attention(q2, k2, v2, mask, scale, /*dropout=*/0.0, true);
  // float32 kernels that sum in another order: 1e-5 as for the CPU's own fused kernel.
  EXPECT_TRUE(at::allclose(got.out, want.out, 1e-5, 1e-5))
      << (got.out - want.out).abs().max().item<double>();
  const at::Tensor w = at::randn(want.out.sizes());
  (want.out * w).sum().backward();
  (got.out * w).sum().backward();
  EXPECT_TRUE(at::allclose(q2.grad(), q1.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(k2.grad(), k1.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(v2.grad(), v1.grad(), 1e-4, 1e-5));
  // The entropy is lse - E_p[z]: a difference of two O(log T + |z|) float32 numbers, so 1e-4
  // absolute (the entropies are O(1)).
  EXPECT_TRUE(at::allclose(got.entropy.to(at::kDouble), want.entropy, 1e-4, 1e-4))
      << (got.entropy.to(at::kDouble) - want.entropy).abs().max().item<double>();
  EXPECT_FALSE(got.entropy.requires_grad());
  EXPECT_EQ(got.entropy.scalar_type(), at::kFloat);
}

TEST(SdpaAttentionTest, MatchesTheMapsWithoutMask) {
  at::manual_seed(1);
  expect_matches(at::randn({3, 2, 17, 16}), at::randn({3, 2, 17, 16}), at::randn({3, 2, 17, 16}),
                 {}, 0.25);
}

TEST(SdpaAttentionTest, MatchesTheMapsWithACausalMask) {
  at::manual_seed(2);
  expect_matches(at::randn({2, 4, 11, 8}), at::randn({2, 4, 11, 8}), at::randn({2, 4, 11, 8}),
                 causal_mask(11, at::TensorOptions(at::kFloat)), 1 / std::sqrt(8.0));
}

TEST(SdpaAttentionTest, MatchesWithHiddenKeysAndPeakedAttention) {
  at::manual_seed(3);
  at::Tensor mask = at::zeros({2, 1, 1, 9});
  mask.index_put_({1, 0, 0, at::indexing::Slice(4, at::indexing::None)}, -INFINITY);
  // Large logits (scale 2): nearly one-hot rows, entropies near 0, where lse - E[z] cancels most.
  expect_matches(at::randn({2, 2, 5, 8}), at::randn({2, 2, 9, 8}), at::randn({2, 2, 9, 8}), mask,
                 2.0);
}

TEST(SdpaAttentionTest, UniformAttentionHasEntropyLogT) {
  const at::Tensor q = at::zeros({1, 1, 3, 4}), k = at::randn({1, 1, 7, 4});
  const at::Tensor h = sdpa_row_entropy(q, k, {}, 1.0);
  EXPECT_TRUE(at::allclose(h, at::full({1, 1, 3}, std::log(7.0)), 1e-5, 1e-6)) << h;
}

}  // namespace
}  // namespace models
