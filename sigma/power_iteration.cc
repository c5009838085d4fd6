#include "sigma/power_iteration.h"

#include <ATen/core/grad_mode.h>
#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace sigma {
namespace {

at::Tensor normalize(const at::Tensor& x) { return x / x.norm().clamp_min(1e-12); }

void check_matrix(const at::Tensor& w, const char* who) {
  TORCH_CHECK(w.dim() == 2, who, ": expected a 2-D weight matrix (out, in), got shape ", w.sizes());
}

}  // namespace

PowerIteration power_iteration(const at::Tensor& w, const at::Tensor& u, int64_t steps) {
  check_matrix(w, "power_iteration");
  TORCH_CHECK(steps >= 1, "power_iteration: steps must be >= 1, got ", steps);
  TORCH_CHECK(u.dim() == 1 && u.size(0) == w.size(1), "power_iteration: u must have shape (",
              w.size(1), ",), got ", u.sizes());
  PowerIteration out;
  {
    at::NoGradGuard no_grad;
    at::Tensor u_k = u;
    for (int64_t k = 0; k < steps; ++k) {
      out.v = normalize(at::mv(w, u_k));      // (out,)
      u_k = normalize(at::mv(w.t(), out.v));  // (in,)
    }
    out.u = u_k;
  }
  out.sigma = at::dot(out.v, at::mv(w, out.u));  // () differentiable in w
  return out;
}

// Both use the eigen-decomposition of the smaller Gram matrix (min(out, in) square), which is
// several times faster than an SVD of W for the ViT-B shapes and accurate to float64 for the
// largest singular pair.
double exact_spectral_norm(const at::Tensor& w) {
  check_matrix(w, "exact_spectral_norm");
  at::NoGradGuard no_grad;
  at::Tensor m = w.detach().to(at::kDouble);
  at::Tensor gram = m.size(0) <= m.size(1) ? m.mm(m.t()) : m.t().mm(m);
  return std::sqrt(std::max(0.0, at::linalg_eigvalsh(gram).max().item<double>()));
}

at::Tensor top_right_singular_vector(const at::Tensor& w) {
  check_matrix(w, "top_right_singular_vector");
  at::NoGradGuard no_grad;
  at::Tensor m = w.detach().to(at::kDouble);
  at::Tensor u;
  if (m.size(1) <= m.size(0)) {
    u = std::get<1>(at::linalg_eigh(m.t().mm(m))).select(1, -1);  // (in,): top eigenvector
  } else {
    at::Tensor v = std::get<1>(at::linalg_eigh(m.mm(m.t()))).select(1, -1);  // (out,)
    u = m.t().mv(v);                                                         // W^T v1 = sigma1 u1
  }
  const double norm = u.norm().item<double>();
  if (!(norm > 0)) {  // W == 0: any unit vector is a top singular vector
    u = at::zeros({m.size(1)}, at::kDouble);
    u[0] = 1.0;
  } else {
    u = u / norm;
  }
  return u.to(w.scalar_type()).contiguous();
}

}  // namespace sigma
