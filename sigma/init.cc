#include "sigma/init.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>

namespace sigma {

namespace {
thread_local bool structure_only = false;
}  // namespace

StructureOnlyInit::StructureOnlyInit() : previous_(structure_only) { structure_only = true; }
StructureOnlyInit::~StructureOnlyInit() { structure_only = previous_; }
bool StructureOnlyInit::active() { return structure_only; }

void trunc_normal_(at::Tensor& tensor, double std) {
  at::NoGradGuard no_grad;
  if (structure_only) {
    tensor.normal_(0.0, std);
    tensor.clamp_(-2.0 * std, 2.0 * std);
    return;
  }
  // Phi(x) = (1 + erf(x / sqrt 2)) / 2; draw uniform in [Phi(-2), Phi(2)], map back with erfinv.
  const double lo = 0.5 * (1.0 + std::erf(-2.0 / std::sqrt(2.0)));
  const double hi = 0.5 * (1.0 + std::erf(2.0 / std::sqrt(2.0)));
  tensor.uniform_(2.0 * lo - 1.0, 2.0 * hi - 1.0);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0));
  tensor.clamp_(-2.0 * std, 2.0 * std);
}

}  // namespace sigma
