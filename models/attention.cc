#include "models/attention.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>

#include "models/fused_attention.h"
#include "models/sdpa_attention.h"

namespace models {

at::Tensor causal_mask(int64_t T, const at::TensorOptions& options) {
  return at::full({T, T}, -INFINITY, options).triu(1);
}

const char* attention_kind_name(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::kSelf:
      return "self";
    case AttentionKind::kCross:
      return "cross";
  }
  return "?";
}

MultiHeadAttentionImpl::MultiHeadAttentionImpl(const TransformerConfig& c, const LayerFactory& make,
                                               AttentionSite site)
    : site_(std::move(site)), heads_(c.heads), head_dim_(c.width / c.heads) {
  TORCH_CHECK(c.width % c.heads == 0, "MultiHeadAttention: heads (", c.heads,
              ") must divide width (", c.width, ")");
  const int64_t d = c.width;
  switch (c.qkv_layout) {
    case QkvLayout::kFused:
      in_proj_ = {make.linear(Role::kQkv, d, 3 * d)};
      register_module("qkv", in_proj_[0].ptr());
      break;
    case QkvLayout::kQkAndV:
      in_proj_ = {make.linear(Role::kQk, d, 2 * d), make.linear(Role::kV, d, d)};
      register_module("qk", in_proj_[0].ptr());
      register_module("v", in_proj_[1].ptr());
      break;
    case QkvLayout::kSeparate:
      in_proj_ = {make.linear(Role::kQ, d, d), make.linear(Role::kK, d, d),
                  make.linear(Role::kV, d, d)};
      register_module("q", in_proj_[0].ptr());
      register_module("k", in_proj_[1].ptr());
      register_module("v", in_proj_[2].ptr());
      break;
  }
  if (c.qk_norm) {
    q_norm_ = make.norm_of_kind(head_dim_);
    k_norm_ = make.norm_of_kind(head_dim_);
    register_module("q_norm", q_norm_.ptr());
    register_module("k_norm", k_norm_.ptr());
  }
  out_proj_ = make.linear(Role::kOut, d, d);
  register_module("proj", out_proj_.ptr());
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(c.attention_dropout));
}

at::Tensor MultiHeadAttentionImpl::project(const at::Tensor& in) {
  std::vector<at::Tensor> parts;
  for (auto& proj : in_proj_) parts.push_back(proj.forward<at::Tensor>(in));
  return parts.size() == 1 ? parts[0] : at::cat(parts, -1);  // (B, T, 3d)
}

at::Tensor MultiHeadAttentionImpl::forward(const at::Tensor& x, const at::Tensor& memory,
                                           const AttentionMask* mask,
                                           AttentionObservation* observation) {
  const int64_t B = x.size(0), Tq = x.size(1), d = x.size(2);
  at::Tensor q, k, v;  // (B, H, T, hd)
  if (!memory.defined()) {
    at::Tensor qkv = project(x).view({B, Tq, 3, heads_, head_dim_}).permute({2, 0, 3, 1, 4});
    q = qkv[0], k = qkv[1], v = qkv[2];  // (3, B, H, T, hd) -> (B, H, T, hd) each
  } else {
    // Queries from x, keys and values from memory. Every projection sees both inputs, so that
    // a fused or [Q;K] matrix keeps one sigma whatever it is applied to.
    const int64_t Tk = memory.size(1);
    q = project(x).view({B, Tq, 3, heads_, head_dim_}).select(2, 0).transpose(1, 2);
    at::Tensor kv = project(memory).view({B, Tk, 3, heads_, head_dim_}).permute({2, 0, 3, 1, 4});
    k = kv[1], v = kv[2];
  }
  if (!q_norm_.is_empty()) {
    q = q_norm_.forward<at::Tensor>(q);
    k = k_norm_.forward<at::Tensor>(k);
  }
  const bool observe_maps =
      observation != nullptr && (observation->keep_maps || observation->keep_logits);
  const bool dropout = is_training() && attn_drop_->options.p() > 0;
  // Fused kernels where no map is kept: this suite's own on the CPU (without attention
  // dropout), LibTorch's scaled_dot_product_attention on a GPU.
  if (!observe_maps && (!q.is_cpu() || (!dropout && fused_attention_supports(q, k, v)))) {
    return fused_forward(q, k, v, mask, observation);
  }
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(head_dim_));
  if (mask != nullptr && mask->additive.defined()) scores = scores + mask->additive;
  if (mask != nullptr && mask->key_mask.defined()) {
    // (B, Tk) -> (B, 1, 1, Tk): a hidden key's score is -inf, its probability exactly 0.
    scores = scores.masked_fill(mask->key_mask.logical_not().unsqueeze(1).unsqueeze(1), -INFINITY);
  }
  // Softmax statistics in float32 also when bf16 autocast made the scores bf16.
  at::Tensor probs = scores.scalar_type() == at::kFloat
                         ? at::softmax(scores, -1)
                         : at::softmax(scores.to(at::kFloat), -1);  // (B, H, Tq, Tk)
  if (observation != nullptr) {
    AttentionRecord r;
    r.site = site_;
    const at::Tensor key_mask = mask != nullptr ? mask->key_mask : at::Tensor();
    const at::Tensor query_mask = mask != nullptr ? mask->query_mask : at::Tensor();
    r.entropy = mask == nullptr ? sigma::attention_entropy(probs)
                                : sigma::attention_entropy(probs, key_mask, query_mask);
    set_uniform_entropy(r, mask, k.size(2), [&] {
      return at::isfinite(scores.select(1, 0).detach()).sum(-1);  // (B, Tq)
    });
    if (observation->keep_maps) r.map = probs.detach();
    if (observation->keep_logits) r.logits = scores.detach();
    observation->records.push_back(std::move(r));
  }
  at::Tensor out = at::matmul(attn_drop_(probs), v);  // (B, H, Tq, hd)
  out = out.transpose(1, 2).reshape({B, Tq, d});      // (B, Tq, d)
  return out_proj_.forward<at::Tensor>(out);
}

template <typename VisibleKeys>
void MultiHeadAttentionImpl::set_uniform_entropy(AttentionRecord& r, const AttentionMask* mask,
                                                 int64_t keys, const VisibleKeys& visible_keys) {
  const at::Tensor query_mask = mask != nullptr ? mask->query_mask : at::Tensor();
  if (mask == nullptr || (!mask->additive.defined() && !mask->key_mask.defined())) {
    r.uniform_entropy = at::full({}, std::log(static_cast<double>(keys)), at::kDouble);
    return;
  }
  // Visible keys per query row (masks do not depend on the head).
  r.visible_keys = visible_keys();  // (B, Tq)
  at::Tensor log_visible = r.visible_keys.to(at::kDouble).clamp_min(1).log();
  if (query_mask.defined()) {
    at::Tensor real = query_mask.to(at::kDouble);
    r.uniform_entropy = (log_visible * real).sum() / real.sum().clamp_min(1);
  } else {
    r.uniform_entropy = log_visible.mean();
  }
}

at::Tensor MultiHeadAttentionImpl::fused_forward(const at::Tensor& q, const at::Tensor& k,
                                                 const at::Tensor& v, const AttentionMask* mask,
                                                 AttentionObservation* observation) {
  const int64_t B = q.size(0), Tq = q.size(2), Tk = k.size(2);
  // One additive mask: the given one plus -inf at hidden keys.
  at::Tensor additive = mask != nullptr ? mask->additive : at::Tensor();
  if (mask != nullptr && mask->key_mask.defined()) {
    at::Tensor hidden =
        at::zeros({B, 1, 1, Tk}, q.options())
            .masked_fill(mask->key_mask.logical_not().view({B, 1, 1, Tk}), -INFINITY);
    additive = additive.defined() ? additive + hidden : hidden;
  }
  const double scale = 1.0 / std::sqrt(double(head_dim_));
  FusedAttentionOutput f;
  if (q.is_cpu()) {
    f = fused_attention(q, k, v, additive, scale, /*entropy=*/observation != nullptr);
  } else {
    const double dropout = is_training() ? attn_drop_->options.p() : 0.0;
    SdpaOutput s = sdpa_attention(q, k, v, additive, scale, dropout, observation != nullptr);
    f.out = std::move(s.out);
    f.entropy = std::move(s.entropy);
  }
  if (observation != nullptr) {
    AttentionRecord r;
    r.site = site_;
    r.entropy =
        sigma::entropy_from_rows(f.entropy, mask != nullptr ? mask->query_mask : at::Tensor());
    set_uniform_entropy(r, mask, Tk, [&] {
      return at::isfinite(additive.expand({B, q.size(1), Tq, Tk}).select(1, 0)).sum(-1);  // (B, Tq)
    });
    observation->records.push_back(std::move(r));
  }
  return out_proj_.forward<at::Tensor>(f.out);  // f.out: (B, Tq, d)
}

}  // namespace models
