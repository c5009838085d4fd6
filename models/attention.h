// Multi-head attention, self or cross, with a materialised softmax so that it can report the
// attention entropy of every head (docs/method.md, "Definitions") when asked, and nothing extra
// when not.
//
//   models::MultiHeadAttention self_attn(config, make, {"encoder", AttentionKind::kSelf, 0});
//   at::Tensor y = self_attn(x, {}, &mask, &observation);         // keys and values from x
//   at::Tensor z = cross_attn(y, memory, &memory_mask, nullptr);   // keys and values from memory
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "models/config.h"
#include "models/layer_factory.h"
#include "sigma/attention_entropy.h"

namespace models {

// Masks for attention; all optional (ViT uses none). Every mask is applied to the scores, so a
// hidden key gets probability exactly 0.
struct AttentionMask {
  at::Tensor additive;    // broadcastable to (B, H, Tq, Tk): 0 or -inf (e.g. causal_mask)
  at::Tensor key_mask;    // (B, Tk) bool, true = real key; false keys are hidden
  at::Tensor query_mask;  // (B, Tq) bool, true = real query; padded queries are not observed
};

// (T, T) additive mask: 0 on and below the diagonal, -inf above (key j > query i).
at::Tensor causal_mask(int64_t T, const at::TensorOptions& options);

enum class AttentionKind { kSelf, kCross };
const char* attention_kind_name(AttentionKind kind);

// Which attention a module is: the stack it sits in, self or cross, and its layer in the stack.
struct AttentionSite {
  std::string stack = "encoder";
  AttentionKind kind = AttentionKind::kSelf;
  int64_t layer = 0;
};

// One attention call's observation.
struct AttentionRecord {
  AttentionSite site;
  sigma::AttentionEntropy entropy;
  // Visible keys of each query row, from the masks (B, Tq) int64; undefined when nothing is
  // masked (every row sees all Tk keys).
  at::Tensor visible_keys;
  // Entropy of uniform attention over each real query's visible keys, averaged like
  // entropy.mean: mean of log(visible keys). () float64.
  at::Tensor uniform_entropy;
  at::Tensor map;     // (B, H, Tq, Tk) probabilities, if keep_maps
  at::Tensor logits;  // (B, H, Tq, Tk) after scaling and masks (-inf = hidden), if keep_logits
};

// Filled by a forward pass when the caller passes one (docs/design.md, "Observations without
// hooks"): one record per attention call, tagged with its site.
struct AttentionObservation {
  bool keep_maps = false;
  bool keep_logits = false;
  std::vector<AttentionRecord> records;
};

class MultiHeadAttentionImpl : public torch::nn::Module {
 public:
  MultiHeadAttentionImpl(const TransformerConfig& config, const LayerFactory& make,
                         AttentionSite site);

  // x: (B, Tq, d); memory: (B, Tk, d) for cross attention, undefined for self attention.
  // -> (B, Tq, d)
  at::Tensor forward(const at::Tensor& x, const at::Tensor& memory = {},
                     const AttentionMask* mask = nullptr,
                     AttentionObservation* observation = nullptr);

  const AttentionSite& site() const { return site_; }

 private:
  // The q, k and v input projections of `in` side by side: (B, T, 3d).
  at::Tensor project(const at::Tensor& in);
  // Attention through models/fused_attention.h on the CPU (no maps kept, no attention dropout)
  // or models/sdpa_attention.h on other devices (no maps kept).
  at::Tensor fused_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const AttentionMask* mask, AttentionObservation* observation);
  // r.uniform_entropy (and r.visible_keys when masked); visible_keys() gives (B, Tq) counts.
  template <typename VisibleKeys>
  static void set_uniform_entropy(AttentionRecord& r, const AttentionMask* mask, int64_t keys,
                                  const VisibleKeys& visible_keys);

  AttentionSite site_;
  int64_t heads_, head_dim_;
  std::vector<torch::nn::AnyModule> in_proj_;  // q, k, v projections per QkvLayout
  torch::nn::AnyModule q_norm_, k_norm_;       // empty unless qk_norm
  torch::nn::AnyModule out_proj_;
  torch::nn::Dropout attn_drop_{nullptr};
};

TORCH_MODULE(MultiHeadAttention);

}  // namespace models
