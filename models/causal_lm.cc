#include "models/causal_lm.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include <cmath>

#include "models/norms.h"
#include "sigma/init.h"

namespace models {

CausalLmImpl::CausalLmImpl(const CausalLmConfig& c) : config_(c) {
  TORCH_CHECK(c.vocab_size >= 2, "CausalLm: vocab_size must be >= 2, got ", c.vocab_size);
  TORCH_CHECK(c.context >= 1, "CausalLm: context must be >= 1, got ", c.context);
  const int64_t d = c.transformer.width;
  const int64_t depth = c.transformer.depth;
  const TransformerConfig t =
      with_deep_norm_scales(c.transformer, DeepNormStack::kDecoderOnly, depth, depth);
  LayerFactory make(t.layers);
  token_embed_ = register_parameter("token_embed", at::empty({c.vocab_size, d}));
  pos_embed_ = register_parameter("pos_embed", at::empty({1, c.context, d}));
  sigma::trunc_normal_(token_embed_, 0.02);
  sigma::trunc_normal_(pos_embed_, 0.02);
  torch::nn::ModuleList blocks;
  for (int64_t i = 0; i < t.depth; ++i) {
    blocks_.push_back(
        TransformerBlock(t, make, BlockSite{"decoder", i, /*cross_attention=*/false}));
    blocks->push_back(blocks_.back());
  }
  register_module("blocks", blocks);
  norm_ = c.transformer.layers.norm == NormPlacement::kPreLN
              ? make.norm(d)
              : torch::nn::AnyModule(torch::nn::Identity());
  register_module("norm", norm_.ptr());
  if (!c.tie_embeddings) {
    head_ = make.linear(Role::kHead, d, c.vocab_size);
    register_module("head", head_.ptr());
  }
}

at::Tensor CausalLmImpl::forward(const at::Tensor& tokens, AttentionObservation* observation) {
  TORCH_CHECK(tokens.dim() == 2, "CausalLm: expected (B, T) tokens, got ", tokens.sizes());
  const int64_t T = tokens.size(1);
  TORCH_CHECK(T <= config_.context, "CausalLm: ", T, " tokens exceed the context of ",
              config_.context);
  at::Tensor x = at::embedding(token_embed_, tokens) + pos_embed_.narrow(1, 0, T);  // (B, T, d)
  if (config_.scale_embeddings) x = x * std::sqrt(static_cast<double>(config_.transformer.width));
  AttentionMask mask;
  mask.additive = causal_mask(T, x.options());
  for (auto& block : blocks_) x = block(x, &mask, observation);
  x = norm_.forward<at::Tensor>(x);
  if (head_.is_empty()) return at::matmul(x, token_embed_.t());  // tied: (B, T, vocab)
  return head_.forward<at::Tensor>(x);
}

}  // namespace models
