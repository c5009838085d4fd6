// Attention through LibTorch's fused scaled_dot_product_attention: the path of GPU tensors
// (flash or memory-efficient kernels; the CPU keeps fused_attention.h). With `entropy`, each
// query row's attention entropy comes from fused passes too, never from a (B, H, Tq, Tk) map:
//
//   z_ij = s q_i.k_j + m_ij,  p_i = softmax(z_i),  lse_i = logsumexp_j z_ij
//   H_i = lse_i - sum_j p_ij z_ij = lse_i - s q_i . (sum_j p_ij k_j)
//
// since the masks here are 0 at visible keys and -inf at hidden ones (p_ij = 0 there), and
// sum_j p_ij k_j is attention over values k: SDPA(q, k, k). lse is the log-sum-exp the fused
// kernels compute anyway (the memory-efficient kernel on a GPU, the flash kernel on a CPU).
// A logging step so costs two more fused attention passes (no gradient), in float32.
#pragma once

#include <ATen/core/Tensor.h>

namespace models {

struct SdpaOutput {
  at::Tensor out;      // (B, Tq, H * hd), differentiable in q, k, v
  at::Tensor entropy;  // (B, H, Tq) when asked, float32, no gradient
};

// q: (B, H, Tq, hd); k, v: (B, H, Tk, hd). `additive_mask`: undefined, or float broadcastable to
// (B, H, Tq, Tk) with values 0 (visible) and -inf (hidden). `dropout` applies to the output
// only (the entropy is that of the attention before dropout).
SdpaOutput sdpa_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const at::Tensor& additive_mask, double scale, double dropout,
                          bool entropy);

// Each row's attention entropy from the fused kernels' log-sum-exp and SDPA(q, k, k), as above:
// (B, H, Tq), float32.
at::Tensor sdpa_row_entropy(const at::Tensor& q, const at::Tensor& k,
                            const at::Tensor& additive_mask, double scale);

}  // namespace models
