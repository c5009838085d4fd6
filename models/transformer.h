// Transformer encoder block with the norm placements of the paper's experiments:
//   PRE_LN:  x = x + attn(LN(x));  x = x + mlp(LN(x))
//   POST_LN: x = LN(x + attn(x));  x = LN(x + mlp(x))
//   NO_NORM: x = x + attn(x);      x = x + mlp(x)     (the paper's "σReparam" alone)
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/pimpl.h>

#include "models/attention.h"
#include "models/config.h"
#include "models/layer_factory.h"

namespace models {

// fc1 -> GELU -> dropout -> fc2. (..., d) -> (..., d)
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t width, int64_t hidden, double dropout, const LayerFactory& make);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::AnyModule fc1_, fc2_;
  torch::nn::Dropout drop_{nullptr};
};
TORCH_MODULE(Mlp);

class EncoderBlockImpl : public torch::nn::Module {
 public:
  EncoderBlockImpl(const TransformerConfig& config, const LayerFactory& make);

  // x: (B, T, d) -> (B, T, d)
  at::Tensor forward(const at::Tensor& x, const AttentionMask* mask = nullptr,
                     AttentionObservation* observation = nullptr);

 private:
  NormPlacement placement_;
  torch::nn::AnyModule norm1_, norm2_;
  MultiHeadAttention attn_{nullptr};
  Mlp mlp_{nullptr};
  torch::nn::Dropout drop_{nullptr};
};
TORCH_MODULE(EncoderBlock);

}  // namespace models
