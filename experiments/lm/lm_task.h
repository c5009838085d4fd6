// The causal language-model experiment as a trainer Task: a text corpus (SOTU by default,
// datasets/text_corpus.h), a SentencePiece tokenizer trained on its training split and cached,
// random windows of `context` + 1 tokens for training, and validation / test perplexity per
// subword token and per word.
#pragma once

#include <cstdint>
#include <string>

#include "datasets/text_corpus.h"
#include "datasets/tokenizer.h"
#include "experiments/engine/task.h"
#include "models/causal_lm.h"

namespace experiments {

// The corpus a spec names (errors name the data set and the command that fetches it).
datasets::TextCorpus load_corpus(const sigma_reparam::DataSpec& data);

// The spec's tokenizer for `corpus`, trained on its training split or loaded from the cache.
datasets::Tokenizer corpus_tokenizer(const sigma_reparam::ExperimentSpec& spec,
                                     const datasets::TextCorpus& corpus, bool* trained = nullptr);

// Mean next-token loss of `model` over non-overlapping windows of `tokens` (each window of
// context + 1 tokens predicts its last `context`), at most `max_windows` (0 = all); with the
// number of tokens predicted.
struct TokenLoss {
  double mean = 0;
  int64_t tokens = 0;
};
TokenLoss mean_token_loss(models::CausalLm& model, const at::Tensor& tokens, int64_t context,
                          int64_t max_windows, int64_t batch,
                          const c10::Device& device = c10::Device(c10::kCPU));

// exp(mean token loss x tokens / words): perplexity per word of a split that has `tokens`
// subword tokens and `words` words.
double word_perplexity(double mean_token_loss, int64_t tokens, int64_t words);

class LmTask : public Task {
 public:
  explicit LmTask(const sigma_reparam::ExperimentSpec& spec);

  torch::nn::Module& model() override { return *model_; }
  int64_t examples_per_epoch() const override;  // training windows
  Output train_forward(int64_t step, models::AttentionObservation* observation) override;
  Evaluation evaluate() override;       // validation split
  bool test(Evaluation* out) override;  // test split (first eval_subset windows if set)
  bool probe(models::AttentionObservation* observation) override;  // 4 validation windows
  // Validation perplexity per word (the headline) and per token; the same on test.
  std::vector<sigma_reparam::MetricInfo> metrics() const override;

  models::CausalLm& lm() { return model_; }
  const datasets::Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  Evaluation evaluate_split(const at::Tensor& tokens, int64_t words, int64_t max_windows);

  sigma_reparam::ExperimentSpec spec_;
  datasets::TextCorpus corpus_;
  datasets::Tokenizer tokenizer_;
  at::Tensor train_, valid_, test_;  // (N,) int64 token ids
  models::CausalLm model_{nullptr};
};

}  // namespace experiments
