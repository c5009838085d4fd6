// Multi-head self-attention with a materialised softmax, so that it can report the attention
// entropy of every head (docs/method.md, "Definitions") when asked, and nothing extra when not.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

#include "models/config.h"
#include "models/layer_factory.h"
#include "sigma/attention_entropy.h"

namespace models {

// Masks for attention. All optional; ViT uses none.
struct AttentionMask {
  at::Tensor additive;    // broadcastable to (B, H, Tq, Tk): 0 or -inf (e.g. causal)
  at::Tensor key_mask;    // (B, Tk) bool, true = real key
  at::Tensor query_mask;  // (B, Tq) bool, true = real query
};

// Filled by a forward pass when the caller passes one (docs/design.md, "Observations without
// hooks"): one entry per attention layer, in order.
struct AttentionObservation {
  bool keep_maps = false;                        // also keep the probabilities (for plots)
  bool keep_logits = false;                      // also keep the pre-softmax logits
  std::vector<sigma::AttentionEntropy> entropy;  // per layer
  std::vector<at::Tensor> maps;                  // per layer (B, H, Tq, Tk), if keep_maps
  // per layer (B, H, Tq, Tk) after scaling and the additive mask (-inf = invisible key), if
  // keep_logits
  std::vector<at::Tensor> logits;
};

class MultiHeadAttentionImpl : public torch::nn::Module {
 public:
  MultiHeadAttentionImpl(const TransformerConfig& config, const LayerFactory& make);

  // x: (B, T, d) -> (B, T, d)
  at::Tensor forward(const at::Tensor& x, const AttentionMask* mask = nullptr,
                     AttentionObservation* observation = nullptr);

 private:
  int64_t heads_, head_dim_;
  std::vector<torch::nn::AnyModule> in_proj_;  // q, k, v projections per QkvLayout
  torch::nn::AnyModule q_norm_, k_norm_;       // empty unless qk_norm
  torch::nn::AnyModule out_proj_;
  torch::nn::Dropout attn_drop_{nullptr};
};

TORCH_MODULE(MultiHeadAttention);

}  // namespace models
