#include "experiments/lm/lm_task.h"

#include "core/hash.h"

#include <ATen/ATen.h>

#include <cmath>
#include <stdexcept>

#include "datasets/augment.h"
#include "experiments/engine/metric_format.h"
#include "experiments/lm/lm_config.h"

namespace experiments {
namespace {

using sigma_reparam::DataSpec;

at::Tensor to_tensor(const std::vector<int>& ids) {
  return at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong);
}

}  // namespace

datasets::TextCorpus load_corpus(const DataSpec& data) {
  switch (data.dataset()) {
    case DataSpec::SOTU:
      return datasets::load_sotu(data.path());
    case DataSpec::WIKITEXT:
      return datasets::load_wikitext(data.path());
    case DataSpec::BROWN:
      return datasets::load_brown(data.path());
    case DataSpec::TEXT_FILE:
      return datasets::load_text_file(data.path());
    default:  // another family's data set
      break;
  }
  throw std::runtime_error("data.dataset: " + DataSpec::Dataset_Name(data.dataset()) +
                           " is not a text corpus");
}

datasets::Tokenizer corpus_tokenizer(const sigma_reparam::ExperimentSpec& spec,
                                     const datasets::TextCorpus& corpus, bool* trained) {
  datasets::TokenizerOptions options;
  options.vocab_size = spec.lm().vocab_size();
  options.model_type =
      spec.lm().tokenizer() == sigma_reparam::LanguageModelSpec::UNIGRAM ? "unigram" : "bpe";
  return datasets::Tokenizer::train_or_load(corpus.name, corpus.train.text, options, "", trained);
}

TokenLoss mean_token_loss(models::CausalLm& model, const at::Tensor& tokens, int64_t context,
                          int64_t max_windows, int64_t batch, const c10::Device& device) {
  int64_t windows = (tokens.size(0) - 1) / context;
  if (max_windows > 0) windows = std::min(windows, max_windows);
  double sum = 0;
  int64_t count = 0;
  for (int64_t w = 0; w < windows; w += batch) {
    const int64_t n = std::min(batch, windows - w);
    at::Tensor starts = at::arange(w, w + n, at::kLong) * context;  // (n,)
    at::Tensor idx = starts.unsqueeze(1) + at::arange(context + 1, at::kLong).unsqueeze(0);
    at::Tensor chunk = tokens.index_select(0, idx.flatten()).view({n, context + 1}).to(device);
    at::Tensor logits = model->forward(chunk.narrow(1, 0, context));  // (n, context, V)
    at::Tensor target = chunk.narrow(1, 1, context);
    sum += at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), target.reshape({-1}), {},
                                  at::Reduction::Sum)
               .item<double>();
    count += n * context;
  }
  return {count > 0 ? sum / count : 0.0, count};
}

double word_perplexity(double mean_token_loss, int64_t tokens, int64_t words) {
  return std::exp(mean_token_loss * static_cast<double>(tokens) /
                  static_cast<double>(std::max<int64_t>(1, words)));
}

LmTask::LmTask(const sigma_reparam::ExperimentSpec& spec) : spec_(spec) {
  corpus_ = load_corpus(spec.data());
  tokenizer_ = corpus_tokenizer(spec, corpus_);
  train_ = to_tensor(tokenizer_.encode(corpus_.train.text));
  valid_ = to_tensor(tokenizer_.encode(corpus_.valid.text));
  test_ = to_tensor(tokenizer_.encode(corpus_.test.text));
  const int64_t context = spec.lm().context();
  for (const auto& [name, t] : {std::pair<const char*, const at::Tensor&>{"train", train_},
                                {"valid", valid_},
                                {"test", test_}}) {
    if (t.size(0) < context + 1) {
      throw std::runtime_error(corpus_.name + ": the " + name + " split has " +
                               std::to_string(t.size(0)) +
                               " tokens, fewer than context + 1 = " + std::to_string(context + 1));
    }
  }
  absl::StatusOr<models::CausalLmConfig> built = lm_config(spec.lm());
  if (!built.ok()) throw std::runtime_error(std::string(built.status().message()));
  models::CausalLmConfig config = *built;
  at::manual_seed(static_cast<uint64_t>(spec.run().seed()));  // model initialisation
  // The tokenizer may hold fewer pieces than asked for on a small corpus; never more.
  config.vocab_size = std::max<int64_t>(config.vocab_size, tokenizer_.vocab_size());
  model_ = models::CausalLm(config);
}

int64_t LmTask::examples_per_epoch() const {
  return std::max<int64_t>(1, (train_.size(0) - 1) / spec_.lm().context());
}

Task::Output LmTask::train_forward(int64_t step, models::AttentionObservation* observation) {
  const int64_t B = spec_.data().batch_size(), context = spec_.lm().context();
  at::Generator gen = datasets::make_generator(
      core::mix_seed(static_cast<uint64_t>(spec_.run().seed()) ^ 0x7E47ull, step));
  // Data parallel: this rank's windows of the global batch.
  at::Tensor starts = shard_rows(at::randint(0, train_.size(0) - context, {B}, gen, at::kLong));
  const int64_t rows = starts.size(0);
  at::Tensor idx = starts.unsqueeze(1) + at::arange(context + 1, at::kLong).unsqueeze(0);
  at::Tensor chunk = to_device(train_.index_select(0, idx.flatten()).view({rows, context + 1}));
  at::Tensor logits = model_->forward(chunk.narrow(1, 0, context), observation);
  at::Tensor target = chunk.narrow(1, 1, context);
  Output out;
  out.loss = at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), target.reshape({-1}));
  return out;
}

Task::Evaluation LmTask::evaluate_split(const at::Tensor& tokens, int64_t words,
                                        int64_t max_windows) {
  const TokenLoss loss =
      mean_token_loss(model_, tokens, spec_.lm().context(), max_windows, 16, device());
  Evaluation e;
  e.loss = loss.mean;
  e.metrics["perplexity"] = std::exp(loss.mean);
  // Per word: the evaluated tokens stand for the whole split at the same mean loss.
  e.metrics["word_perplexity"] = word_perplexity(loss.mean, tokens.size(0), words);
  return e;
}

Task::Evaluation LmTask::evaluate() {
  return evaluate_split(valid_, corpus_.valid.words, spec_.data().eval_subset());
}

bool LmTask::test(Evaluation* out) {
  *out = evaluate_split(test_, corpus_.test.words, spec_.data().eval_subset());
  return true;
}

std::vector<sigma_reparam::MetricInfo> LmTask::metrics() const {
  return {
      metric_info("eval_word_perplexity", "validation perplexity per word", "ppl/word",
                  /*higher_is_better=*/false, /*percent=*/false, /*precision=*/1),
      metric_info("eval_perplexity", "validation perplexity per token", "ppl",
                  /*higher_is_better=*/false, /*percent=*/false, /*precision=*/1),
      metric_info("test_word_perplexity", "test perplexity per word", "ppl/word",
                  /*higher_is_better=*/false, /*percent=*/false, /*precision=*/1),
      metric_info("test_perplexity", "test perplexity per token", "ppl",
                  /*higher_is_better=*/false, /*percent=*/false, /*precision=*/1),
  };
}

bool LmTask::probe(models::AttentionObservation* observation) {
  const int64_t context = spec_.lm().context();
  const int64_t n = std::min<int64_t>(4, (valid_.size(0) - 1) / context);
  at::Tensor idx = (at::arange(n, at::kLong) * context).unsqueeze(1) +
                   at::arange(context, at::kLong).unsqueeze(0);
  model_->forward(to_device(valid_.index_select(0, idx.flatten()).view({n, context})), observation);
  return true;
}

}  // namespace experiments
