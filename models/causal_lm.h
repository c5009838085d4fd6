// Decoder-only causal Transformer language model (the paper's LM experiments): token and learned
// position embeddings, the shared TransformerBlocks (stack "decoder") under a causal mask, a final
// norm (pre-LN only) and an output layer tied to the token embedding by default. Every linear layer
// of the blocks (and an untied output layer) comes from the LayerFactory, so σReparam covers them;
// a tied output layer is the embedding matrix itself and is not reparameterised.
//
//   models::CausalLm lm(config);
//   at::Tensor logits = lm(tokens);              // (B, T) int64 -> (B, T, vocab)
//   models::AttentionObservation obs;
//   lm->forward(tokens, &obs);                   // stack "decoder"; query i sees its i+1 keys
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/config.h"
#include "models/parameter_rules.h"
#include "models/transformer.h"

namespace models {

class CausalLmImpl : public torch::nn::Module, public ParameterRules {
 public:
  explicit CausalLmImpl(const CausalLmConfig& config);

  // tokens: (B, T) int64 with T <= context -> logits (B, T, vocab)
  at::Tensor forward(const at::Tensor& tokens, AttentionObservation* observation = nullptr);

  const CausalLmConfig& config() const { return config_; }
  // The position embedding takes no weight decay.
  std::vector<std::string> no_decay_parameters() const override { return {"pos_embed"}; }

 private:
  CausalLmConfig config_;
  at::Tensor token_embed_;  // (vocab, d)
  at::Tensor pos_embed_;    // (1, context, d)
  std::vector<TransformerBlock> blocks_;
  torch::nn::AnyModule norm_;
  torch::nn::AnyModule head_;  // empty when tied
};
TORCH_MODULE(CausalLm);

}  // namespace models
