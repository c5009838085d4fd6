#include "sigma/entropy_bound.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>

namespace sigma {

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
