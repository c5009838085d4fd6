// NT-Xent on a hand-checked case and against finite differences, the kNN monitor and the linear
// probe on synthetic features (experiments/simclr/contrastive.h).
#include "experiments/simclr/contrastive.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace experiments {
namespace {

TEST(NtXentTest, HandCheckedCase) {
  // Two images, orthogonal, both views identical, temperature 1. View 0 = (1, 0): its positive
  // (view 2) has similarity 1, its negatives (views 1, 3) 0, so its loss is
  // -log(e / (e + 1 + 1)) = log(2 + e) - 1, and by symmetry so is every view's.
  at::Tensor z = at::tensor({1.0, 0.0, 0.0, 1.0}, at::kDouble).view({2, 2});
  double accuracy = -1;
  const double loss = nt_xent(z, z, 1.0, &accuracy).item<double>();
  EXPECT_NEAR(loss, std::log(2 + std::exp(1.0)) - 1, 1e-12);
  EXPECT_DOUBLE_EQ(accuracy, 1.0);
  // Scaling a projection changes nothing (cosine similarity); temperature 0.5 doubles the logits:
  // log(2 + e^2) - 2.
  EXPECT_NEAR(nt_xent(3 * z, z, 0.5).item<double>(), std::log(2 + std::exp(2.0)) - 2, 1e-12);
  // Views swapped between images: each view's most similar other view is a negative.
  at::Tensor swapped = z.flip({0});
  nt_xent(z, swapped, 1.0, &accuracy);
  EXPECT_DOUBLE_EQ(accuracy, 0.0);
}

TEST(NtXentTest, GradientMatchesFiniteDifferences) {
  at::manual_seed(0);
  at::Tensor z1 = at::randn({4, 3}, at::kDouble).requires_grad_(true);
  at::Tensor z2 = at::randn({4, 3}, at::kDouble).requires_grad_(true);
  const double t = 0.3;
  nt_xent(z1, z2, t).backward();
  const double h = 1e-6;
  for (at::Tensor* z : {&z1, &z2}) {
    at::Tensor g = z->grad();
    for (int64_t i = 0; i < z->numel(); ++i) {
      at::NoGradGuard no_grad;
      at::Tensor flat = z->view({-1});
      const double x = flat[i].item<double>();
      flat[i] = x + h;
      const double up = nt_xent(z1, z2, t).item<double>();
      flat[i] = x - h;
      const double down = nt_xent(z1, z2, t).item<double>();
      flat[i] = x;
      EXPECT_NEAR(g.view({-1})[i].item<double>(), (up - down) / (2 * h), 1e-7) << "element " << i;
    }
  }
}

// Two well-separated Gaussian clusters per class in 8 dimensions.
void clusters(int64_t n, int64_t classes, double spread, at::Tensor* x, at::Tensor* y) {
  at::Tensor centres = at::eye(classes, 8, at::kFloat) * 5;
  *y = at::arange(n, at::kLong).remainder(classes);
  *x = centres.index_select(0, *y) + spread * at::randn({n, 8});
}

TEST(LinearProbeTest, SeparatesSeparableFeatures) {
  at::manual_seed(1);
  at::Tensor x, y, xt, yt;
  clusters(600, 4, 1.0, &x, &y);
  clusters(400, 4, 1.0, &xt, &yt);
  const LinearProbeResult r = linear_probe(x, y, xt, yt, 4, LinearProbeOptions{});
  EXPECT_GT(r.train_accuracy, 0.99);
  EXPECT_GT(r.test_accuracy, 0.99);
  // Deterministic: the same features give the same probe.
  EXPECT_DOUBLE_EQ(linear_probe(x, y, xt, yt, 4, LinearProbeOptions{}).test_accuracy,
                   r.test_accuracy);
}

TEST(LinearProbeTest, RandomLabelsStayNearChance) {
  at::manual_seed(2);
  at::Tensor x = at::randn({800, 8}), xt = at::randn({2000, 8});
  at::Tensor y = at::randint(0, 4, {800}, at::kLong), yt = at::randint(0, 4, {2000}, at::kLong);
  const LinearProbeResult r = linear_probe(x, y, xt, yt, 4, LinearProbeOptions{});
  EXPECT_LT(r.test_accuracy, 0.31);  // chance is 0.25
}

TEST(KnnTest, VotesOfNearestNeighbours) {
  at::manual_seed(3);
  at::Tensor x, y, xt, yt;
  clusters(500, 5, 0.5, &x, &y);
  clusters(200, 5, 0.5, &xt, &yt);
  EXPECT_GT(knn_accuracy(x, y, xt, yt, 5, 20, 0.1), 0.99);
  // One bank point per query, k = 1: the query's label is its nearest bank point's.
  at::Tensor bank = at::tensor({1.0, 0.0, 0.0, 1.0}, at::kFloat).view({2, 2});
  at::Tensor bank_y = at::tensor({7, 3}, at::kLong);
  at::Tensor q = at::tensor({0.9, 0.1, 0.2, 0.8, 0.6, 0.5}, at::kFloat).view({3, 2});
  EXPECT_NEAR(knn_accuracy(bank, bank_y, q, at::tensor({7, 3, 7}, at::kLong), 8, 1, 0.1), 1.0,
              1e-12);
  EXPECT_NEAR(knn_accuracy(bank, bank_y, q, at::tensor({3, 3, 3}, at::kLong), 8, 1, 0.1), 1.0 / 3,
              1e-12);
}

}  // namespace
}  // namespace experiments
