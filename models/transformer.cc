#include "models/transformer.h"

#include <ATen/ATen.h>

#include <cmath>

namespace models {

MlpImpl::MlpImpl(int64_t width, int64_t hidden, double dropout, const LayerFactory& make)
    : fc1_(make.linear(width, hidden)), fc2_(make.linear(hidden, width)) {
  register_module("fc1", fc1_.ptr());
  register_module("fc2", fc2_.ptr());
  drop_ = register_module("drop", torch::nn::Dropout(dropout));
}

at::Tensor MlpImpl::forward(const at::Tensor& x) {
  return fc2_.forward<at::Tensor>(drop_(at::gelu(fc1_.forward<at::Tensor>(x))));
}

EncoderBlockImpl::EncoderBlockImpl(const TransformerConfig& c, const LayerFactory& make)
    : placement_(c.layers.norm), norm1_(make.norm(c.width)), norm2_(make.norm(c.width)) {
  register_module("norm1", norm1_.ptr());
  attn_ = register_module("attn", MultiHeadAttention(c, make));
  register_module("norm2", norm2_.ptr());
  const auto hidden = static_cast<int64_t>(std::lround(c.width * c.mlp_ratio));
  mlp_ = register_module("mlp", Mlp(c.width, hidden, c.dropout, make));
  drop_ = register_module("drop", torch::nn::Dropout(c.dropout));
}

at::Tensor EncoderBlockImpl::forward(const at::Tensor& x, const AttentionMask* mask,
                                     AttentionObservation* observation) {
  if (placement_ == NormPlacement::kPostLN) {
    at::Tensor h = norm1_.forward<at::Tensor>(x + drop_(attn_(x, mask, observation)));
    return norm2_.forward<at::Tensor>(h + drop_(mlp_(h)));
  }
  // Pre-LN; under NO_NORM the norms are Identity.
  at::Tensor h = x + drop_(attn_(norm1_.forward<at::Tensor>(x), mask, observation));
  return h + drop_(mlp_(norm2_.forward<at::Tensor>(h)));
}

}  // namespace models
