// Theorem 3.1: the entropy lower bound is below every logit vector of the same centred norm,
// and attained by bound_attaining_logits (sigma/entropy_bound.h).
#include "sigma/entropy_bound.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sigma {
namespace {

// n random logit vectors (n, T), centred and scaled to norm s. Half Gaussian, half
// adversarial-looking (two or three large coordinates), so near-one-hot rows are covered.
at::Tensor logits_of_norm(double s, int64_t T, int64_t n) {
  at::Tensor z = at::randn({n, T}, at::kDouble);
  at::Tensor spiky = at::zeros({n / 2, T}, at::kDouble);
  spiky.select(1, 0).fill_(1.0);
  const int64_t k = std::min<int64_t>(2, T - 1);
  spiky.narrow(1, 1, k).copy_(at::rand({n / 2, k}, at::kDouble));
  spiky += 0.05 * at::randn({n / 2, T}, at::kDouble);
  z.narrow(0, 0, n / 2).copy_(spiky);
  z = z - z.mean(-1, /*keepdim=*/true);
  return z * (s / z.norm(2, -1, /*keepdim=*/true));
}

TEST(EntropyBoundTest, LimitsAreLogTAndZero) {
  EXPECT_NEAR(entropy_lower_bound(0.0, 16), std::log(16.0), 1e-12);
  EXPECT_LT(entropy_lower_bound(60.0, 16), 1e-20);
  EXPECT_GT(entropy_lower_bound(60.0, 16), 0.0);
  // Monotone decreasing in s.
  double prev = entropy_lower_bound(0.0, 50);
  for (double s = 0.25; s < 20; s += 0.25) {
    const double b = entropy_lower_bound(s, 50);
    EXPECT_LT(b, prev) << "s=" << s;
    prev = b;
  }
}

TEST(EntropyBoundTest, BelowRandomLogitsOfEveryNorm) {
  at::manual_seed(0);
  for (int64_t T : {2, 5, 17, 64, 197}) {
    for (double s : {0.1, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0}) {
      const double bound = entropy_lower_bound(s, T);
      at::Tensor ent = softmax_entropy(logits_of_norm(s, T, 10000));
      const double min_ent = ent.min().item<double>();
      EXPECT_GE(min_ent, bound - 1e-12) << "T=" << T << " s=" << s;
    }
  }
}

TEST(EntropyBoundTest, AttainedByTheBoundVector) {
  for (int64_t T : {2, 5, 17, 64, 197}) {
    for (double s : {0.0, 0.1, 1.0, 3.0, 10.0, 30.0}) {
      at::Tensor z = bound_attaining_logits(s, T);
      EXPECT_NEAR(z.norm().item<double>(), s, 1e-12);
      EXPECT_NEAR(z.sum().item<double>(), 0.0, 1e-12);
      EXPECT_NEAR(softmax_entropy(z).item<double>(), entropy_lower_bound(s, T), 1e-9)
          << "T=" << T << " s=" << s;
    }
  }
}

TEST(EntropyBoundTest, RejectsBadArguments) {
  EXPECT_THROW(entropy_lower_bound(1.0, 1), std::invalid_argument);
  EXPECT_THROW(entropy_lower_bound(-1.0, 4), std::invalid_argument);
}

}  // namespace
}  // namespace sigma
