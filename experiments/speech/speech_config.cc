#include "experiments/speech/speech_config.h"

#include <absl/strings/str_cat.h>

#include "datasets/data_dir.h"
#include "datasets/speech_corpus.h"
#include "experiments/engine/model_config.h"
#include "experiments/engine/spec_io.h"

namespace experiments {

using sigma_reparam::DataSpec;
using sigma_reparam::SpeechSpec;

absl::StatusOr<models::SpeechCtcConfig> speech_config(const SpeechSpec& s) {
  absl::StatusOr<models::TransformerConfig> transformer = transformer_config(s.transformer());
  if (!transformer.ok()) return transformer.status();
  models::SpeechCtcConfig c;
  c.transformer = *transformer;
  c.features = s.n_mels();
  c.kernel = s.kernel();
  c.stride = s.stride();
  c.labels = datasets::kCtcLabels;
  c.positions = s.positions() == SpeechSpec::SINUSOIDAL ? models::PositionKind::kSinusoidal
                                                        : models::PositionKind::kCape;
  c.cape.max_global_shift = s.cape_max_global_shift();
  c.cape.max_local_shift = s.cape_max_local_shift();
  c.cape.max_global_scale = s.cape_max_global_scale();
  return c;
}

SpeechSplits speech_splits(const sigma_reparam::ExperimentSpec& spec) {
  const auto& s = spec.speech();
  const bool libri = spec.data().dataset() == DataSpec::LIBRISPEECH;
  SpeechSplits out;
  out.root = !spec.data().path().empty() ? spec.data().path() : datasets::data_dir() + "/speech";
  const auto pick = [libri](const std::string& set, const char* synth, const char* librispeech) {
    return !set.empty() ? set : std::string(libri ? librispeech : synth);
  };
  out.train = pick(s.train_split(), "train", "train-clean-100");
  out.valid = pick(s.valid_split(), "valid", "dev-clean");
  out.test = pick(s.test_split(), "test", "test-clean");
  out.second_test = pick(s.second_test_split(), "test-flite", "test-other");
  return out;
}

void check_speech_spec(const sigma_reparam::ExperimentSpec& spec, SpecChecker& c) {
  const auto& s = spec.speech();
  check_transformer(s.transformer(), "speech.transformer", c);
  c.status(speech_config(s).status(), "speech.transformer");
  c.expect(s.n_mels() >= 8 && s.n_mels() <= 256, "speech.n_mels",
           absl::StrCat(s.n_mels(), " must be in [8, 256]"));
  c.expect(
      s.f_max() > 0 && s.f_max() <= 8000, "speech.f_max",
      absl::StrCat(s.f_max(), " Hz must be in (0, 8000] (half of 16 kHz, LibriSpeech's rate)"));
  c.expect(s.kernel() >= 1, "speech.kernel", absl::StrCat(s.kernel(), " must be >= 1"));
  c.expect(s.stride() >= 1 && s.stride() <= s.kernel(), "speech.stride",
           absl::StrCat(s.stride(), " must be in [1, kernel]"));
  c.expect(s.positions() != SpeechSpec::POSITIONS_UNSPECIFIED, "speech.positions",
           "must be SINUSOIDAL or CAPE");
  c.expect(s.cape_max_global_shift() >= 0, "speech.cape_max_global_shift", "must be >= 0");
  c.expect(s.cape_max_local_shift() >= 0, "speech.cape_max_local_shift", "must be >= 0");
  c.expect(s.cape_max_global_scale() >= 1, "speech.cape_max_global_scale", "must be >= 1");
  const auto& a = s.spec_augment();
  c.expect(a.freq_masks() >= 0 && a.time_masks() >= 0, "speech.spec_augment",
           "mask counts must be >= 0");
  c.expect(a.freq_width() >= 1 && a.freq_width() < s.n_mels(), "speech.spec_augment.freq_width",
           absl::StrCat(a.freq_width(), " must be in [1, n_mels)"));
  c.expect(a.time_width() >= 1, "speech.spec_augment.time_width", "must be >= 1");
  c.expect(s.max_seconds() > 0, "speech.max_seconds",
           absl::StrCat(s.max_seconds(), " must be > 0"));
  c.expect(s.eval_utterances() >= 0, "speech.eval_utterances", "must be >= 0");
  c.expect(s.beam_size() >= 1, "speech.beam_size", absl::StrCat(s.beam_size(), " must be >= 1"));
  c.expect(s.headline() != SpeechSpec::METRIC_UNSPECIFIED, "speech.headline", "must be WER or CER");
  const auto d = spec.data().dataset();
  c.expect(d == DataSpec::SPEECH_SYNTH || d == DataSpec::LIBRISPEECH, "data.dataset",
           absl::StrCat(DataSpec::Dataset_Name(d),
                        " is not speech: the speech family needs SPEECH_SYNTH or LIBRISPEECH"));
  if (d == DataSpec::LIBRISPEECH) {
    c.expect(!spec.data().path().empty(), "data.path",
             "must name the LibriSpeech folder (the one holding train-clean-100, dev-clean, ...)");
  }
}

}  // namespace experiments
