// The translation experiment as a trainer Task (docs/method.md, the deep post-LN MT claim):
// English -> German pairs (the gettext catalogs by default, datasets/parallel_corpus.h), one
// joint SentencePiece vocabulary trained on both sides of the training split and cached,
// random batches of sentence pairs, label-smoothed cross-entropy, validation loss and greedy
// BLEU during training, and beam-search BLEU and chrF on the test split at the end beside the
// BLEU of copying the source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/parallel_corpus.h"
#include "datasets/tokenizer.h"
#include "experiments/engine/task.h"
#include "experiments/mt/decode.h"
#include "models/encoder_decoder.h"

namespace experiments {

// The corpus a spec names (errors name the data set and the command that fetches it).
datasets::ParallelCorpus load_translation_corpus(const sigma_reparam::ExperimentSpec& spec);

// A split as model ids (experiments/mt/mt_config.h), each sentence ending with end-of-sentence.
struct EncodedSplit {
  std::vector<std::vector<int64_t>> source, target;
};

// Encodes `lines` with `tokenizer` in one pass, one id sequence per line (a blank line gives
// end-of-sentence alone), shifted to model ids.
std::vector<std::vector<int64_t>> encode_lines(const datasets::Tokenizer& tokenizer,
                                               const std::vector<std::string>& lines);
// Text of model ids (pad, bos and eos dropped).
std::string decode_ids(const datasets::Tokenizer& tokenizer, const std::vector<int64_t>& ids);
// Texts of many id sequences, in one SentencePiece call.
std::vector<std::string> decode_all(const datasets::Tokenizer& tokenizer,
                                    const std::vector<std::vector<int64_t>>& sequences);

class MtTask : public Task {
 public:
  explicit MtTask(const sigma_reparam::ExperimentSpec& spec);

  torch::nn::Module& model() override { return *model_; }
  int64_t examples_per_epoch() const override;  // training pairs
  Output train_forward(int64_t step, models::AttentionObservation* observation) override;
  // Validation loss (per target token, no smoothing), greedy BLEU and the unigram reference
  // (metric unigram_loss: the loss of predicting every target token by its training frequency,
  // whatever the source; a model at or above it has learnt nothing about translation) on the
  // first mt.eval_sentences validation pairs.
  Evaluation evaluate() override;
  // Test split (the first data.eval_subset pairs if set): loss, BLEU and chrF of the spec's
  // decoding, and the BLEU of copying the source.
  bool test(Evaluation* out) override;
  bool probe(models::AttentionObservation* observation) override;  // 4 validation pairs
  std::vector<sigma_reparam::MetricInfo> metrics() const override;
  std::string test_summary() const override { return test_summary_; }
  // Pairs per split, subword tokens per side of the training split, the vocabulary.
  std::string data_summary() const override;

  models::EncoderDecoder& network() { return model_; }
  const datasets::Tokenizer& tokenizer() const { return tokenizer_; }
  const datasets::ParallelCorpus& corpus() const { return corpus_; }
  DecodeOptions decode_options() const;
  // Translations of `lines` with the spec's decoding.
  std::vector<std::string> translate_lines(const std::vector<std::string>& lines);

 private:
  // Mean per-token negative log-likelihood of `split`'s first `n` pairs, and (if `unigram`) that
  // of the unigram reference on the same target tokens.
  double split_loss(const EncodedSplit& split, size_t n, double* unigram = nullptr);
  // Decoded hypotheses (text) of `split`'s first `n` sources.
  std::vector<std::string> decode_split(const EncodedSplit& split, size_t n,
                                        const DecodeOptions& options);
  // Batch of pairs `index` into (source, target_in, target_out).
  void make_batch(const EncodedSplit& split, const std::vector<int64_t>& index, at::Tensor* source,
                  at::Tensor* target_in, at::Tensor* target_out) const;

  sigma_reparam::ExperimentSpec spec_;
  datasets::ParallelCorpus corpus_;
  datasets::Tokenizer tokenizer_;
  EncodedSplit train_, valid_, test_;
  int64_t dropped_long_ = 0;  // training pairs longer than mt.max_length
  at::Tensor
      unigram_log_prob_;  // (vocab,) log frequency of each target token in training (add-one)
  models::EncoderDecoder model_{nullptr};
  std::string test_summary_;
};

}  // namespace experiments
