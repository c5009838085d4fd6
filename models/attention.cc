#include "models/attention.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>

namespace models {

MultiHeadAttentionImpl::MultiHeadAttentionImpl(const TransformerConfig& c, const LayerFactory& make)
    : heads_(c.heads), head_dim_(c.width / c.heads) {
  TORCH_CHECK(c.width % c.heads == 0, "MultiHeadAttention: heads (", c.heads,
              ") must divide width (", c.width, ")");
  const int64_t d = c.width;
  switch (c.qkv_layout) {
    case QkvLayout::kFused:
      in_proj_ = {make.linear(d, 3 * d)};
      register_module("qkv", in_proj_[0].ptr());
      break;
    case QkvLayout::kQkAndV:
      in_proj_ = {make.linear(d, 2 * d), make.linear(d, d)};
      register_module("qk", in_proj_[0].ptr());
      register_module("v", in_proj_[1].ptr());
      break;
    case QkvLayout::kSeparate:
      in_proj_ = {make.linear(d, d), make.linear(d, d), make.linear(d, d)};
      register_module("q", in_proj_[0].ptr());
      register_module("k", in_proj_[1].ptr());
      register_module("v", in_proj_[2].ptr());
      break;
  }
  if (c.qk_norm) {
    q_norm_ = make.layer_norm(head_dim_);
    k_norm_ = make.layer_norm(head_dim_);
    register_module("q_norm", q_norm_.ptr());
    register_module("k_norm", k_norm_.ptr());
  }
  out_proj_ = make.linear(d, d);
  register_module("proj", out_proj_.ptr());
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(c.attention_dropout));
}

at::Tensor MultiHeadAttentionImpl::forward(const at::Tensor& x, const AttentionMask* mask,
                                           AttentionObservation* observation) {
  const int64_t B = x.size(0), T = x.size(1), d = x.size(2);
  std::vector<at::Tensor> parts;
  for (auto& proj : in_proj_) parts.push_back(proj.forward<at::Tensor>(x));
  at::Tensor qkv = parts.size() == 1 ? parts[0] : at::cat(parts, -1);     // (B, T, 3d)
  qkv = qkv.view({B, T, 3, heads_, head_dim_}).permute({2, 0, 3, 1, 4});  // (3, B, H, T, hd)
  at::Tensor q = qkv[0], k = qkv[1], v = qkv[2];                          // (B, H, T, hd)
  if (!q_norm_.is_empty()) {
    q = q_norm_.forward<at::Tensor>(q);
    k = k_norm_.forward<at::Tensor>(k);
  }
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(head_dim_));
  if (mask != nullptr && mask->additive.defined()) scores = scores + mask->additive;
  at::Tensor probs = at::softmax(scores, -1);  // (B, H, T, T)
  if (observation != nullptr) {
    observation->entropy.push_back(
        mask == nullptr ? sigma::attention_entropy(probs)
                        : sigma::attention_entropy(probs, mask->key_mask, mask->query_mask));
    if (observation->keep_maps) observation->maps.push_back(probs.detach());
    if (observation->keep_logits) observation->logits.push_back(scores.detach());
  }
  at::Tensor out = at::matmul(attn_drop_(probs), v);  // (B, H, T, hd)
  out = out.transpose(1, 2).reshape({B, T, d});       // (B, T, d)
  return out_proj_.forward<at::Tensor>(out);
}

}  // namespace models
