// Theorem 3.1 measured on real attention: per head, the centred norm of every query's logit row
// (over its visible keys), its entropy, and how far the entropy sits above the bound.
//
//   models::AttentionObservation obs;  obs.keep_logits = true;  model->forward(x, &obs);
//   for (auto& p : sigma::probe_attention_logits(obs.logits[layer])) ...
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace sigma {

struct HeadLogitProbe {
  int64_t head = 0;
  int64_t keys = 0;  // visible keys of the longest row
  int64_t rows = 0;  // rows with at least 2 visible keys (the others have entropy 0 and no bound)
  double max_logit_norm = 0, mean_logit_norm = 0;
  double mean_entropy = 0, min_entropy = 0;
  double min_bound_slack = 0;  // min over rows of entropy - entropy_lower_bound(norm, keys)
};

// logits: (B, H, Tq, Tk) pre-softmax attention logits; -inf marks invisible keys (causal or
// padding masks). Computed in float64. One entry per head.
std::vector<HeadLogitProbe> probe_attention_logits(const at::Tensor& logits);

}  // namespace sigma
