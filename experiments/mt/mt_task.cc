#include "experiments/mt/mt_task.h"

#include "core/hash.h"

#include <ATen/ATen.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_split.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>

#include "datasets/augment.h"
#include "experiments/engine/metric_format.h"
#include "experiments/mt/bleu.h"
#include "experiments/mt/mt_config.h"

namespace experiments {
namespace {

using sigma_reparam::DataSpec;

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) absl::StrAppend(&text, line, "\n");
  return text;
}

bool blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

// Sorts pairs by their longer side, then source length (stable: ties keep corpus order).
void sort_by_length(EncodedSplit* split) {
  std::vector<size_t> order(split->source.size());
  std::iota(order.begin(), order.end(), 0);
  const auto key = [&](size_t i) {
    return std::make_pair(std::max(split->source[i].size(), split->target[i].size()),
                          split->source[i].size());
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  EncodedSplit sorted;
  for (size_t i : order) {
    sorted.source.push_back(std::move(split->source[i]));
    sorted.target.push_back(std::move(split->target[i]));
  }
  *split = std::move(sorted);
}

EncodedSplit encode_split(const datasets::Tokenizer& tokenizer, const datasets::ParallelSplit& s) {
  return {encode_lines(tokenizer, s.source), encode_lines(tokenizer, s.target)};
}

// The fraction of the reference's whitespace-separated words that the source contains (as a
// multiset: a word the source has once counts once): 1 when copying the source gets every word.
double copied_word_fraction(const std::string& source, const std::string& reference) {
  std::map<std::string, int> available;
  for (absl::string_view w : absl::StrSplit(source, ' ', absl::SkipEmpty()))
    ++available[std::string(w)];
  int words = 0, copied = 0;
  for (absl::string_view w : absl::StrSplit(reference, ' ', absl::SkipEmpty())) {
    ++words;
    auto it = available.find(std::string(w));
    if (it != available.end() && it->second > 0) {
      --it->second;
      ++copied;
    }
  }
  return words == 0 ? 1.0 : static_cast<double>(copied) / words;
}

}  // namespace

datasets::ParallelCorpus load_translation_corpus(const sigma_reparam::ExperimentSpec& spec) {
  const DataSpec& data = spec.data();
  switch (data.dataset()) {
    case DataSpec::GETTEXT_DE:
      return datasets::load_gettext_corpus(data.path());
    case DataSpec::PARALLEL_TEXT:
      return datasets::load_parallel_text(data.path(), spec.mt().source_lang(),
                                          spec.mt().target_lang());
    default:  // another family's data set
      break;
  }
  throw std::runtime_error("data.dataset: " + DataSpec::Dataset_Name(data.dataset()) +
                           " is not parallel text");
}

std::vector<std::vector<int64_t>> encode_lines(const datasets::Tokenizer& tokenizer,
                                               const std::vector<std::string>& lines) {
  std::vector<std::string> nonblank;
  for (const auto& line : lines) {
    if (!blank(line)) nonblank.push_back(line);
  }
  const std::vector<int> ids =
      nonblank.empty() ? std::vector<int>{} : tokenizer.encode(joined(nonblank));
  std::vector<std::vector<int64_t>> out;
  out.reserve(lines.size());
  size_t at = 0;
  for (const auto& line : lines) {
    std::vector<int64_t> sentence;
    if (!blank(line)) {
      while (at < ids.size() && ids[at] != tokenizer.eos_id())
        sentence.push_back(ids[at++] + kMtIdOffset);
      if (at == ids.size()) {
        throw std::runtime_error("SentencePiece returned fewer sentences than it was given (" +
                                 std::to_string(nonblank.size()) + ")");
      }
      ++at;
    }
    sentence.push_back(kMtEos);
    out.push_back(std::move(sentence));
  }
  return out;
}

std::vector<std::string> decode_all(const datasets::Tokenizer& tokenizer,
                                    const std::vector<std::vector<int64_t>>& sequences) {
  // One line per sequence: its pieces, then end-of-line (SentencePiece runs as a child process,
  // so one call for the lot).
  std::vector<int> pieces;
  for (const auto& ids : sequences) {
    for (int64_t id : ids) {
      if (id != kMtPad && id != kMtBos && id != kMtEos)
        pieces.push_back(static_cast<int>(id - kMtIdOffset));
    }
    pieces.push_back(tokenizer.eos_id());
  }
  std::vector<std::string> out;
  if (sequences.empty()) return out;
  const std::string text = tokenizer.decode(pieces);
  size_t start = 0;
  for (size_t i = 0; i < sequences.size(); ++i) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      throw std::runtime_error("spm_decode returned " + std::to_string(i) + " lines for " +
                               std::to_string(sequences.size()) + " sequences");
    }
    std::string line = text.substr(start, end - start);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.push_back(std::move(line));
    start = end + 1;
  }
  return out;
}

std::string decode_ids(const datasets::Tokenizer& tokenizer, const std::vector<int64_t>& ids) {
  return decode_all(tokenizer, {ids}).front();
}

MtTask::MtTask(const sigma_reparam::ExperimentSpec& spec) : spec_(spec) {
  const auto& mt = spec.mt();
  corpus_ = load_translation_corpus(spec);
  if (corpus_.train.source.empty() || corpus_.valid.source.empty() || corpus_.test.source.empty()) {
    throw std::runtime_error(corpus_.name + ": every split needs at least one pair (train " +
                             std::to_string(corpus_.train.source.size()) + ", valid " +
                             std::to_string(corpus_.valid.source.size()) + ", test " +
                             std::to_string(corpus_.test.source.size()) + ")");
  }
  datasets::TokenizerOptions options;
  options.vocab_size = mt.vocab_size();
  options.model_type = "bpe";
  tokenizer_ = datasets::Tokenizer::train_or_load(
      corpus_.name + "-joint", joined(corpus_.train.source) + joined(corpus_.train.target),
      options);
  // Training pairs within max_length on both sides (the subset, if set, taken after that).
  EncodedSplit all_train = encode_split(tokenizer_, corpus_.train);
  const size_t limit = static_cast<size_t>(mt.max_length());
  for (size_t i = 0; i < all_train.source.size(); ++i) {
    if (all_train.source[i].size() > limit || all_train.target[i].size() > limit) {
      ++dropped_long_;
      continue;
    }
    if (spec.data().train_subset() > 0 &&
        train_.source.size() >= static_cast<size_t>(spec.data().train_subset())) {
      break;
    }
    train_.source.push_back(std::move(all_train.source[i]));
    train_.target.push_back(std::move(all_train.target[i]));
  }
  sort_by_length(&train_);
  if (train_.source.empty()) {
    throw std::runtime_error(corpus_.name + ": no training pair fits mt.max_length " +
                             std::to_string(mt.max_length()));
  }
  valid_ = encode_split(tokenizer_, corpus_.valid);
  test_ = encode_split(tokenizer_, corpus_.test);
  for (EncodedSplit* split : {&valid_, &test_}) {  // held-out sentences are cut, never dropped
    for (auto* side : {&split->source, &split->target}) {
      for (auto& s : *side) {
        if (s.size() > limit) {
          s.resize(limit);
          s.back() = kMtEos;
        }
      }
    }
  }
  absl::StatusOr<models::EncoderDecoderConfig> config = mt_config(mt, tokenizer_.vocab_size());
  if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
  at::Tensor counts = at::ones({config->vocab_size}, at::kDouble);  // add-one
  double* c = counts.data_ptr<double>();
  for (const auto& target : train_.target) {
    for (int64_t id : target) c[id] += 1;
  }
  counts.index_fill_(0, at::tensor(std::vector<int64_t>{kMtPad, kMtBos}, at::kLong), 0.0);
  unigram_log_prob_ = at::log(counts / counts.sum());
  at::manual_seed(static_cast<uint64_t>(spec.run().seed()));  // model initialisation
  model_ = models::EncoderDecoder(*config);
}

int64_t MtTask::examples_per_epoch() const { return static_cast<int64_t>(train_.source.size()); }

DecodeOptions MtTask::decode_options() const {
  const auto& d = spec_.mt().decoding();
  DecodeOptions o;
  o.beam_size = d.beam_size();
  o.length_penalty = d.length_penalty();
  o.max_length_a = d.max_length_a();
  o.max_length_b = d.max_length_b();
  o.max_length = spec_.mt().max_length();
  o.pad = kMtPad;
  o.bos = kMtBos;
  o.eos = kMtEos;
  o.batch_size = std::max<int64_t>(1, 256 / o.beam_size);
  return o;
}

void MtTask::make_batch(const EncodedSplit& split, const std::vector<int64_t>& index,
                        at::Tensor* source, at::Tensor* target_in, at::Tensor* target_out) const {
  std::vector<const std::vector<int64_t>*> sources, targets;
  std::vector<std::vector<int64_t>> shifted(index.size());
  for (size_t i = 0; i < index.size(); ++i) {
    sources.push_back(&split.source[index[i]]);
    targets.push_back(&split.target[index[i]]);
    shifted[i].push_back(kMtBos);  // bos + target without its end-of-sentence
    shifted[i].insert(shifted[i].end(), targets[i]->begin(), targets[i]->end() - 1);
  }
  std::vector<const std::vector<int64_t>*> shifted_rows;
  for (const auto& s : shifted) shifted_rows.push_back(&s);
  *source = pad_batch(sources, kMtPad);
  *target_out = pad_batch(targets, kMtPad);
  *target_in = pad_batch(shifted_rows, kMtPad);
}

Task::Output MtTask::train_forward(int64_t step, models::AttentionObservation* observation) {
  // Pairs of similar length (train_ is sorted by length).
  at::Generator gen = datasets::make_generator(
      core::mix_seed(static_cast<uint64_t>(spec_.run().seed()) ^ 0x3A7ull, step));
  // Data parallel: this rank's pairs of the global batch.
  const std::vector<int64_t> index = shard_rows(datasets::length_bucketed_batch(
      static_cast<int64_t>(train_.source.size()), spec_.data().batch_size(), gen));
  at::Tensor source, target_in, target_out;
  make_batch(train_, index, &source, &target_in, &target_out);
  at::Tensor logits = model_->forward(source, target_in, observation);
  Output out;
  out.loss = at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), target_out.reshape({-1}),
                                    {}, at::Reduction::Mean, kMtPad, spec_.mt().label_smoothing());
  return out;
}

double MtTask::split_loss(const EncodedSplit& split, size_t n, double* unigram) {
  n = std::min(n, split.source.size());
  double sum = 0, unigram_sum = 0;
  int64_t tokens = 0;
  for (size_t start = 0; start < n; start += 64) {
    std::vector<int64_t> index(std::min<size_t>(64, n - start));
    std::iota(index.begin(), index.end(), static_cast<int64_t>(start));
    at::Tensor source, target_in, target_out;
    make_batch(split, index, &source, &target_in, &target_out);
    at::Tensor logits = model_->forward(source, target_in);
    sum += at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), target_out.reshape({-1}),
                                  {}, at::Reduction::Sum, kMtPad)
               .item<double>();
    const at::Tensor real = target_out.ne(kMtPad);
    tokens += real.sum().item<int64_t>();
    unigram_sum -=
        unigram_log_prob_.index_select(0, target_out.masked_select(real)).sum().item<double>();
  }
  if (unigram != nullptr) *unigram = tokens > 0 ? unigram_sum / static_cast<double>(tokens) : 0.0;
  return tokens > 0 ? sum / static_cast<double>(tokens) : 0.0;
}

std::vector<std::string> MtTask::decode_split(const EncodedSplit& split, size_t n,
                                              const DecodeOptions& options) {
  n = std::min(n, split.source.size());
  const std::vector<std::vector<int64_t>> sources(split.source.begin(), split.source.begin() + n);
  return decode_all(tokenizer_, translate(model_, sources, options));
}

Task::Evaluation MtTask::evaluate() {
  const size_t n = spec_.mt().eval_sentences() > 0
                       ? static_cast<size_t>(spec_.mt().eval_sentences())
                       : valid_.source.size();
  Evaluation e;
  double unigram = 0;
  e.loss = split_loss(valid_, n, &unigram);
  e.metrics["unigram_loss"] = unigram;
  DecodeOptions greedy = decode_options();
  greedy.beam_size = 1;
  greedy.batch_size = 128;
  const std::vector<std::string> hyp = decode_split(valid_, n, greedy);
  const std::vector<std::string> ref(corpus_.valid.target.begin(),
                                     corpus_.valid.target.begin() + hyp.size());
  e.metrics["bleu"] = corpus_bleu(hyp, {ref}).score;
  return e;
}

bool MtTask::test(Evaluation* out) {
  const size_t n = spec_.data().eval_subset() > 0 ? static_cast<size_t>(spec_.data().eval_subset())
                                                  : test_.source.size();
  out->loss = split_loss(test_, n);
  const std::vector<std::string> hyp = decode_split(test_, n, decode_options());
  const std::vector<std::string> src(corpus_.test.source.begin(),
                                     corpus_.test.source.begin() + hyp.size());
  const std::vector<std::string> ref(corpus_.test.target.begin(),
                                     corpus_.test.target.begin() + hyp.size());
  const BleuScore bleu = corpus_bleu(hyp, {ref});
  const BleuScore copy = corpus_bleu(src, {ref});
  out->metrics["bleu"] = bleu.score;
  out->metrics["chrf"] = corpus_chrf(hyp, ref);
  out->metrics["copy_bleu"] = copy.score;
  // These messages share placeholders, names, numbers and technical strings with their
  // translations (identical pairs are dropped when the corpus is read), so copying the source
  // scores well on the whole split. On the pairs whose reference shares under half of its words
  // with the source, copying is not free: BLEU there too, the model's and copying's.
  std::vector<std::string> hyp_t, src_t, ref_t;
  for (size_t i = 0; i < hyp.size(); ++i) {
    if (copied_word_fraction(src[i], ref[i]) >= 0.5) continue;
    hyp_t.push_back(hyp[i]);
    src_t.push_back(src[i]);
    ref_t.push_back(ref[i]);
  }
  const BleuScore bleu_t = corpus_bleu(hyp_t, {ref_t});
  const BleuScore copy_t = corpus_bleu(src_t, {ref_t});
  out->metrics["translated_bleu"] = bleu_t.score;
  out->metrics["translated_copy_bleu"] = copy_t.score;
  out->metrics["translated_pairs"] = static_cast<double>(hyp_t.size());
  const int beam = spec_.mt().decoding().beam_size();
  test_summary_ = absl::StrFormat(
      "test, %d sentences, %s:\n  model  %s  chrF = %.2f\n  copy   %s  (the source as its own "
      "translation)\n  the %d pairs whose reference shares under half its words with the source:\n"
      "  model  %s\n"
      "  copy   %s",
      hyp.size(), beam > 1 ? absl::StrCat("beam ", beam) : "greedy", bleu_line(bleu),
      out->metrics["chrf"], bleu_line(copy), hyp_t.size(), bleu_line(bleu_t), bleu_line(copy_t));
  for (size_t i = 0; i < std::min<size_t>(4, hyp.size()); ++i) {
    absl::StrAppend(&test_summary_, "\n  EN  ", src[i], "\n  DE  ", ref[i], "\n  ->  ", hyp[i]);
  }
  return true;
}

bool MtTask::probe(models::AttentionObservation* observation) {
  std::vector<int64_t> index(std::min<size_t>(4, valid_.source.size()));
  std::iota(index.begin(), index.end(), 0);
  at::Tensor source, target_in, target_out;
  make_batch(valid_, index, &source, &target_in, &target_out);
  model_->forward(source, target_in, observation);
  return true;
}

std::vector<std::string> MtTask::translate_lines(const std::vector<std::string>& lines) {
  std::vector<std::vector<int64_t>> sources = encode_lines(tokenizer_, lines);
  for (auto& s : sources) {
    if (static_cast<int64_t>(s.size()) > spec_.mt().max_length()) {
      s.resize(spec_.mt().max_length());
      s.back() = kMtEos;
    }
  }
  return decode_all(tokenizer_, translate(model_, sources, decode_options()));
}

std::string MtTask::data_summary() const {
  int64_t source_tokens = 0, target_tokens = 0;
  for (const auto& s : train_.source) source_tokens += static_cast<int64_t>(s.size());
  for (const auto& t : train_.target) target_tokens += static_cast<int64_t>(t.size());
  return absl::StrFormat(
      "%s (corpus %s): %d train / %d valid / %d test pairs (%d training pairs over %d tokens "
      "left out); training tokens %d %s, %d %s; joint vocabulary %d pieces",
      corpus_.name, corpus_.fingerprint.empty() ? "-" : corpus_.fingerprint, train_.source.size(),
      valid_.source.size(), test_.source.size(), dropped_long_, spec_.mt().max_length(),
      source_tokens, spec_.mt().source_lang(), target_tokens, spec_.mt().target_lang(),
      tokenizer_.vocab_size());
}

std::vector<sigma_reparam::MetricInfo> MtTask::metrics() const {
  return {
      metric_info("test_bleu", "test BLEU", "BLEU", /*higher_is_better=*/true, /*percent=*/false,
                  /*precision=*/2),
      metric_info("eval_bleu", "validation BLEU (greedy)", "BLEU", true, false, 2),
      metric_info("test_chrf", "test chrF", "chrF", true, false, 2),
      metric_info("test_copy_bleu", "test BLEU of copying the source", "copy BLEU", true, false, 2),
      metric_info(
          "test_translated_bleu",
          "test BLEU where copying is not free (reference shares < 1/2 of its words with the source)",
          "BLEU(tr)", true, false, 2),
      metric_info("test_translated_copy_bleu",
                  "test BLEU of copying the source where copying is not free", "copy BLEU(tr)",
                  true, false, 2),
      metric_info("test_translated_pairs",
                  "test pairs whose reference shares under half its words with the source",
                  "pairs(tr)", true, false, 0),
  };
}

}  // namespace experiments
