#include "experiments/lm/lm_config.h"

#include "experiments/engine/model_config.h"
#include "experiments/engine/spec_io.h"

namespace experiments {

using sigma_reparam::DataSpec;

absl::StatusOr<models::CausalLmConfig> lm_config(const sigma_reparam::LanguageModelSpec& s) {
  absl::StatusOr<models::TransformerConfig> transformer = transformer_config(s.transformer());
  if (!transformer.ok()) return transformer.status();
  models::CausalLmConfig c;
  c.transformer = *transformer;
  c.vocab_size = s.vocab_size();
  c.context = s.context();
  c.tie_embeddings = s.tie_embeddings();
  c.scale_embeddings = s.scale_embeddings();
  return c;
}

void check_lm_spec(const sigma_reparam::ExperimentSpec& s, SpecChecker& c) {
  const auto& lm = s.lm();
  check_transformer(lm.transformer(), "lm.transformer", c);
  c.status(lm_config(lm).status(), "lm.transformer");
  c.expect(lm.vocab_size() >= 16, "lm.vocab_size", absl::StrCat(lm.vocab_size(), " must be >= 16"));
  c.expect(lm.context() >= 2, "lm.context", absl::StrCat(lm.context(), " must be >= 2"));
  c.expect(lm.tokenizer() != sigma_reparam::LanguageModelSpec::TOKENIZER_UNSPECIFIED,
           "lm.tokenizer", "must be BPE or UNIGRAM");
  const auto d = s.data().dataset();
  c.expect(d == DataSpec::SOTU || d == DataSpec::WIKITEXT || d == DataSpec::BROWN ||
               d == DataSpec::TEXT_FILE,
           "data.dataset",
           absl::StrCat(DataSpec::Dataset_Name(d),
                        " is not text: a language model needs SOTU, WIKITEXT, BROWN or TEXT_FILE"));
  if (d == DataSpec::WIKITEXT || d == DataSpec::TEXT_FILE) {
    c.expect(!s.data().path().empty(), "data.path",
             absl::StrCat("must name the ", DataSpec::Dataset_Name(d),
                          d == DataSpec::WIKITEXT ? " folder" : " file"));
  }
}

}  // namespace experiments
