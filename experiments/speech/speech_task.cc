#include "experiments/speech/speech_task.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "core/hash.h"
#include "datasets/audio.h"
#include "datasets/augment.h"
#include "datasets/data_dir.h"
#include "datasets/speech_synth.h"
#include "datasets/log_mel.h"
#include "experiments/engine/metric_format.h"
#include "experiments/speech/ctc.h"
#include "experiments/speech/speech_config.h"

namespace experiments {
namespace {

using sigma_reparam::DataSpec;

// CTC needs at least one output position per label, and one more between repeated labels.
int64_t ctc_min_positions(const std::vector<int64_t>& labels) {
  int64_t n = static_cast<int64_t>(labels.size());
  for (size_t i = 1; i < labels.size(); ++i) n += labels[i] == labels[i - 1];
  return n;
}

// Features of `chosen`, from the cache $SIGMA_DATA/speech-features/<split>-<key>.pt when one
// matches (the key covers every audio file's path, size and time, and the feature settings),
// else computed in parallel (one utterance per task) and cached for the next run. Stored as
// float16 (the features are normalised to unit variance).
std::vector<at::Tensor> cached_features(const std::string& split,
                                        const std::vector<const datasets::Utterance*>& chosen,
                                        const sigma_reparam::SpeechSpec& s) {
  uint64_t key = core::fnv1a64(absl::StrCat("log-mel v1/", s.n_mels(), "/", s.f_max(), "/"));
  std::error_code error;
  for (const datasets::Utterance* u : chosen) {
    const auto size = std::filesystem::file_size(u->audio_path, error);
    const auto time =
        std::filesystem::last_write_time(u->audio_path, error).time_since_epoch().count();
    key = core::fnv1a64(
        absl::StrCat(std::filesystem::absolute(u->audio_path).string(), "|", size, "|", time, "\n"),
        key);
  }
  const std::string dir = datasets::data_dir() + "/speech-features";
  const std::string path = absl::StrFormat("%s/%s-%016x.pt", dir, split, key);
  std::vector<at::Tensor> out;
  if (std::filesystem::exists(path, error)) {
    try {
      torch::serialize::InputArchive archive;
      archive.load_from(path);
      at::Tensor all, frames;
      archive.read("features", all);
      archive.read("frames", frames);
      if (frames.numel() == static_cast<int64_t>(chosen.size())) {
        const at::Tensor f32 = all.to(at::kFloat);
        int64_t at = 0;
        for (int64_t i = 0; i < frames.numel(); ++i) {
          const int64_t n = frames[i].item<int64_t>();
          out.push_back(f32.narrow(0, at, n).clone());
          at += n;
        }
        return out;
      }
    } catch (const std::exception&) {
      out.clear();  // unreadable: computed again below and rewritten
    }
  }
  out.resize(chosen.size());
  at::parallel_for(0, static_cast<int64_t>(chosen.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = speech_features(chosen[i]->audio_path, s);
  });
  // Every run sees the values the cache holds, whether it computed them or read them.
  std::vector<int64_t> frames;
  for (auto& f : out) {
    f = f.to(at::kHalf).to(at::kFloat);
    frames.push_back(f.size(0));
  }
  try {  // a cache that cannot be written only costs the next run this time again
    std::filesystem::create_directories(dir, error);
    torch::serialize::OutputArchive archive;
    archive.write("features", at::cat(out, 0).to(at::kHalf));
    archive.write("frames", at::tensor(frames, at::kLong));
    const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
    archive.save_to(tmp);
    std::filesystem::rename(tmp, path, error);
  } catch (const std::exception&) {
  }
  return out;
}

SpeechData load_split(const std::string& dir, const sigma_reparam::ExperimentSpec& spec,
                      bool training) {
  std::error_code error;
  if (spec.data().dataset() == DataSpec::SPEECH_SYNTH && !std::filesystem::exists(dir, error)) {
    throw std::runtime_error(
        datasets::missing_data_message("the synthetic speech corpus", dir, "speech"));
  }
  const datasets::SpeechSplit split = datasets::read_librispeech_split(dir);
  const auto& s = spec.speech();
  SpeechData data;
  data.name = split.name;
  data.speakers = split.speakers;
  // data.train_subset: N training utterances evenly spaced over the split (every speaker's
  // utterances are consecutive, so the subset keeps the variety of voices).
  std::vector<const datasets::Utterance*> chosen;
  const size_t total = split.utterances.size();
  const size_t subset = training && spec.data().train_subset() > 0
                            ? std::min<size_t>(spec.data().train_subset(), total)
                            : total;
  for (size_t i = 0; i < subset; ++i) chosen.push_back(&split.utterances[i * total / subset]);
  std::vector<at::Tensor> features = cached_features(split.name, chosen, s);
  for (size_t k = 0; k < chosen.size(); ++k) {
    const datasets::Utterance& u = *chosen[k];
    at::Tensor f = std::move(features[k]);
    std::vector<int64_t> labels = datasets::char_labels(u.transcript);
    const int64_t frames = f.size(0);
    if (training &&
        (frames > s.max_seconds() * 100 ||
         models::speech_output_length(frames, s.stride()) < ctc_min_positions(labels))) {
      ++data.left_out;
      continue;
    }
    data.seconds += frames / 100.0;
    data.features.push_back(std::move(f));
    data.labels.push_back(std::move(labels));
    data.transcripts.push_back(u.transcript);
  }
  if (data.size() == 0) throw std::runtime_error(dir + ": no usable utterances");
  return data;
}

// Training utterances in order of length (stable), for batches of similar lengths.
void sort_by_frames(SpeechData* d) {
  std::vector<size_t> order(d->size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return d->features[a].size(0) < d->features[b].size(0);
  });
  SpeechData sorted;
  sorted.name = d->name;
  sorted.seconds = d->seconds;
  sorted.speakers = d->speakers;
  sorted.left_out = d->left_out;
  for (size_t i : order) {
    sorted.features.push_back(d->features[i]);
    sorted.labels.push_back(std::move(d->labels[i]));
    sorted.transcripts.push_back(std::move(d->transcripts[i]));
  }
  *d = std::move(sorted);
}

double error_rate(const std::vector<std::string>& hyp, const std::vector<std::string>& ref,
                  bool words) {
  ErrorCount e;
  for (size_t i = 0; i < hyp.size(); ++i)
    e += words ? word_errors(hyp[i], ref[i]) : char_errors(hyp[i], ref[i]);
  return e.rate();
}

}  // namespace

at::Tensor speech_features(const std::string& audio_path, const sigma_reparam::SpeechSpec& spec) {
  const datasets::Audio audio = datasets::read_audio(audio_path);
  datasets::LogMelOptions options;
  options.n_mels = spec.n_mels();
  options.f_max = std::min(spec.f_max(), audio.sample_rate / 2.0);
  const at::Tensor samples =
      at::from_blob(const_cast<float*>(audio.samples.data()),
                    {static_cast<int64_t>(audio.samples.size())}, at::kFloat);
  return datasets::normalize_utterance(datasets::log_mel(samples, audio.sample_rate, options));
}

std::vector<std::string> ctc_decode(const at::Tensor& logits, const at::Tensor& lengths,
                                    int64_t beam_size) {
  const at::Tensor log_probs = at::log_softmax(logits, -1).to(at::kFloat).contiguous();
  const int64_t B = log_probs.size(0), T = log_probs.size(1), C = log_probs.size(2);
  std::vector<std::string> out;
  for (int64_t b = 0; b < B; ++b) {
    const float* row = log_probs.data_ptr<float>() + b * T * C;
    const int64_t frames = lengths[b].item<int64_t>();
    // Spaces as the transcripts have them: single, none at either end.
    out.push_back(datasets::normalize_transcript(datasets::labels_text(
        beam_size <= 1 ? ctc_greedy(row, frames, C) : ctc_prefix_beam(row, frames, C, beam_size))));
  }
  return out;
}

SpeechTask::SpeechTask(const sigma_reparam::ExperimentSpec& spec) : spec_(spec) {
  const SpeechSplits splits = speech_splits(spec);
  root_ = splits.root;
  // The default synthetic corpus is written on first use (a named data.path is never written).
  if (spec.data().dataset() == DataSpec::SPEECH_SYNTH && spec.data().path().empty()) {
    datasets::ensure_default_speech_corpus(root_);
  }
  train_ = load_split(root_ + "/" + splits.train, spec, /*training=*/true);
  sort_by_frames(&train_);
  valid_ = load_split(root_ + "/" + splits.valid, spec, false);
  test_ = load_split(root_ + "/" + splits.test, spec, false);
  second_test_ = load_split(root_ + "/" + splits.second_test, spec, false);
  absl::StatusOr<models::SpeechCtcConfig> config = speech_config(spec.speech());
  if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
  at::manual_seed(static_cast<uint64_t>(spec.run().seed()));  // model initialisation
  model_ = models::SpeechCtc(*config);
}

void SpeechTask::make_batch(const SpeechData& data, const std::vector<int64_t>& index,
                            at::Tensor* features, at::Tensor* lengths, at::Tensor* targets,
                            at::Tensor* target_lengths) const {
  const int64_t B = static_cast<int64_t>(index.size()), F = spec_.speech().n_mels();
  int64_t T = 0;
  for (int64_t i : index) T = std::max(T, data.features[i].size(0));
  *features = at::zeros({B, T, F}, at::kFloat);
  *lengths = at::empty({B}, at::kLong);
  *target_lengths = at::empty({B}, at::kLong);
  std::vector<int64_t> all;
  for (int64_t b = 0; b < B; ++b) {
    const at::Tensor& f = data.features[index[b]];
    features->select(0, b).narrow(0, 0, f.size(0)).copy_(f);
    lengths->data_ptr<int64_t>()[b] = f.size(0);
    const auto& y = data.labels[index[b]];
    target_lengths->data_ptr<int64_t>()[b] = static_cast<int64_t>(y.size());
    all.insert(all.end(), y.begin(), y.end());
  }
  *targets = at::tensor(all, at::kLong);
}

Task::Output SpeechTask::train_forward(int64_t step, models::AttentionObservation* observation) {
  // Utterances of similar length (train_ is sorted by length).
  at::Generator gen = datasets::make_generator(
      core::mix_seed(static_cast<uint64_t>(spec_.run().seed()) ^ 0x5BEEull, step));
  // Data parallel: this rank's utterances of the global batch (its own SpecAugment masks).
  const std::vector<int64_t> index = shard_rows(datasets::length_bucketed_batch(
      static_cast<int64_t>(train_.size()), spec_.data().batch_size(), gen));
  at::Tensor features, lengths, targets, target_lengths;
  make_batch(train_, index, &features, &lengths, &targets, &target_lengths);
  const auto& aug = spec_.speech().spec_augment();
  if (aug.freq_masks() > 0 || aug.time_masks() > 0) {
    const int64_t F = features.size(2);
    for (int64_t b = 0; b < features.size(0); ++b) {
      const int64_t frames = lengths[b].item<int64_t>();
      for (int i = 0; i < aug.freq_masks(); ++i) {
        const int64_t w = at::randint(0, aug.freq_width() + 1, {1}, gen, at::kLong).item<int64_t>();
        const int64_t f0 = at::randint(0, F - w + 1, {1}, gen, at::kLong).item<int64_t>();
        features.select(0, b).narrow(1, f0, w).zero_();
      }
      for (int i = 0; i < aug.time_masks(); ++i) {
        const int64_t w = std::min<int64_t>(
            frames, at::randint(0, aug.time_width() + 1, {1}, gen, at::kLong).item<int64_t>());
        const int64_t t0 = at::randint(0, frames - w + 1, {1}, gen, at::kLong).item<int64_t>();
        features.select(0, b).narrow(0, t0, w).zero_();
      }
    }
  }
  at::Tensor out_lengths;
  const at::Tensor logits = model_->forward(features, lengths, &out_lengths, observation, &gen);
  const at::Tensor log_probs = at::log_softmax(logits, -1).transpose(0, 1);  // (T', B, C)
  Output out;
  out.loss = at::ctc_loss(log_probs, targets, out_lengths, target_lengths, datasets::kCtcBlank,
                          at::Reduction::Mean, /*zero_infinity=*/true);
  return out;
}

double SpeechTask::run_split(const SpeechData& data, size_t n, int64_t beam,
                             std::vector<std::string>* hypotheses) {
  n = std::min(n, data.size());
  double loss_sum = 0;
  for (size_t start = 0; start < n; start += 16) {
    std::vector<int64_t> index(std::min<size_t>(16, n - start));
    std::iota(index.begin(), index.end(), static_cast<int64_t>(start));
    at::Tensor features, lengths, targets, target_lengths, out_lengths;
    make_batch(data, index, &features, &lengths, &targets, &target_lengths);
    const at::Tensor logits = model_->forward(features, lengths, &out_lengths);
    const at::Tensor log_probs = at::log_softmax(logits, -1).transpose(0, 1);
    const at::Tensor per_utterance =
        at::ctc_loss(log_probs, targets, out_lengths, target_lengths, datasets::kCtcBlank,
                     at::Reduction::None, /*zero_infinity=*/true);
    loss_sum += (per_utterance / target_lengths.to(at::kDouble)).sum().item<double>();
    if (hypotheses != nullptr) {
      for (auto& h : ctc_decode(logits, out_lengths, beam)) hypotheses->push_back(std::move(h));
    }
  }
  return n > 0 ? loss_sum / static_cast<double>(n) : 0.0;
}

Task::Evaluation SpeechTask::evaluate() {
  const size_t n = spec_.speech().eval_utterances() > 0
                       ? static_cast<size_t>(spec_.speech().eval_utterances())
                       : valid_.size();
  Evaluation e;
  std::vector<std::string> hyp;
  e.loss = run_split(valid_, n, /*beam=*/1, &hyp);
  const std::vector<std::string> ref(valid_.transcripts.begin(),
                                     valid_.transcripts.begin() + hyp.size());
  e.metrics["wer"] = error_rate(hyp, ref, true);
  e.metrics["cer"] = error_rate(hyp, ref, false);
  return e;
}

bool SpeechTask::test(Evaluation* out) {
  const size_t n = spec_.data().eval_subset() > 0 ? static_cast<size_t>(spec_.data().eval_subset())
                                                  : std::max(test_.size(), second_test_.size());
  const int64_t beam = spec_.speech().beam_size();
  test_summary_.clear();
  for (auto [data, prefix, what] :
       {std::make_tuple(&test_, "", "held-out voices"),
        std::make_tuple(&second_test_, "second_",
                        spec_.data().dataset() == DataSpec::SPEECH_SYNTH ? "unseen synthesiser"
                                                                         : "second test split")}) {
    std::vector<std::string> hyp;
    const double loss = run_split(*data, n, beam, &hyp);
    const std::vector<std::string> ref(data->transcripts.begin(),
                                       data->transcripts.begin() + hyp.size());
    const double wer = error_rate(hyp, ref, true), cer = error_rate(hyp, ref, false);
    if (std::string(prefix).empty()) out->loss = loss;
    out->metrics[absl::StrCat(prefix, "wer")] = wer;
    out->metrics[absl::StrCat(prefix, "cer")] = cer;
    absl::StrAppendFormat(&test_summary_, "%s%s (%s), %d utterances, %s: WER %.2f%%  CER %.2f%%",
                          test_summary_.empty() ? "" : "\n", data->name, what, hyp.size(),
                          beam > 1 ? absl::StrCat("beam ", beam) : "greedy", 100 * wer, 100 * cer);
    for (size_t i = 0; i < std::min<size_t>(3, hyp.size()); ++i) {
      absl::StrAppend(&test_summary_, "\n  REF  ", ref[i], "\n  HYP  ", hyp[i]);
    }
  }
  return true;
}

bool SpeechTask::probe(models::AttentionObservation* observation) {
  std::vector<int64_t> index(std::min<size_t>(4, valid_.size()));
  std::iota(index.begin(), index.end(), 0);
  at::Tensor features, lengths, targets, target_lengths;
  make_batch(valid_, index, &features, &lengths, &targets, &target_lengths);
  model_->forward(features, lengths, nullptr, observation);
  return true;
}

std::string SpeechTask::data_summary() const {
  std::string s = absl::StrCat("speech corpus ", root_, ":");
  for (const SpeechData* d : {&train_, &valid_, &test_, &second_test_}) {
    absl::StrAppendFormat(&s, " %s %d utterances (%.2f h, %d speakers)%s", d->name, d->size(),
                          d->seconds / 3600, d->speakers, d == &second_test_ ? "" : ",");
    if (d->left_out > 0)
      absl::StrAppendFormat(&s, " [%d left out: too long or too short]", d->left_out);
  }
  absl::StrAppendFormat(&s, "; %d log-mel bins, 29 CTC labels", spec_.speech().n_mels());
  return s;
}

std::vector<sigma_reparam::MetricInfo> SpeechTask::metrics() const {
  const SpeechSplits splits = speech_splits(spec_);
  std::vector<sigma_reparam::MetricInfo> test = {
      metric_info("test_wer", absl::StrCat("test WER (", splits.test, ")"), "WER",
                  /*higher_is_better=*/false, /*percent=*/true, /*precision=*/2),
      metric_info("test_cer", absl::StrCat("test CER (", splits.test, ")"), "CER", false, true, 2)};
  if (spec_.speech().headline() == sigma_reparam::SpeechSpec::CER) std::swap(test[0], test[1]);
  return {
      test[0],
      test[1],
      metric_info("test_second_wer", absl::StrCat("test WER (", splits.second_test, ")"),
                  absl::StrCat("WER ", splits.second_test), false, true, 2),
      metric_info("test_second_cer", absl::StrCat("test CER (", splits.second_test, ")"),
                  absl::StrCat("CER ", splits.second_test), false, true, 2),
      metric_info("eval_wer", "validation WER (greedy)", "WER", false, true, 2),
      metric_info("eval_cer", "validation CER (greedy)", "CER", false, true, 2),
  };
}

}  // namespace experiments
