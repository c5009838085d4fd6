#include "models/encoder_decoder.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include <cmath>

#include "models/norms.h"
#include "sigma/init.h"

namespace models {

at::Tensor sinusoidal_positions(int64_t length, int64_t width) {
  at::Tensor position = at::arange(length, at::kDouble).unsqueeze(1);  // (T, 1)
  at::Tensor i = at::arange(0, width, 2, at::kDouble);                 // (d/2,)
  at::Tensor angle = position * at::exp(i * (-std::log(10000.0) / width)).unsqueeze(0);
  at::Tensor pe = at::zeros({length, width}, at::kDouble);
  pe.slice(1, 0, width, 2).copy_(at::sin(angle));
  pe.slice(1, 1, width, 2).copy_(at::cos(angle).narrow(1, 0, width / 2));
  return pe.to(at::kFloat);
}

EncoderDecoderImpl::EncoderDecoderImpl(const EncoderDecoderConfig& c) : config_(c) {
  TORCH_CHECK(c.vocab_size >= 2, "EncoderDecoder: vocab_size must be >= 2, got ", c.vocab_size);
  TORCH_CHECK(c.encoder_depth >= 1 && c.decoder_depth >= 1,
              "EncoderDecoder: both stacks need at least one layer");
  TORCH_CHECK(c.pad_id >= 0 && c.pad_id < c.vocab_size, "EncoderDecoder: pad_id out of range");
  const int64_t d = c.transformer.width, n = c.encoder_depth, m = c.decoder_depth;
  const TransformerConfig enc =
      with_deep_norm_scales(c.transformer, DeepNormStack::kEncoderOfBoth, n, m);
  const TransformerConfig dec =
      with_deep_norm_scales(c.transformer, DeepNormStack::kDecoderOfBoth, n, m);
  LayerFactory make_enc(enc.layers), make_dec(dec.layers);
  embedding_ = register_parameter("embedding", at::empty({c.vocab_size, d}));
  sigma::trunc_normal_(embedding_, 0.02);
  positions_ = register_buffer("positions", sinusoidal_positions(c.max_length, d));
  torch::nn::ModuleList encoder, decoder;
  for (int64_t i = 0; i < n; ++i) {
    encoder_.push_back(TransformerBlock(enc, make_enc, BlockSite{"encoder", i, false}));
    encoder->push_back(encoder_.back());
  }
  for (int64_t i = 0; i < m; ++i) {
    decoder_.push_back(TransformerBlock(dec, make_dec, BlockSite{"decoder", i, true}));
    decoder->push_back(decoder_.back());
  }
  register_module("encoder", encoder);
  register_module("decoder", decoder);
  const bool pre_ln = c.transformer.layers.norm == NormPlacement::kPreLN;
  encoder_norm_ = pre_ln ? make_enc.norm(d) : torch::nn::AnyModule(torch::nn::Identity());
  decoder_norm_ = pre_ln ? make_dec.norm(d) : torch::nn::AnyModule(torch::nn::Identity());
  register_module("encoder_norm", encoder_norm_.ptr());
  register_module("decoder_norm", decoder_norm_.ptr());
  if (!c.tie_embeddings) {
    head_ = make_dec.linear(Role::kHead, d, c.vocab_size);
    register_module("head", head_.ptr());
  }
}

at::Tensor EncoderDecoderImpl::embed(const at::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 2, "EncoderDecoder: expected (B, T) tokens, got ", tokens.sizes());
  const int64_t T = tokens.size(1);
  TORCH_CHECK(T <= config_.max_length, "EncoderDecoder: ", T, " tokens exceed max_length ",
              config_.max_length);
  const double scale = std::sqrt(static_cast<double>(config_.transformer.width));
  return at::embedding(embedding_, tokens) * scale + positions_.narrow(0, 0, T);  // (B, T, d)
}

AttentionMask EncoderDecoderImpl::padding_mask(const at::Tensor& tokens) const {
  AttentionMask mask;
  mask.key_mask = tokens.ne(config_.pad_id);  // (B, T)
  mask.query_mask = mask.key_mask;
  return mask;
}

at::Tensor EncoderDecoderImpl::encode(const at::Tensor& source, AttentionObservation* observation) {
  const AttentionMask mask = padding_mask(source);
  at::Tensor x = embed(source);
  for (auto& block : encoder_) x = block(x, &mask, observation);
  return encoder_norm_.forward<at::Tensor>(x);
}

at::Tensor EncoderDecoderImpl::decode(const at::Tensor& target_in, const at::Tensor& memory,
                                      const at::Tensor& source, AttentionObservation* observation) {
  AttentionMask self_mask = padding_mask(target_in);
  self_mask.additive = causal_mask(target_in.size(1), memory.options());
  AttentionMask memory_mask = padding_mask(source);
  memory_mask.query_mask = self_mask.query_mask;  // the decoder's queries
  at::Tensor x = embed(target_in);
  for (auto& block : decoder_) x = block(x, &self_mask, observation, memory, &memory_mask);
  x = decoder_norm_.forward<at::Tensor>(x);
  if (head_.is_empty()) return at::matmul(x, embedding_.t());  // tied: (B, T, vocab)
  return head_.forward<at::Tensor>(x);
}

at::Tensor EncoderDecoderImpl::decode_step(const at::Tensor& tokens, int64_t position,
                                           const at::Tensor& memory, const at::Tensor& source,
                                           std::vector<at::Tensor>* cache) {
  TORCH_CHECK(tokens.dim() == 2 && tokens.size(1) == 1, "decode_step: expected (B, 1) tokens");
  TORCH_CHECK(position < config_.max_length, "EncoderDecoder: position ", position,
              " exceeds max_length ", config_.max_length);
  cache->resize(decoder_.size());
  AttentionMask memory_mask;
  memory_mask.key_mask = source.ne(config_.pad_id);
  const double scale = std::sqrt(static_cast<double>(config_.transformer.width));
  at::Tensor x = at::embedding(embedding_, tokens) * scale + positions_.narrow(0, position, 1);
  for (size_t l = 0; l < decoder_.size(); ++l) {
    x = decoder_[l]->forward_step(x, &(*cache)[l], memory, &memory_mask);
  }
  x = decoder_norm_.forward<at::Tensor>(x).squeeze(1);  // (B, d)
  if (head_.is_empty()) return at::matmul(x, embedding_.t());
  return head_.forward<at::Tensor>(x);
}

at::Tensor EncoderDecoderImpl::forward(const at::Tensor& source, const at::Tensor& target_in,
                                       AttentionObservation* observation) {
  return decode(target_in, encode(source, observation), source, observation);
}

}  // namespace models
