// Encoder-decoder Transformer for translation (Vaswani et al. 2017; the paper's deep post-LN MT
// models, Section 5): a shared source/target embedding scaled by sqrt(width), sinusoidal
// positions, an encoder stack (self attention) and a decoder stack (causal self attention and
// cross attention to the encoder's output), padding masks applied to every attention, a final
// norm per stack under pre-LN, and an output layer tied to the embedding by default. Every linear
// layer of the blocks comes from the LayerFactory, so σReparam covers them; DeepNorm takes the
// encoder-decoder alpha and beta of each stack.
//
//   models::EncoderDecoder mt(config);
//   at::Tensor logits = mt(source, target_in);     // (B, S), (B, T) int64 -> (B, T, vocab)
//   // observations: stack "encoder" (self) and "decoder" (self, cross), layer by layer
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/config.h"
#include "models/transformer.h"

namespace models {

struct EncoderDecoderConfig {
  TransformerConfig transformer = {};  // width, heads, norms, reparam; its depth is unused
  int64_t encoder_depth = 6;
  int64_t decoder_depth = 6;
  int64_t vocab_size = 8000;  // shared by source and target
  int64_t max_length = 256;   // longest source or target the positions cover
  int64_t pad_id = 0;         // padding token: masked as a key, not observed as a query
  bool tie_embeddings = true;
};

// (T, d) sinusoidal positions: sin on even, cos on odd features, wavelengths 2pi..10000*2pi.
at::Tensor sinusoidal_positions(int64_t length, int64_t width);

class EncoderDecoderImpl : public torch::nn::Module {
 public:
  explicit EncoderDecoderImpl(const EncoderDecoderConfig& config);

  // source: (B, S) -> memory (B, S, d)
  at::Tensor encode(const at::Tensor& source, AttentionObservation* observation = nullptr);
  // target_in: (B, T) (the target shifted right), memory and its source -> logits (B, T, vocab)
  at::Tensor decode(const at::Tensor& target_in, const at::Tensor& memory, const at::Tensor& source,
                    AttentionObservation* observation = nullptr);
  at::Tensor forward(const at::Tensor& source, const at::Tensor& target_in,
                     AttentionObservation* observation = nullptr);
  // Incremental decoding (eval mode): logits (B, vocab) for the next token after `tokens`
  // (B, 1), the target token at `position`, with `cache` holding each decoder layer's
  // self-attention inputs of the earlier positions (start with an empty vector; reorder its
  // tensors' rows with index_select to follow beams). Equals decode() on the whole prefix.
  at::Tensor decode_step(const at::Tensor& tokens, int64_t position, const at::Tensor& memory,
                         const at::Tensor& source, std::vector<at::Tensor>* cache);

  const EncoderDecoderConfig& config() const { return config_; }

 private:
  at::Tensor embed(const at::Tensor& tokens);  // (B, T) -> (B, T, d)
  AttentionMask padding_mask(const at::Tensor& tokens) const;

  EncoderDecoderConfig config_;
  at::Tensor embedding_;  // (vocab, d)
  at::Tensor positions_;  // (max_length, d) buffer
  std::vector<TransformerBlock> encoder_, decoder_;
  torch::nn::AnyModule encoder_norm_, decoder_norm_;
  torch::nn::AnyModule head_;  // empty when tied
};
TORCH_MODULE(EncoderDecoder);

}  // namespace models
