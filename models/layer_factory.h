// The one place every model takes its linear layers, convolutions and norms from, chosen by
// LayerConfig: plain, σReparam or spectral norm; LayerNorm, RMSNorm, DyT or none. A model never
// tests "if sigma" itself (docs/design.md, "Linear and norm factories"). Each linear layer is
// made for a role, so that init scaling (DeepNorm) is per role.
//
//   models::LayerFactory make(config.layers);
//   torch::nn::AnyModule fc = make.linear(models::Role::kFc1, 64, 256);  //
//   fc.forward<at::Tensor>(x)
#pragma once

#include <torch/nn/modules/container/any.h>

#include <cstdint>

#include "models/config.h"

namespace models {

class LayerFactory {
 public:
  explicit LayerFactory(LayerConfig config) : config_(config) {}

  // (..., in) -> (..., out). Weights trunc_normal(0, 0.02 * gain * role gain), zero bias.
  torch::nn::AnyModule linear(Role role, int64_t in, int64_t out, bool bias = true) const;
  // Patch embedding: kernel = stride = patch. (B, in, H, W) -> (B, out, H/p, W/p).
  torch::nn::AnyModule patch_conv(int64_t in, int64_t out, int64_t patch) const;
  // The block norm of the configured kind over the last dimension, or Identity under kNoNorm.
  // (..., dim) -> (..., dim)
  torch::nn::AnyModule norm(int64_t dim) const;
  // A norm of the configured kind regardless of placement (QK-norm is its own switch).
  torch::nn::AnyModule norm_of_kind(int64_t dim) const;

  // The init gain a role gets on top of init_gain: residual_branch_gain for v, out, fc1, fc2.
  double role_gain(Role role) const;

  const LayerConfig& config() const { return config_; }

 private:
  LayerConfig config_;
};

}  // namespace models
