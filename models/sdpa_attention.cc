#include "models/sdpa_attention.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace models {
namespace {

std::optional<at::Tensor> optional_mask(const at::Tensor& mask, const at::Tensor& like) {
  if (!mask.defined()) return std::nullopt;
  return mask.to(like.scalar_type());
}

// logsumexp_j z_ij of each row, (B, H, Tq), from a fused kernel.
at::Tensor row_logsumexp(const at::Tensor& q, const at::Tensor& k, const at::Tensor& mask,
                         double scale) {
  const int64_t Tq = q.size(2);
  if (q.is_cuda()) {
    // The memory-efficient kernel takes any additive bias; its lse is padded to a multiple of 32.
    at::Tensor bias;
    if (mask.defined())
      bias = mask.to(q.scalar_type()).expand({q.size(0), q.size(1), Tq, k.size(2)});
    auto result = at::_scaled_dot_product_efficient_attention(
        q, k, k, bias.defined() ? std::optional<at::Tensor>(bias) : std::nullopt,
        /*compute_log_sumexp=*/true, /*dropout_p=*/0.0, /*is_causal=*/false, scale);
    return std::get<1>(result).narrow(-1, 0, Tq);
  }
  auto result = at::_scaled_dot_product_flash_attention_for_cpu(
      q, k, k, /*dropout_p=*/0.0, /*is_causal=*/false, optional_mask(mask, q), scale);
  return std::get<1>(result);  // (B, H, Tq)
}

}  // namespace

at::Tensor sdpa_row_entropy(const at::Tensor& q, const at::Tensor& k,
                            const at::Tensor& additive_mask, double scale) {
  at::NoGradGuard no_grad;
  const at::Tensor qf = q.detach().to(at::kFloat), kf = k.detach().to(at::kFloat);
  const at::Tensor lse = row_logsumexp(qf, kf, additive_mask, scale);
  const at::Tensor mean_key = at::scaled_dot_product_attention(
      qf, kf, kf, optional_mask(additive_mask, qf), /*dropout_p=*/0.0, /*is_causal=*/false,
      scale);                                                         // (B, H, Tq, hd)
  const at::Tensor expected_logit = (qf * mean_key).sum(-1) * scale;  // (B, H, Tq)
  // A row with no visible key has lse -inf: it attends to nothing, entropy 0 (as the CPU path).
  return at::where(at::isfinite(lse), lse - expected_logit, at::zeros_like(lse));
}

SdpaOutput sdpa_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const at::Tensor& additive_mask, double scale, double dropout,
                          bool entropy) {
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), hd = q.size(3);
  SdpaOutput r;
  r.out = at::scaled_dot_product_attention(q, k, v, optional_mask(additive_mask, q), dropout,
                                           /*is_causal=*/false, scale)  // (B, H, Tq, hd)
              .transpose(1, 2)
              .reshape({B, Tq, H * hd});
  if (entropy) r.entropy = sdpa_row_entropy(q, k, additive_mask, scale);
  return r;
}

}  // namespace models
