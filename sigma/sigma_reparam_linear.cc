#include "sigma/sigma_reparam_linear.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <ostream>

#include "sigma/init.h"

namespace sigma {

SigmaReparamLinearImpl::SigmaReparamLinearImpl(SigmaReparamLinearOptions options_)
    : options(std::move(options_)) {
  reset();
}

void SigmaReparamLinearImpl::reset() {
  TORCH_CHECK(options.in_features() > 0 && options.out_features() > 0,
              "SigmaReparamLinear: in_features and out_features must be positive, got ",
              options.in_features(), " and ", options.out_features());
  weight = register_parameter("weight", at::empty({options.out_features(), options.in_features()}));
  trunc_normal_(weight, 0.02 * options.reparam().init_gain());
  if (options.bias()) {
    bias = register_parameter("bias", at::zeros({options.out_features()}));
  } else {
    bias = at::Tensor();
  }
  state_ = SigmaReparamState();
  state_.init(*this, weight, options.reparam());
}

at::Tensor SigmaReparamLinearImpl::forward(const at::Tensor& input) {
  TORCH_CHECK(input.size(-1) == options.in_features(), "SigmaReparamLinear: input has ",
              input.size(-1), " features in its last dimension, expected ", options.in_features());
  return state_.linear(input, weight, bias, is_training());
}

at::Tensor SigmaReparamLinearImpl::effective_weight() const {
  at::NoGradGuard no_grad;
  return state_.reparameterize(weight, /*training=*/false);
}

void SigmaReparamLinearImpl::pretty_print(std::ostream& stream) const {
  stream << "sigma::SigmaReparamLinear(in_features=" << options.in_features()
         << ", out_features=" << options.out_features() << ", bias=" << options.bias()
         << ", gamma_init=" << to_string(options.reparam().gamma_init())
         << ", stats_only=" << options.reparam().stats_only() << ")";
}

}  // namespace sigma
