// Theorem 3.1 of the paper (PAPER.md): a tight lower bound on attention entropy in terms of
// s = ||W_K W_Q^T||_2 ||X X^T||_2, the largest centred norm the logits of a row can have.
//
//   Ent(A_i) >= log(1 + (T-1) beta) + s sqrt(T(T-1)) beta / (1 + (T-1) beta),
//   beta = exp(-s sqrt(T / (T-1))).
//
// Equality holds for the logit vector with one coordinate s sqrt(T/(T-1)) above the T-1 equal
// others. s -> 0 gives log T; for large s the bound decays like T s e^{-s}.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace sigma {

// The bound for centred logit norm s >= 0 over T >= 2 keys.
double entropy_lower_bound(double s, int64_t T);

// The float64 logit vector (T,) of centred norm s that attains the bound (zero mean).
at::Tensor bound_attaining_logits(double s, int64_t T);

// Entropy of softmax(logits) over the last dimension, in float64: (..., T) -> (...).
at::Tensor softmax_entropy(const at::Tensor& logits);

}  // namespace sigma
