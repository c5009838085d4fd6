// Theorem 3.1 of the paper (docs/method.md) in plain C++ (no LibTorch), so that analysis binaries
// can evaluate it: a tight lower bound on the entropy of softmax(z) in terms of the centred norm
// ||z - mean(z)||_2 <= s, where s = ||W_K W_Q^T||_2 ||X X^T||_2 for attention logits.
//
//   Ent(softmax(z)) >= log(1 + (T-1) beta) + s sqrt(T(T-1)) beta / (1 + (T-1) beta),
//   beta = exp(-s sqrt(T / (T-1))).
//
// Equality holds for the logit vector with one coordinate s sqrt(T/(T-1)) above the T-1 equal
// others. s -> 0 gives log T; for large s the bound decays like T s e^{-s}. The bound falls as s
// grows, so it also holds at any s larger than the centred norm.
#pragma once

#include <cstdint>
#include <vector>

namespace sigma {

// The bound for centred logit norm s >= 0 over T >= 2 keys. Throws std::invalid_argument
// otherwise.
double entropy_lower_bound(double s, int64_t T);

// The zero-mean logit vector of centred norm s over T >= 2 keys that attains the bound.
std::vector<double> attaining_logits(double s, int64_t T);

// Entropy (nats) of softmax(z), computed stably; z must be non-empty.
double softmax_entropy(const std::vector<double>& z);

}  // namespace sigma
