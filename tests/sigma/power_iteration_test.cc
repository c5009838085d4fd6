// Power iteration and exact spectral norm (sigma/power_iteration.h).
#include "sigma/power_iteration.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace sigma {
namespace {

at::Tensor normalized(const at::Tensor& x) { return x / x.norm(); }

// U diag(s) V^T with orthonormal U, V from QR of Gaussian matrices.
at::Tensor with_singular_values(const at::Tensor& s, int64_t rows, int64_t cols) {
  const int64_t k = s.size(0);
  at::Tensor U = std::get<0>(at::linalg_qr(at::randn({rows, k}, at::kDouble)));
  at::Tensor V = std::get<0>(at::linalg_qr(at::randn({cols, k}, at::kDouble)));
  return U.mm(at::diag(s)).mm(V.t());
}

double relative_error(double got, double want) { return std::abs(got - want) / want; }

double sigma_after(const at::Tensor& w, int64_t steps) {
  at::Tensor u = normalized(at::randn({w.size(1)}, w.options()));
  return power_iteration(w, u, steps).sigma.item<double>();
}

TEST(PowerIterationTest, ConvergesOnRandomMatrices) {
  at::manual_seed(0);
  for (auto shape : {std::pair<int64_t, int64_t>{32, 48}, {64, 64}, {96, 24}}) {
    at::Tensor w = at::randn({shape.first, shape.second}, at::kDouble);
    const double want = at::linalg_svdvals(w)[0].item<double>();
    EXPECT_LT(relative_error(sigma_after(w, 2000), want), 1e-4)
        << "shape " << shape.first << "x" << shape.second;
  }
}

TEST(PowerIterationTest, ConvergesOnIllConditionedMatrices) {
  at::manual_seed(1);
  // Condition number 1e8, spectral gap 2.
  at::Tensor s = at::cat({at::tensor({3.0, 1.5}, at::kDouble), at::logspace(-1, -8, 14)});
  at::Tensor w = with_singular_values(s, 40, 30);
  EXPECT_LT(relative_error(sigma_after(w, 30), 3.0), 1e-4);
  EXPECT_NEAR(exact_spectral_norm(w), 3.0, 1e-9);
}

TEST(PowerIterationTest, OneStepIsNotConverged) {
  // Guards the test above: a single step from a random u is far off on a gap-free spectrum,
  // so convergence really comes from the iteration count.
  at::manual_seed(2);
  at::Tensor s = at::linspace(1.0, 0.9, 20, at::kDouble);
  at::Tensor w = with_singular_values(s, 20, 20);
  EXPECT_GT(relative_error(sigma_after(w, 1), 1.0), 1e-3);
}

TEST(PowerIterationTest, ExactSingularVectorGivesExactSigmaInOneStep) {
  at::manual_seed(3);
  at::Tensor w = at::randn({16, 12});
  const double want = exact_spectral_norm(w);
  PowerIteration p = power_iteration(w, top_right_singular_vector(w), 1);
  EXPECT_LT(relative_error(p.sigma.item<double>(), want), 1e-6);
}

TEST(PowerIterationTest, UAndVCarryNoGradientButSigmaDoes) {
  at::Tensor w = at::randn({5, 4}).requires_grad_(true);
  PowerIteration p = power_iteration(w, normalized(at::randn({4})), 1);
  EXPECT_FALSE(p.u.requires_grad());
  EXPECT_FALSE(p.v.requires_grad());
  EXPECT_TRUE(p.sigma.requires_grad());
  p.sigma.backward();
  // d(v^T W u)/dW = v u^T with v, u held constant.
  EXPECT_TRUE(at::allclose(w.grad(), at::outer(p.v, p.u), 1e-6, 1e-7));
}

TEST(PowerIterationTest, RejectsBadShapes) {
  EXPECT_THROW(power_iteration(at::randn({3, 4, 5}), at::randn({4}), 1), c10::Error);
  EXPECT_THROW(power_iteration(at::randn({3, 4}), at::randn({3}), 1), c10::Error);
  EXPECT_THROW(power_iteration(at::randn({3, 4}), at::randn({4}), 0), c10::Error);
}

}  // namespace
}  // namespace sigma
