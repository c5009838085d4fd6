#include "sigma/power_iteration.h"

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

double exact_spectral_norm(const at::Tensor& w) {
  check_matrix(w, "exact_spectral_norm");
  at::NoGradGuard no_grad;
  return at::linalg_svdvals(w.detach().to(at::kDouble))[0].item<double>();
}

at::Tensor top_right_singular_vector(const at::Tensor& w) {
  check_matrix(w, "top_right_singular_vector");
  at::NoGradGuard no_grad;
  auto svd = at::linalg_svd(w.detach().to(at::kDouble), /*full_matrices=*/false);
  return std::get<2>(svd)[0].to(w.scalar_type()).contiguous();  // first row of Vh
}

}  // namespace sigma
