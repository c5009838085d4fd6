// Attention entropy (sigma/attention_entropy.h).
#include "sigma/attention_entropy.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace sigma {
namespace {

TEST(AttentionEntropyTest, UniformIsLogTAndOneHotIsZero) {
  const int64_t T = 17;
  at::Tensor uniform = at::full({2, 3, T, T}, 1.0 / T);
  AttentionEntropy e = attention_entropy(uniform);
  EXPECT_NEAR(e.mean.item<double>(), std::log(17.0), 1e-6);
  EXPECT_EQ(e.per_head.sizes(), (at::IntArrayRef{3}));
  EXPECT_EQ(e.per_query.sizes(), (at::IntArrayRef{2, 3, T}));

  at::Tensor one_hot = at::zeros({2, 3, T, T});
  one_hot.select(-1, 4).fill_(1.0);
  EXPECT_EQ(attention_entropy(one_hot).mean.item<double>(), 0.0);
}

TEST(AttentionEntropyTest, PerHeadAveragesOverExamplesAndQueries) {
  at::manual_seed(0);
  at::Tensor probs = at::softmax(at::randn({3, 2, 5, 6}, at::kDouble) * 3, -1);
  AttentionEntropy e = attention_entropy(probs);
  // Direct: -sum p log p per row, averaged by hand.
  for (int64_t h = 0; h < 2; ++h) {
    double total = 0;
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t i = 0; i < 5; ++i) {
        for (int64_t j = 0; j < 6; ++j) {
          const double p = probs[b][h][i][j].item<double>();
          total -= p * std::log(p);
        }
      }
    EXPECT_NEAR(e.per_head[h].item<double>(), total / 15.0, 1e-12);
  }
  EXPECT_NEAR(e.mean.item<double>(), e.per_head.mean().item<double>(), 1e-15);
}

TEST(AttentionEntropyTest, MaskedKeysAndPaddedQueriesAreExcluded) {
  // Example 0 has 3 real tokens of 5, example 1 has all 5. Real queries attend uniformly to
  // the real keys; padded query rows hold junk that must not count.
  const int64_t T = 5;
  at::Tensor key_mask = at::tensor({1, 1, 1, 0, 0, 1, 1, 1, 1, 1}).to(at::kBool).view({2, T});
  at::Tensor probs = at::zeros({2, 1, T, T}, at::kDouble);
  probs[0].narrow(-1, 0, 3).fill_(1.0 / 3);
  probs[1].fill_(1.0 / 5);
  // Junk that a correct implementation ignores: mass on masked keys of padded queries.
  probs[0][0][3].fill_(0.2);
  probs[0][0][4].fill_(0.2);
  AttentionEntropy e = attention_entropy(probs, key_mask, /*query_mask=*/key_mask);
  const double want = (3 * std::log(3.0) + 5 * std::log(5.0)) / 8.0;
  EXPECT_NEAR(e.mean.item<double>(), want, 1e-12);
  EXPECT_EQ(e.per_query[0][0][3].item<double>(), 0.0);

  // Without the query mask, the junk rows are averaged in and the figure changes.
  AttentionEntropy unmasked = attention_entropy(probs, key_mask);
  EXPECT_GT(std::abs(unmasked.mean.item<double>() - want), 1e-3);
}

TEST(AttentionEntropyTest, RejectsBadShapes) {
  EXPECT_THROW(attention_entropy(at::rand({2, 3, 4})), c10::Error);
  EXPECT_THROW(attention_entropy(at::rand({2, 1, 4, 4}), at::ones({2, 5}, at::kBool)), c10::Error);
  EXPECT_THROW(attention_entropy(at::rand({2, 1, 4, 4}), {}, at::zeros({2, 4}, at::kBool)),
               c10::Error);
}

}  // namespace
}  // namespace sigma
