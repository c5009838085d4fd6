// Batched greedy and beam search for the encoder-decoder (experiments/mt/), one token per step
// with the decoder's cache of earlier positions (models::EncoderDecoder::decode_step).
//
//   experiments::DecodeOptions options;   // beam 4, length penalty 1, max 1.5 x source + 10
//   std::vector<std::vector<int64_t>> out = experiments::translate(model, sources, options);
#pragma once

#include <cstdint>
#include <vector>

#include "models/encoder_decoder.h"

namespace experiments {

struct DecodeOptions {
  int beam_size = 4;            // 1: greedy
  double length_penalty = 1.0;  // finished hypotheses ranked by log-prob / length^penalty
  double max_length_a = 1.5;    // at most a x source length + b tokens, end-of-sentence included
  int max_length_b = 10;
  int64_t max_length = 64;  // and never more than this (the model's positions)
  int64_t pad = 0, bos = 1, eos = 3;
  int64_t batch_size = 64;  // sentences per forward pass (translate)
};

// The token budget (end-of-sentence included) of a hypothesis for a source of `source_length`
// tokens (end-of-sentence included).
int64_t max_target_length(int64_t source_length, const DecodeOptions& options);

// source: (B, S) padded with options.pad, each row ending with eos. Returns per row the output
// tokens without bos and eos. Call in eval mode under NoGradGuard.
std::vector<std::vector<int64_t>> greedy_search(models::EncoderDecoder& model,
                                                const at::Tensor& source,
                                                const DecodeOptions& options);
// Beam search; a sentence ends when beam_size hypotheses have finished, the best by
// normalised score is returned. beam_size 1 gives exactly greedy_search's output.
std::vector<std::vector<int64_t>> beam_search(models::EncoderDecoder& model,
                                              const at::Tensor& source,
                                              const DecodeOptions& options);

// Every source (token ids ending with eos), batched by length, greedy for beam_size 1, else
// beam search; outputs in input order.
std::vector<std::vector<int64_t>> translate(models::EncoderDecoder& model,
                                            const std::vector<std::vector<int64_t>>& sources,
                                            const DecodeOptions& options);

// (B, max length) int64 of `rows` padded with `pad`.
at::Tensor pad_batch(const std::vector<const std::vector<int64_t>*>& rows, int64_t pad);

}  // namespace experiments
