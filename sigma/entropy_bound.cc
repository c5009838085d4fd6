#include "sigma/entropy_bound.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>

namespace sigma {

double entropy_lower_bound(double s, int64_t T) {
  TORCH_CHECK(T >= 2, "entropy_lower_bound: T must be >= 2, got ", T);
  TORCH_CHECK(s >= 0.0, "entropy_lower_bound: s must be >= 0, got ", s);
  const double t = static_cast<double>(T);
  const double beta = std::exp(-s * std::sqrt(t / (t - 1.0)));
  const double denom = 1.0 + (t - 1.0) * beta;
  return std::log1p((t - 1.0) * beta) + s * std::sqrt(t * (t - 1.0)) * beta / denom;
}

at::Tensor bound_attaining_logits(double s, int64_t T) {
  TORCH_CHECK(T >= 2, "bound_attaining_logits: T must be >= 2, got ", T);
  const double t = static_cast<double>(T);
  at::Tensor z = at::zeros({T}, at::kDouble);
  z[0] = s * std::sqrt(t / (t - 1.0));
  return z - z.mean();  // centred; its norm is exactly s
}

at::Tensor softmax_entropy(const at::Tensor& logits) {
  at::Tensor logp = at::log_softmax(logits.to(at::kDouble), -1);
  return -(logp.exp() * logp).sum(-1);
}

}  // namespace sigma
