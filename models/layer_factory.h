// The one place every model takes its linear layers, convolutions and norms from, chosen by
// LayerConfig: plain, σReparam or spectral norm; LayerNorm or none. A model never tests
// "if sigma" itself (docs/design.md, "Linear and norm factories").
//
//   models::LayerFactory make(config.layers);
//   torch::nn::AnyModule fc = make.linear(64, 256);   // fc.forward<at::Tensor>(x)
#pragma once

#include <torch/nn/modules/container/any.h>

#include <cstdint>

#include "models/config.h"

namespace models {

class LayerFactory {
 public:
  explicit LayerFactory(LayerConfig config) : config_(config) {}

  // (..., in) -> (..., out). Weights trunc_normal(0, 0.02 * gain), zero bias.
  torch::nn::AnyModule linear(int64_t in, int64_t out, bool bias = true) const;
  // Patch embedding: kernel = stride = patch. (B, in, H, W) -> (B, out, H/p, W/p).
  torch::nn::AnyModule patch_conv(int64_t in, int64_t out, int64_t patch) const;
  // LayerNorm over the last dimension, or Identity under NO_NORM. (..., dim) -> (..., dim)
  torch::nn::AnyModule norm(int64_t dim) const;
  // A LayerNorm regardless of placement (QK-norm is its own switch).
  torch::nn::AnyModule layer_norm(int64_t dim) const;

  const LayerConfig& config() const { return config_; }

 private:
  LayerConfig config_;
};

}  // namespace models
