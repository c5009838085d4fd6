// The norms a Transformer may use besides LayerNorm, and DeepNorm's constants
// (docs/method.md, "Related methods").
//
//   models::RmsNorm n(64, 1e-6);        // g * x / sqrt(mean(x^2) + eps)
//   models::DyT t(64, 0.5);             // g * tanh(a x) + b
//   models::DeepNormScales s = models::deep_norm_scales(models::DeepNormStack::kEncoderOnly, 18,
//   0);
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "models/config.h"

namespace models {

// Root-mean-square norm over the last dimension (Zhang and Sennrich 2019). (..., d) -> (..., d)
class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps);
  at::Tensor forward(const at::Tensor& x);

 private:
  double eps_;
  at::Tensor weight_;  // (d,) g, ones at init
};
TORCH_MODULE(RmsNorm);

// Dynamic Tanh (Zhu et al. 2025): g * tanh(a x) + b with a learned scalar a. (..., d) -> (..., d)
class DyTImpl : public torch::nn::Module {
 public:
  DyTImpl(int64_t dim, double alpha_init);
  at::Tensor forward(const at::Tensor& x);

 private:
  at::Tensor alpha_;   // () a
  at::Tensor weight_;  // (d,) g, ones at init
  at::Tensor bias_;    // (d,) b, zeros at init
};
TORCH_MODULE(DyT);

// DeepNet (Wang et al. 2022): x = LN(alpha * x + f(x)), init of v, out, fc1, fc2 scaled by beta.
struct DeepNormScales {
  double alpha = 1;
  double beta = 1;
};
enum class DeepNormStack {
  kEncoderOnly,    // N layers: alpha = (2N)^(1/4), beta = (8N)^(-1/4)
  kDecoderOnly,    // M layers: alpha = (2M)^(1/4), beta = (8M)^(-1/4)
  kEncoderOfBoth,  // encoder of an N-M encoder-decoder: 0.81 (N^4 M)^(1/16), 0.87 (N^4 M)^(-1/16)
  kDecoderOfBoth,  // decoder of an N-M encoder-decoder: (3M)^(1/4), (12M)^(-1/4)
};
// `encoder_layers` is N, `decoder_layers` is M (the one not used by the stack is ignored).
DeepNormScales deep_norm_scales(DeepNormStack stack, int64_t encoder_layers,
                                int64_t decoder_layers);

// `config` with DeepNorm's alpha (residual_alpha) and beta (residual_branch_gain) for `stack`
// when its placement is DeepNorm; unchanged otherwise.
TransformerConfig with_deep_norm_scales(TransformerConfig config, DeepNormStack stack,
                                        int64_t encoder_layers, int64_t decoder_layers);

}  // namespace models
