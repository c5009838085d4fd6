#include "sigma/attention_entropy.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace sigma {
namespace {

// Per-head and overall means of float64 row entropies (B, H, Tq) over the real queries, in
// `dtype`.
AttentionEntropy average_rows(at::Tensor per_query, const at::Tensor& query_mask,
                              at::ScalarType dtype) {
  const int64_t B = per_query.size(0), Tq = per_query.size(2);
  at::Tensor weight;  // (B, 1, Tq): 1 for queries that count
  if (query_mask.defined()) {
    TORCH_CHECK(query_mask.dim() == 2 && query_mask.size(0) == B && query_mask.size(1) == Tq,
                "attention_entropy: query_mask must be (B, Tq) = (", B, ", ", Tq, "), got ",
                query_mask.sizes());
    weight = query_mask.to(at::kDouble).view({B, 1, Tq});
  } else {
    weight = at::ones({B, 1, Tq}, per_query.options());
  }
  const double count = weight.sum().item<double>();
  TORCH_CHECK(count > 0, "attention_entropy: every query is masked");
  per_query = per_query * weight;
  AttentionEntropy out;
  out.per_head = (per_query.sum(at::IntArrayRef{0, 2}) / count).to(dtype);  // (H,)
  out.mean = out.per_head.mean();
  out.per_query = per_query.to(dtype);
  return out;
}

}  // namespace

AttentionEntropy attention_entropy(const at::Tensor& probs, const at::Tensor& key_mask,
                                   const at::Tensor& query_mask) {
  TORCH_CHECK(probs.dim() == 4, "attention_entropy: probs must be (B, H, Tq, Tk), got shape ",
              probs.sizes());
  const int64_t B = probs.size(0), Tk = probs.size(3);
  at::NoGradGuard no_grad;
  at::Tensor p = probs.detach().to(at::kDouble);
  at::Tensor plogp = at::xlogy(p, p);  // 0 log 0 = 0
  if (key_mask.defined()) {
    TORCH_CHECK(key_mask.dim() == 2 && key_mask.size(0) == B && key_mask.size(1) == Tk,
                "attention_entropy: key_mask must be (B, Tk) = (", B, ", ", Tk, "), got ",
                key_mask.sizes());
    plogp = plogp * key_mask.to(at::kDouble).view({B, 1, 1, Tk});
  }
  return average_rows(-plogp.sum(-1), query_mask, probs.scalar_type());
}

AttentionEntropy entropy_from_rows(const at::Tensor& rows, const at::Tensor& query_mask) {
  TORCH_CHECK(rows.dim() == 3, "entropy_from_rows: expected (B, H, Tq), got shape ", rows.sizes());
  at::NoGradGuard no_grad;
  if (!query_mask.defined()) {  // every query counts: plain means (a logged step's hot path)
    AttentionEntropy out;
    out.per_query = rows.detach();
    out.per_head = out.per_query.to(at::kDouble).mean(at::IntArrayRef{0, 2}).to(rows.scalar_type());
    out.mean = out.per_head.mean();
    return out;
  }
  return average_rows(rows.detach().to(at::kDouble), query_mask, rows.scalar_type());
}

}  // namespace sigma
