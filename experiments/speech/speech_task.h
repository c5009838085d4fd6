// The speech recognition experiment as a trainer Task (docs/method.md, the ASR claim: σReparam +
// post-LN trains with SGD and no warmup): utterances of a LibriSpeech-layout corpus (the
// synthetic espeak-ng/flite corpus by default), normalised log-mel features computed once,
// length-bucketed random batches, the CTC loss over the 29 character labels, validation loss,
// WER and CER (greedy) during training, and test WER and CER (prefix beam search) on two test
// splits at the end: held-out voices and, by default, another synthesiser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/speech_corpus.h"
#include "experiments/engine/task.h"
#include "models/speech_ctc.h"

namespace experiments {

// A split's utterances, ready for the model.
struct SpeechData {
  std::string name;
  std::vector<at::Tensor> features;          // (frames, n_mels), normalised
  std::vector<std::vector<int64_t>> labels;  // CTC labels of the transcript
  std::vector<std::string> transcripts;
  double seconds = 0;
  int64_t speakers = 0;
  int64_t left_out = 0;  // training utterances too long, or too short for their transcript
  size_t size() const { return features.size(); }
};

// Normalised log-mel features of an audio file, as the model reads them. (frames, n_mels)
at::Tensor speech_features(const std::string& audio_path, const sigma_reparam::SpeechSpec& spec);

// Decoded transcripts of a batch: logits (B, T', C) and output lengths (B); beam 1 is greedy.
std::vector<std::string> ctc_decode(const at::Tensor& logits, const at::Tensor& lengths,
                                    int64_t beam_size);

class SpeechTask : public Task {
 public:
  explicit SpeechTask(const sigma_reparam::ExperimentSpec& spec);

  torch::nn::Module& model() override { return *model_; }
  int64_t examples_per_epoch() const override { return static_cast<int64_t>(train_.size()); }
  Output train_forward(int64_t step, models::AttentionObservation* observation) override;
  // CTC loss per character, WER and CER (greedy) on the first speech.eval_utterances
  // validation utterances.
  Evaluation evaluate() override;
  // WER and CER of prefix beam search on the test split and the second test split. The
  // headline is test WER (test CER with speech.headline CER).
  bool test(Evaluation* out) override;
  bool probe(models::AttentionObservation* observation) override;  // 4 validation utterances
  std::vector<sigma_reparam::MetricInfo> metrics() const override;
  std::string test_summary() const override { return test_summary_; }
  std::string data_summary() const override;

 private:
  // Features (B, T, F), lengths (B), concatenated targets and their lengths of `index`.
  void make_batch(const SpeechData& data, const std::vector<int64_t>& index, at::Tensor* features,
                  at::Tensor* lengths, at::Tensor* targets, at::Tensor* target_lengths) const;
  // Mean CTC loss per character and the decoded transcripts of `data`'s first n utterances.
  double run_split(const SpeechData& data, size_t n, int64_t beam,
                   std::vector<std::string>* hypotheses);

  sigma_reparam::ExperimentSpec spec_;
  std::string root_;
  SpeechData train_, valid_, test_, second_test_;
  models::SpeechCtc model_{nullptr};
  std::string test_summary_;
};

}  // namespace experiments
