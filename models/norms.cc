#include "models/norms.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>

namespace models {

RmsNormImpl::RmsNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight_ = register_parameter("weight", at::ones({dim}));
}

at::Tensor RmsNormImpl::forward(const at::Tensor& x) {
  return x * at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps_) * weight_;
}

DyTImpl::DyTImpl(int64_t dim, double alpha_init) {
  alpha_ = register_parameter("alpha", at::full({}, alpha_init));
  weight_ = register_parameter("weight", at::ones({dim}));
  bias_ = register_parameter("bias", at::zeros({dim}));
}

at::Tensor DyTImpl::forward(const at::Tensor& x) { return at::tanh(alpha_ * x) * weight_ + bias_; }

DeepNormScales deep_norm_scales(DeepNormStack stack, int64_t n, int64_t m) {
  switch (stack) {
    case DeepNormStack::kEncoderOnly:
      TORCH_CHECK(n >= 1, "deep_norm_scales: encoder layers must be >= 1, got ", n);
      return {std::pow(2.0 * n, 0.25), std::pow(8.0 * n, -0.25)};
    case DeepNormStack::kDecoderOnly:
      TORCH_CHECK(m >= 1, "deep_norm_scales: decoder layers must be >= 1, got ", m);
      return {std::pow(2.0 * m, 0.25), std::pow(8.0 * m, -0.25)};
    case DeepNormStack::kEncoderOfBoth: {
      TORCH_CHECK(n >= 1 && m >= 1, "deep_norm_scales: layers must be >= 1, got ", n, ", ", m);
      const double nm = std::pow(static_cast<double>(n), 4) * static_cast<double>(m);
      return {0.81 * std::pow(nm, 1.0 / 16), 0.87 * std::pow(nm, -1.0 / 16)};
    }
    case DeepNormStack::kDecoderOfBoth:
      TORCH_CHECK(m >= 1, "deep_norm_scales: decoder layers must be >= 1, got ", m);
      return {std::pow(3.0 * m, 0.25), std::pow(12.0 * m, -0.25)};
  }
  TORCH_CHECK(false, "deep_norm_scales: unknown stack");
}

TransformerConfig with_deep_norm_scales(TransformerConfig config, DeepNormStack stack,
                                        int64_t encoder_layers, int64_t decoder_layers) {
  if (config.layers.norm != NormPlacement::kDeepNorm) return config;
  const DeepNormScales deep = deep_norm_scales(stack, encoder_layers, decoder_layers);
  config.residual_alpha = deep.alpha;
  config.layers.residual_branch_gain = deep.beta;
  return config;
}

}  // namespace models
