#include "models/transformer.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>

namespace models {

MlpImpl::MlpImpl(int64_t width, int64_t hidden, double dropout, const LayerFactory& make)
    : fc1_(make.linear(Role::kFc1, width, hidden)), fc2_(make.linear(Role::kFc2, hidden, width)) {
  register_module("fc1", fc1_.ptr());
  register_module("fc2", fc2_.ptr());
  drop_ = register_module("drop", torch::nn::Dropout(dropout));
}

at::Tensor MlpImpl::forward(const at::Tensor& x) {
  return fc2_.forward<at::Tensor>(drop_(at::gelu(fc1_.forward<at::Tensor>(x))));
}

TransformerBlockImpl::TransformerBlockImpl(const TransformerConfig& c, const LayerFactory& make,
                                           BlockSite site)
    : placement_(c.layers.norm),
      alpha_(c.residual_alpha),
      norm1_(make.norm(c.width)),
      norm2_(make.norm(c.width)) {
  register_module("norm1", norm1_.ptr());
  attn_ = register_module(
      "attn",
      MultiHeadAttention(c, make, AttentionSite{site.stack, AttentionKind::kSelf, site.layer}));
  if (site.cross_attention) {
    norm_cross_ = make.norm(c.width);
    register_module("norm_cross", norm_cross_.ptr());
    cross_attn_ = register_module(
        "cross_attn",
        MultiHeadAttention(c, make, AttentionSite{site.stack, AttentionKind::kCross, site.layer}));
  }
  register_module("norm2", norm2_.ptr());
  const auto hidden = static_cast<int64_t>(std::lround(c.width * c.mlp_ratio));
  mlp_ = register_module("mlp", Mlp(c.width, hidden, c.dropout, make));
  drop_ = register_module("drop", torch::nn::Dropout(c.dropout));
}

template <typename Branch>
at::Tensor TransformerBlockImpl::residual(const at::Tensor& x, torch::nn::AnyModule& norm,
                                          Branch&& branch) {
  switch (placement_) {
    case NormPlacement::kPostLN:
      return norm.forward<at::Tensor>(x + drop_(branch(x)));
    case NormPlacement::kDeepNorm:
      return norm.forward<at::Tensor>(alpha_ * x + drop_(branch(x)));
    case NormPlacement::kPreLN:
    case NormPlacement::kNoNorm:  // the norms are Identity
      return x + drop_(branch(norm.forward<at::Tensor>(x)));
  }
  TORCH_CHECK(false, "TransformerBlock: unknown norm placement");
}

at::Tensor TransformerBlockImpl::forward(const at::Tensor& x, const AttentionMask* mask,
                                         AttentionObservation* observation,
                                         const at::Tensor& memory,
                                         const AttentionMask* memory_mask) {
  at::Tensor h = residual(
      x, norm1_, [&](const at::Tensor& in) { return attn_(in, at::Tensor(), mask, observation); });
  if (!cross_attn_.is_empty()) {
    TORCH_CHECK(memory.defined(), "TransformerBlock: a cross-attention block needs a memory");
    h = residual(h, norm_cross_, [&](const at::Tensor& in) {
      return cross_attn_(in, memory, memory_mask, observation);
    });
  }
  return residual(h, norm2_, [&](const at::Tensor& in) { return mlp_(in); });
}

at::Tensor TransformerBlockImpl::forward_step(const at::Tensor& x, at::Tensor* self_cache,
                                              const at::Tensor& memory,
                                              const AttentionMask* memory_mask) {
  at::Tensor h = residual(x, norm1_, [&](const at::Tensor& in) {
    *self_cache = self_cache->defined() ? at::cat({*self_cache, in}, 1) : in;
    // The new query against every position so far: causal by construction.
    return attn_(in, *self_cache, nullptr, nullptr);
  });
  if (!cross_attn_.is_empty()) {
    TORCH_CHECK(memory.defined(), "TransformerBlock: a cross-attention block needs a memory");
    h = residual(h, norm_cross_, [&](const at::Tensor& in) {
      return cross_attn_(in, memory, memory_mask, nullptr);
    });
  }
  return residual(h, norm2_, [&](const at::Tensor& in) { return mlp_(in); });
}

}  // namespace models
