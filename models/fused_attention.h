// Scaled dot-product attention as one autograd function, with the attention entropy taken from
// the softmax's own quantities (docs/method.md, "Attention entropy"):
//
//   p = softmax(z),  H(p) = -sum_j p_j log p_j = logsumexp(z) - sum_j p_j z_j
//
// so that logging entropy costs a few flops per row instead of a pass over the maps.
//
// Why: LibTorch's CPU batched matmul multiplies the (B, H) small matrices of attention one by
// one through select() and mm() (about 25,000 operator calls per step for a 4-layer ViT of
// width 64, a third of the step). Here each (batch, head) pair is one BLAS sgemm call on
// pointers, pairs run in parallel over LibTorch's intra-op threads, and the output is written
// straight into the (B, T, H * hd) layout the output projection reads.
//
// The backward pass recomputes nothing: it keeps the probabilities (as the unfused path does)
// and the inputs, which are views of the qkv projection.
#pragma once

#include <ATen/core/Tensor.h>

namespace models {

struct FusedAttentionOutput {
  at::Tensor out;      // (B, Tq, H * hd), differentiable in q, k, v
  at::Tensor entropy;  // (B, H, Tq) entropy of each query's attention row (when asked)
};

// q: (B, H, Tq, hd); k, v: (B, H, Tk, hd); float32 on the CPU, each with its last dimension
// contiguous (any other strides, e.g. views of a fused qkv projection). `additive_mask`:
// undefined, or float broadcastable to (B, H, Tq, Tk) (-inf hides a key). A query that sees no
// key attends to nothing: its output row is 0 and its entropy 0.
FusedAttentionOutput fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                     const at::Tensor& additive_mask, double scale, bool entropy);

// Whether fused_attention() handles these inputs (float32, CPU, last dimension contiguous).
bool fused_attention_supports(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

}  // namespace models
