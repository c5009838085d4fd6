// The Transformer block every family builds its stacks from, with the norm placements of the
// paper's experiments and the related methods (docs/method.md):
//   PRE_LN:    x = x + attn(N(x));          x = x + mlp(N(x))
//   POST_LN:   x = N(x + attn(x));          x = N(x + mlp(x))
//   NO_NORM:   x = x + attn(x);             x = x + mlp(x)     (the paper's "σReparam" alone)
//   DEEP_NORM: x = N(alpha * x + attn(x));  x = N(alpha * x + mlp(x))
// A block with cross attention (a decoder block of an encoder-decoder) has a third sub-layer
// between the two, placed the same way: x = x + cross_attn(N(x), memory), etc.
//
//   models::TransformerBlock block(config, make, {"decoder", /*layer=*/3, /*cross=*/false});
//   x = block(x, &causal, &observation);      // (B, T, d) -> (B, T, d)
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/pimpl.h>

#include <string>

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

// Where a block sits: its stack's name, its index there, and whether it attends to a memory.
struct BlockSite {
  std::string stack = "encoder";
  int64_t layer = 0;
  bool cross_attention = false;
};

class TransformerBlockImpl : public torch::nn::Module {
 public:
  TransformerBlockImpl(const TransformerConfig& config, const LayerFactory& make, BlockSite site);

  // x: (B, T, d) -> (B, T, d). memory (B, Tm, d) and memory_mask only for cross-attention blocks.
  at::Tensor forward(const at::Tensor& x, const AttentionMask* mask = nullptr,
                     AttentionObservation* observation = nullptr, const at::Tensor& memory = {},
                     const AttentionMask* memory_mask = nullptr);

  // Incremental decoding (eval mode): the block's output at one new position x (B, 1, d) of a
  // causal stack, given `self_cache`, the self-attention inputs of the previous positions
  // (B, t, d; undefined at the first), to which this position's is appended. Equals the last
  // position of forward() on the whole prefix with a causal mask.
  at::Tensor forward_step(const at::Tensor& x, at::Tensor* self_cache,
                          const at::Tensor& memory = {},
                          const AttentionMask* memory_mask = nullptr);

 private:
  // One residual sub-layer around `branch` under the configured placement.
  template <typename Branch>
  at::Tensor residual(const at::Tensor& x, torch::nn::AnyModule& norm, Branch&& branch);

  NormPlacement placement_;
  double alpha_;
  torch::nn::AnyModule norm1_, norm2_, norm_cross_;
  MultiHeadAttention attn_{nullptr}, cross_attn_{nullptr};
  Mlp mlp_{nullptr};
  torch::nn::Dropout drop_{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace models
