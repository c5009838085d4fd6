// SigmaReparamConv2d: a 2-D convolution whose kernel is σReparam'd as the (out, in*kh*kw)
// matrix (docs/method.md: the patch embedding is reparameterised like every linear layer; official
// `SNConv2d`). Only groups == 1: a grouped conv is a block-diagonal matrix whose spectral norm
// is not that of the flattened kernel, so it is rejected rather than computed wrongly.
//
//   sigma::SigmaReparamConv2d patch(
//       sigma::SigmaReparamConv2dOptions(/*in=*/1, /*out=*/64, /*kernel=*/7).stride(7));
//   torch::Tensor y = patch(x);  // (B, 1, 28, 28) -> (B, 64, 4, 4)
#pragma once

#include <torch/expanding_array.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "sigma/sigma_reparam.h"

namespace sigma {

struct SigmaReparamConv2dOptions {
  SigmaReparamConv2dOptions(int64_t in_channels, int64_t out_channels,
                            torch::ExpandingArray<2> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(torch::ExpandingArray<2>, kernel_size);
  TORCH_ARG(torch::ExpandingArray<2>, stride) = 1;
  TORCH_ARG(torch::ExpandingArray<2>, padding) = 0;
  TORCH_ARG(torch::ExpandingArray<2>, dilation) = 1;
  TORCH_ARG(int64_t, groups) = 1;
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(SigmaReparamOptions, reparam) = {};
};

class SigmaReparamConv2dImpl : public torch::nn::Cloneable<SigmaReparamConv2dImpl>,
                               public SigmaReparamLayer {
 public:
  explicit SigmaReparamConv2dImpl(SigmaReparamConv2dOptions options);

  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // input: (B, in, H, W) -> (B, out, H', W')
  at::Tensor forward(const at::Tensor& input);

  const SigmaReparamState& reparam_state() const override { return state_; }
  at::Tensor effective_weight() const override;

  SigmaReparamConv2dOptions options;
  at::Tensor weight;  // (out, in, kh, kw)
  at::Tensor bias;    // (out,) or undefined

 private:
  at::Tensor weight2d() const { return weight.view({options.out_channels(), -1}); }
  SigmaReparamState state_;
};

TORCH_MODULE(SigmaReparamConv2d);

}  // namespace sigma
