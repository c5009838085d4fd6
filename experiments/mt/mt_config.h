// The translation family's spec -> model configuration, and its spec checks.
#pragma once

#include <absl/status/statusor.h>

#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"
#include "models/encoder_decoder.h"

namespace experiments {

// The model ids around SentencePiece's: padding and begin-of-sentence first, then the
// tokenizer's ids shifted by kMtIdOffset (its unknown and end-of-sentence included).
constexpr int64_t kMtPad = 0;
constexpr int64_t kMtBos = 1;
constexpr int64_t kMtIdOffset = 2;
constexpr int64_t kMtEos = 1 + kMtIdOffset;  // SentencePiece's eos (1), shifted

// The encoder-decoder for `spec` with a vocabulary of `tokenizer_vocab` SentencePiece pieces.
absl::StatusOr<models::EncoderDecoderConfig> mt_config(const sigma_reparam::TranslationSpec& spec,
                                                       int64_t tokenizer_vocab);

// Checks of a translation spec (field paths from the spec's root).
void check_mt_spec(const sigma_reparam::ExperimentSpec& spec, SpecChecker& c);

}  // namespace experiments
