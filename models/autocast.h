// bfloat16 autocast for a scope (run { precision: BF16 }): LibTorch's autocast runs matrix
// products and convolutions (linear, matmul, conv, scaled_dot_product_attention) in bf16 on the
// given device type, and losses in float32. The rest of the suite keeps the other quantities in
// float32 under it: parameters and their gradients, σReparam's power iteration, sigma and gamma
// (sigma/sigma_reparam.cc excludes autocast there), the residual stream and so the norms that
// read it, the softmax and its entropy (models/attention.cc, models/sdpa_attention.cc).
#pragma once

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

namespace models {

class Bf16Autocast {
 public:
  // Turns bf16 autocast on for `device` when `enabled`; otherwise does nothing.
  Bf16Autocast(c10::DeviceType device, bool enabled);
  // Restores the previous state and drops autocast's cache of cast weights.
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  c10::DeviceType device_;
  bool enabled_, was_enabled_ = false;
  c10::ScalarType was_dtype_ = c10::kFloat;
};

}  // namespace models
