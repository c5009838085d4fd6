#include "sigma/sigma_reparam_conv2d.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <ostream>

#include "sigma/init.h"

namespace sigma {

SigmaReparamConv2dImpl::SigmaReparamConv2dImpl(SigmaReparamConv2dOptions options_)
    : options(std::move(options_)) {
  reset();
}

void SigmaReparamConv2dImpl::reset() {
  TORCH_CHECK(options.groups() == 1,
              "SigmaReparamConv2d: groups must be 1 (a grouped kernel is block-diagonal and "
              "its spectral norm is not that of the flattened kernel), got groups=",
              options.groups());
  TORCH_CHECK(options.in_channels() > 0 && options.out_channels() > 0,
              "SigmaReparamConv2d: channel counts must be positive, got in=", options.in_channels(),
              " out=", options.out_channels());
  const auto k = *options.kernel_size();
  weight = register_parameter(
      "weight", at::empty({options.out_channels(), options.in_channels(), k[0], k[1]}));
  trunc_normal_(weight, 0.02 * options.reparam().init_gain());
  if (options.bias()) {
    bias = register_parameter("bias", at::zeros({options.out_channels()}));
  } else {
    bias = at::Tensor();
  }
  state_ = SigmaReparamState();
  state_.init(*this, weight2d(), options.reparam());
}

at::Tensor SigmaReparamConv2dImpl::forward(const at::Tensor& input) {
  TORCH_CHECK(input.dim() == 4 && input.size(1) == options.in_channels(),
              "SigmaReparamConv2d: expected input (B, ", options.in_channels(), ", H, W), got ",
              input.sizes());
  at::Tensor w_hat = state_.reparameterize(weight2d(), is_training()).view_as(weight);
  return at::conv2d(input, w_hat, bias, *options.stride(), *options.padding(), *options.dilation(),
                    /*groups=*/1);
}

at::Tensor SigmaReparamConv2dImpl::effective_weight() const {
  at::NoGradGuard no_grad;
  return state_.reparameterize(weight2d(), /*training=*/false).view_as(weight);
}

void SigmaReparamConv2dImpl::pretty_print(std::ostream& stream) const {
  const auto k = *options.kernel_size();
  stream << "sigma::SigmaReparamConv2d(" << options.in_channels() << ", " << options.out_channels()
         << ", kernel_size=[" << k[0] << ", " << k[1]
         << "], gamma_init=" << to_string(options.reparam().gamma_init()) << ")";
}

}  // namespace sigma
