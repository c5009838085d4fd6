// The per-head probe of Theorem 3.1 on attention logits (sigma/attention_probe.h): centred norms
// over visible keys only, entropies equal to attention_entropy's, and every row above the bound.
#include "sigma/attention_probe.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "sigma/attention_entropy.h"
#include "sigma/entropy_bound_math.h"

namespace sigma {
namespace {

TEST(AttentionProbeTest, MatchesEntropyAndStaysAboveTheBound) {
  at::manual_seed(3);
  const at::Tensor logits = 4 * at::randn({2, 3, 5, 5}, at::kDouble);
  const auto probes = probe_attention_logits(logits);
  ASSERT_EQ(probes.size(), 3u);
  const AttentionEntropy e = attention_entropy(at::softmax(logits, -1));
  for (int64_t h = 0; h < 3; ++h) {
    EXPECT_EQ(probes[h].head, h);
    EXPECT_EQ(probes[h].keys, 5);
    EXPECT_EQ(probes[h].rows, 10);
    EXPECT_NEAR(probes[h].mean_entropy, e.per_head[h].item<double>(), 1e-9);
    EXPECT_GE(probes[h].min_bound_slack, -1e-12);
    const at::Tensor row = logits.select(1, h);
    const at::Tensor norms = (row - row.mean(-1, true)).norm(2, -1);
    EXPECT_NEAR(probes[h].max_logit_norm, norms.max().item<double>(), 1e-9);
  }
}

TEST(AttentionProbeTest, CausalRowsUseOnlyTheirVisibleKeys) {
  // One head, 3 queries; query i sees keys 0..i. Row 0 has one key and is not counted.
  at::Tensor logits =
      at::tensor({0.0, 9.0, 9.0, 1.0, 3.0, 9.0, 2.0, 2.0, 5.0}, at::kDouble).view({1, 1, 3, 3});
  logits = logits.masked_fill(at::ones({3, 3}, at::kBool).triu(1), -INFINITY);
  const auto probes = probe_attention_logits(logits);
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_EQ(probes[0].rows, 2);
  EXPECT_EQ(probes[0].keys, 3);
  // Row 1: (1, 3) -> centred norm sqrt(2). Row 2: (2, 2, 5) -> mean 3, norm sqrt(6).
  EXPECT_NEAR(probes[0].max_logit_norm, std::sqrt(6.0), 1e-12);
  EXPECT_NEAR(probes[0].mean_logit_norm, (std::sqrt(2.0) + std::sqrt(6.0)) / 2, 1e-12);
  const double h1 = softmax_entropy({1.0, 3.0}), h2 = softmax_entropy({2.0, 2.0, 5.0});
  EXPECT_NEAR(probes[0].mean_entropy, (h1 + h2) / 2, 1e-12);
  EXPECT_NEAR(probes[0].min_entropy, std::min(h1, h2), 1e-12);
  // For two keys the bound is attained by every row: slack 0 there.
  EXPECT_NEAR(probes[0].min_bound_slack,
              std::min(h1 - entropy_lower_bound(std::sqrt(2.0), 2),
                       h2 - entropy_lower_bound(std::sqrt(6.0), 3)),
              1e-12);
}

}  // namespace
}  // namespace sigma
