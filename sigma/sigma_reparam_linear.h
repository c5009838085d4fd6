// SigmaReparamLinear: a linear layer y = x W_hat^T + b with W_hat = (gamma / sigma(W)) W
// (docs/method.md, "Definitions"; official `SNLinear`).
//
//   sigma::SigmaReparamLinear fc(sigma::SigmaReparamLinearOptions(384, 1536)
//                                    .reparam(sigma::SigmaReparamOptions()
//                                                 .gamma_init(sigma::GammaInit::kOne)));
//   torch::Tensor y = fc(x);           // x: (..., 384) -> y: (..., 1536)
//   fc->reparam_state().gamma();       // the learned scale
//
// Parameters: weight (out, in), bias (out,) if enabled, gamma () if learned.
// Buffers: u (in,), sigma ().
#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "sigma/sigma_reparam.h"

namespace sigma {

struct SigmaReparamLinearOptions {
  SigmaReparamLinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, out_features);
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(SigmaReparamOptions, reparam) = {};
};

class SigmaReparamLinearImpl : public torch::nn::Cloneable<SigmaReparamLinearImpl>,
                               public SigmaReparamLayer {
 public:
  SigmaReparamLinearImpl(int64_t in_features, int64_t out_features)
      : SigmaReparamLinearImpl(SigmaReparamLinearOptions(in_features, out_features)) {}
  explicit SigmaReparamLinearImpl(SigmaReparamLinearOptions options);

  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // input: (..., in_features) -> (..., out_features)
  at::Tensor forward(const at::Tensor& input);

  const SigmaReparamState& reparam_state() const override { return state_; }
  at::Tensor effective_weight() const override;

  SigmaReparamLinearOptions options;
  at::Tensor weight;  // (out, in): the raw W; the layer computes with W_hat
  at::Tensor bias;    // (out,) or undefined

 private:
  SigmaReparamState state_;
};

TORCH_MODULE(SigmaReparamLinear);

}  // namespace sigma
