#include "models/fused_attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

// The Fortran BLAS interface LibTorch exports (MKL's, inside libtorch_cpu.so).
extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n,
                       const int* k, const float* alpha, const float* a, const int* lda,
                       const float* b, const int* ldb, const float* beta, float* c, const int* ldc);
// oneMKL's per-thread thread count (0: back to the global one); returns the previous value.
extern "C" int MKL_Set_Num_Threads_Local(int nt);  // mkl_set_num_threads_local in mkl.h

namespace models {
namespace {

// Row-major C (m x n, ldc) = alpha * op(A) op(B) + beta * C, op(A) m x k, op(B) k x n.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  // Column-major BLAS on row-major data: C^T = op(B)^T op(A)^T.
  const char ta = trans_b ? 'T' : 'N', tb = trans_a ? 'T' : 'N';
  const int M = static_cast<int>(n), N = static_cast<int>(m), K = static_cast<int>(k);
  const int LDA = static_cast<int>(ldb), LDB = static_cast<int>(lda), LDC = static_cast<int>(ldc);
  sgemm_(&ta, &tb, &M, &N, &K, &alpha, b, &LDA, a, &LDB, &beta, c, &LDC);
}

// A (B, H, T, hd) tensor's (b, h) matrix: its rows and row stride.
struct Matrix {
  const float* data;
  int64_t ld;
};

Matrix matrix(const at::Tensor& t, int64_t b, int64_t h) {
  return {t.data_ptr<float>() + b * t.stride(0) + h * t.stride(1), t.stride(2)};
}

struct Shape {
  int64_t B, H, Tq, Tk, hd;
};

Shape shape_of(const at::Tensor& q, const at::Tensor& k) {
  return {q.size(0), q.size(1), q.size(2), k.size(2), q.size(3)};
}

// Runs fn(b, h, scratch) for every (batch, head) pair over the intra-op threads; scratch holds
// `scratch_floats` floats per thread.
template <typename Fn>
void for_each_head(const Shape& s, int64_t scratch_floats, const Fn& fn) {
  at::parallel_for(0, s.B * s.H, 1, [&](int64_t begin, int64_t end) {
    // Each small sgemm on one thread: the heads are the parallelism. Without this oneMKL
    // splits every 17 x 17 x 16 product over all threads, inside the parallel region too (a
    // ViT step's attention backward: 6.5 ms on 1 thread, 11.9 ms on 2).
    const int previous = MKL_Set_Num_Threads_Local(1);
    std::vector<float> scratch(static_cast<size_t>(scratch_floats));
    for (int64_t i = begin; i < end; ++i) fn(i / s.H, i % s.H, scratch.data());
    MKL_Set_Num_Threads_Local(previous);
  });
}

// Row i of P = softmax(S) given S: its entropy H = logsumexp(s) - sum_j p_j s_j, where
// logsumexp(s) = s_k - log p_k at the row's largest p_k (no second pass of exponentials). A row
// that sees no key (softmax gives NaN) becomes zeros with entropy 0. Clamped at 0.
float finish_row(const float* s, float* p, int64_t n) {
  if (std::isnan(p[0])) {
    for (int64_t j = 0; j < n; ++j) p[j] = 0;
    return 0;
  }
  int64_t top = 0;
  for (int64_t j = 1; j < n; ++j) top = p[j] > p[top] ? j : top;
  // sum_j p_j s_j over visible keys (p_j = 0 at hidden ones, whose s_j is -inf), four
  // independent sums for instruction-level parallelism.
  float w[4] = {0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    for (int64_t r = 0; r < 4; ++r) w[r] += p[j + r] > 0 ? p[j + r] * s[j + r] : 0.0f;
  }
  for (; j < n; ++j) w[0] += p[j] > 0 ? p[j] * s[j] : 0.0f;
  // With logits of 1e3 and more (a collapsed head) the difference cancels to rounding noise that
  // can fall below zero; entropy cannot.
  return std::max(0.0f, s[top] - std::log(p[top]) - ((w[0] + w[1]) + (w[2] + w[3])));
}

struct Forward {
  at::Tensor out, probs, entropy;
};

Forward attention_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const at::Tensor& mask, float scale, bool want_entropy) {
  const Shape s = shape_of(q, k);
  at::Tensor scores = at::empty({s.B, s.H, s.Tq, s.Tk}, q.options());
  at::Tensor m;  // (B, H, Tq, Tk) strides of the broadcast mask
  if (mask.defined()) m = mask.to(at::kFloat).expand({s.B, s.H, s.Tq, s.Tk});
  float* S_all = scores.data_ptr<float>();
  // S = scale Q K^T + mask, one sgemm per (batch, head).
  for_each_head(s, 0, [&](int64_t b, int64_t h, float*) {
    const Matrix Q = matrix(q, b, h), K = matrix(k, b, h);
    float* S = S_all + (b * s.H + h) * s.Tq * s.Tk;
    gemm(false, true, s.Tq, s.Tk, s.hd, scale, Q.data, Q.ld, K.data, K.ld, 0.0f, S, s.Tk);
    if (m.defined()) {
      const float* mb = m.data_ptr<float>() + b * m.stride(0) + h * m.stride(1);
      for (int64_t i = 0; i < s.Tq; ++i) {
        for (int64_t j = 0; j < s.Tk; ++j) S[i * s.Tk + j] += mb[i * m.stride(2) + j * m.stride(3)];
      }
    }
  });
  // The softmax as one vectorised LibTorch kernel over every row.
  Forward f;
  f.probs = at::_softmax(scores, -1, false);
  f.out = at::empty({s.B, s.Tq, s.H * s.hd}, q.options());
  if (want_entropy) f.entropy = at::empty({s.B, s.H, s.Tq}, q.options());
  float* out = f.out.data_ptr<float>();
  float* probs = f.probs.data_ptr<float>();
  float* entropy = want_entropy ? f.entropy.data_ptr<float>() : nullptr;
  for_each_head(s, 0, [&](int64_t b, int64_t h, float*) {
    const Matrix V = matrix(v, b, h);
    const int64_t head = b * s.H + h;
    float* P = probs + head * s.Tq * s.Tk;
    const float* S = S_all + head * s.Tq * s.Tk;
    for (int64_t i = 0; i < s.Tq; ++i) {
      float* row = P + i * s.Tk;
      if (entropy != nullptr) {
        entropy[head * s.Tq + i] = finish_row(S + i * s.Tk, row, s.Tk);
      } else if (std::isnan(row[0])) {  // sees no key
        std::fill(row, row + s.Tk, 0.0f);
      }
    }
    // O written into (B, Tq, H * hd): row stride H * hd, head h at column h * hd.
    gemm(false, false, s.Tq, s.hd, s.Tk, 1.0f, P, s.Tk, V.data, V.ld, 0.0f,
         out + b * s.Tq * s.H * s.hd + h * s.hd, s.H * s.hd);
  });
  return f;
}

// The mask as a plain argument: autograd::Function::apply records every tensor argument as a
// differentiable input, which an undefined tensor cannot be.
struct MaskArgument {
  at::Tensor additive;
};

class FusedAttentionFunction : public torch::autograd::Function<FusedAttentionFunction> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const at::Tensor& q, const at::Tensor& k,
                                                const at::Tensor& v, const MaskArgument& mask,
                                                double scale, bool want_entropy) {
    Forward f = attention_forward(q, k, v, mask.additive, static_cast<float>(scale), want_entropy);
    ctx->save_for_backward({q, k, v, f.probs});
    ctx->saved_data["scale"] = scale;
    if (!want_entropy) return {f.out};
    ctx->mark_non_differentiable({f.entropy});
    return {f.out, f.entropy};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3];
    const float scale = static_cast<float>(ctx->saved_data["scale"].toDouble());
    const Shape s = shape_of(q, k);
    const at::Tensor d_out = grads[0].contiguous();  // (B, Tq, H * hd)
    at::Tensor dq = at::empty({s.B, s.H, s.Tq, s.hd}, q.options());
    at::Tensor dk = at::empty({s.B, s.H, s.Tk, s.hd}, q.options());
    at::Tensor dv = at::empty({s.B, s.H, s.Tk, s.hd}, q.options());
    const float* dO_all = d_out.data_ptr<float>();
    const float* P_all = probs.data_ptr<float>();
    float *dq_all = dq.data_ptr<float>(), *dk_all = dk.data_ptr<float>(),
          *dv_all = dv.data_ptr<float>();
    for_each_head(s, s.Tq * s.Tk, [&](int64_t b, int64_t h, float* dS) {
      const Matrix Q = matrix(q, b, h), K = matrix(k, b, h), V = matrix(v, b, h);
      const int64_t head = b * s.H + h;
      const float* P = P_all + head * s.Tq * s.Tk;
      const float* dO = dO_all + b * s.Tq * s.H * s.hd + h * s.hd;
      const int64_t ld_dO = s.H * s.hd;
      // dV = P^T dO
      gemm(true, false, s.Tk, s.hd, s.Tq, 1.0f, P, s.Tk, dO, ld_dO, 0.0f,
           dv_all + head * s.Tk * s.hd, s.hd);
      // dP = dO V^T, then dS = P * (dP - rowsum(dP * P)), in place
      gemm(false, true, s.Tq, s.Tk, s.hd, 1.0f, dO, ld_dO, V.data, V.ld, 0.0f, dS, s.Tk);
      for (int64_t i = 0; i < s.Tq; ++i) {
        float* row = dS + i * s.Tk;
        const float* p = P + i * s.Tk;
        float dot = 0;
        for (int64_t j = 0; j < s.Tk; ++j) dot += row[j] * p[j];
        for (int64_t j = 0; j < s.Tk; ++j) row[j] = p[j] * (row[j] - dot);
      }
      // dQ = scale dS K, dK = scale dS^T Q
      gemm(false, false, s.Tq, s.hd, s.Tk, scale, dS, s.Tk, K.data, K.ld, 0.0f,
           dq_all + head * s.Tq * s.hd, s.hd);
      gemm(true, false, s.Tk, s.hd, s.Tq, scale, dS, s.Tk, Q.data, Q.ld, 0.0f,
           dk_all + head * s.Tk * s.hd, s.hd);
    });
    return {dq, dk, dv, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

bool fused_attention_supports(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  for (const at::Tensor* t : {&q, &k, &v}) {
    if (t->scalar_type() != at::kFloat || !t->device().is_cpu() || t->dim() != 4 ||
        t->stride(3) != 1) {
      return false;
    }
  }
  return true;
}

FusedAttentionOutput fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                     const at::Tensor& additive_mask, double scale, bool entropy) {
  TORCH_CHECK(fused_attention_supports(q, k, v),
              "fused_attention: q, k, v must be float32 CPU tensors (B, H, T, hd) with a "
              "contiguous last dimension, got ",
              q.sizes(), ", ", k.sizes(), ", ", v.sizes());
  TORCH_CHECK(q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3) &&
                  k.sizes() == v.sizes(),
              "fused_attention: shapes do not match: q ", q.sizes(), ", k ", k.sizes(), ", v ",
              v.sizes());
  torch::autograd::variable_list out =
      FusedAttentionFunction::apply(q, k, v, MaskArgument{additive_mask}, scale, entropy);
  FusedAttentionOutput result;
  result.out = out[0];
  if (entropy) result.entropy = out[1];
  return result;
}

}  // namespace models
