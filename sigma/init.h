// Weight initialisation used by the σReparam layers.
//
// LibTorch 1.13 has no trunc_normal_; the official σReparam code initialises every linear and
// conv weight with timm's trunc_normal_(std = 0.02 * gain) (docs/method.md, "Initialisation").
#pragma once

#include <ATen/core/Tensor.h>

namespace sigma {

// Fills `tensor` in place with N(0, std^2) truncated to [-2 std, 2 std], by inverse-CDF
// sampling (no rejection loop, so the number of random draws is fixed and seeds reproduce).
void trunc_normal_(at::Tensor& tensor, double std);

}  // namespace sigma
