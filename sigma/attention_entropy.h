// Attention entropy (docs/method.md, "Definitions"): Ent(A_i) = -sum_j A_ij log A_ij per query row,
// 0 for one-hot attention and log T for uniform attention over T keys.
//
//   sigma::AttentionEntropy e = sigma::attention_entropy(probs, key_mask, query_mask);
//   e.per_head   // (H,)  averaged over valid queries and examples
//   e.mean       // ()    averaged over heads too: the per-layer figure the paper plots
#pragma once

#include <ATen/core/Tensor.h>

namespace sigma {

struct AttentionEntropy {
  at::Tensor per_query;  // (B, H, Tq); 0 at padded queries
  at::Tensor per_head;   // (H,)
  at::Tensor mean;       // ()
};

// probs: (B, H, Tq, Tk) attention probabilities (rows sum to 1 over the valid keys).
// key_mask: optional (B, Tk) bool, true = real key; masked keys contribute nothing.
// query_mask: optional (B, Tq) bool, true = real query; padded queries are not averaged in.
// Computed in float64 for the reduction; the result has probs' dtype. No gradient is kept.
AttentionEntropy attention_entropy(const at::Tensor& probs, const at::Tensor& key_mask = {},
                                   const at::Tensor& query_mask = {});

// The same averages from each query row's entropy (B, H, Tq), e.g. as fused attention computes
// it (models/fused_attention.h); query_mask as above.
AttentionEntropy entropy_from_rows(const at::Tensor& per_query, const at::Tensor& query_mask = {});

}  // namespace sigma
