#include "experiments/mt/mt_config.h"

#include <absl/strings/str_cat.h>

#include "experiments/engine/model_config.h"
#include "experiments/engine/spec_io.h"

namespace experiments {

using sigma_reparam::DataSpec;

absl::StatusOr<models::EncoderDecoderConfig> mt_config(const sigma_reparam::TranslationSpec& s,
                                                       int64_t tokenizer_vocab) {
  absl::StatusOr<models::TransformerConfig> transformer = transformer_config(s.transformer());
  if (!transformer.ok()) return transformer.status();
  models::EncoderDecoderConfig c;
  c.transformer = *transformer;
  c.encoder_depth = s.encoder_depth();
  c.decoder_depth = s.decoder_depth();
  c.vocab_size = tokenizer_vocab + kMtIdOffset;
  c.max_length = s.max_length();
  c.pad_id = kMtPad;
  c.tie_embeddings = s.tie_embeddings();
  return c;
}

void check_mt_spec(const sigma_reparam::ExperimentSpec& s, SpecChecker& c) {
  const auto& mt = s.mt();
  check_transformer(mt.transformer(), "mt.transformer", c);
  c.status(mt_config(mt, mt.vocab_size()).status(), "mt.transformer");
  c.expect(mt.encoder_depth() >= 1, "mt.encoder_depth",
           absl::StrCat(mt.encoder_depth(), " must be >= 1"));
  c.expect(mt.decoder_depth() >= 1, "mt.decoder_depth",
           absl::StrCat(mt.decoder_depth(), " must be >= 1"));
  c.expect(mt.vocab_size() >= 16, "mt.vocab_size", absl::StrCat(mt.vocab_size(), " must be >= 16"));
  c.expect(mt.max_length() >= 4, "mt.max_length", absl::StrCat(mt.max_length(), " must be >= 4"));
  c.expect(mt.label_smoothing() >= 0 && mt.label_smoothing() < 1, "mt.label_smoothing",
           absl::StrCat(mt.label_smoothing(), " must be in [0, 1)"));
  c.expect(mt.decoding().beam_size() >= 1, "mt.decoding.beam_size",
           absl::StrCat(mt.decoding().beam_size(), " must be >= 1"));
  c.expect(mt.decoding().max_length_a() >= 0, "mt.decoding.max_length_a",
           absl::StrCat(mt.decoding().max_length_a(), " must be >= 0"));
  c.expect(mt.decoding().max_length_a() > 0 || mt.decoding().max_length_b() >= 1,
           "mt.decoding.max_length_b", "with max_length_a 0, must allow at least one token");
  c.expect(mt.eval_sentences() >= 0, "mt.eval_sentences",
           absl::StrCat(mt.eval_sentences(), " must be >= 0"));
  const auto d = s.data().dataset();
  c.expect(d == DataSpec::GETTEXT_DE || d == DataSpec::PARALLEL_TEXT, "data.dataset",
           absl::StrCat(DataSpec::Dataset_Name(d),
                        " is not parallel text: translation needs GETTEXT_DE or PARALLEL_TEXT"));
  if (d == DataSpec::PARALLEL_TEXT) {
    c.expect(!s.data().path().empty(), "data.path",
             "must name the folder of train/valid/test.{" + mt.source_lang() + "," +
                 mt.target_lang() + "}");
    c.expect(!mt.source_lang().empty() && !mt.target_lang().empty() &&
                 mt.source_lang() != mt.target_lang(),
             "mt.source_lang", "source_lang and target_lang must be two different suffixes");
  }
}

}  // namespace experiments
