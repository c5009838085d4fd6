// Theorem 3.1 on tensors. The bound itself (entropy_lower_bound) is in entropy_bound_math.h,
// which needs no LibTorch.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "sigma/entropy_bound_math.h"

namespace sigma {

// The float64 logit vector (T,) of centred norm s that attains the bound (zero mean).
at::Tensor bound_attaining_logits(double s, int64_t T);

// Entropy of softmax(logits) over the last dimension, in float64: (..., T) -> (...).
at::Tensor softmax_entropy(const at::Tensor& logits);

}  // namespace sigma
