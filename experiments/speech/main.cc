// The speech recognition experiment (docs/method.md, the ASR claim: σReparam + post-LN trains a
// CTC Transformer with SGD and no warmup). librispeech and librispeech_baseline differ only in
// their default spec (SPEECH_DEFAULT_SPEC, set in experiments/speech/BUILD):
//   bazel run //experiments:librispeech            specs/sigma_post_ln_sgd.textproto
//   bazel run //experiments:librispeech_baseline   specs/post_ln_adam_warmup.textproto
// Either trains any speech spec (--spec=...). After training, --transcribe decodes WAV or FLAC
// files with the run's checkpoint:
//   bazel run //experiments:librispeech -- --transcribe=/path/to/utterance.flac
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <absl/flags/flag.h>
#include <absl/strings/str_split.h>

#include <iostream>
#include <string>
#include <vector>

#include "core/paths.h"
#include "experiments/engine/checkpoint.h"
#include "experiments/engine/experiment_main.h"
#include "experiments/engine/spec_io.h"
#include "experiments/speech/speech_config.h"
#include "experiments/speech/speech_task.h"

ABSL_FLAG(std::string, transcribe, "",
          "instead of training: decode these audio files (WAV, FLAC; comma-separated) with the "
          "run's checkpoint and print one transcript per file");
ABSL_FLAG(int32_t, beam_size, 0, "with --transcribe: beam size (0: the spec's speech.beam_size)");

namespace {

int transcribe(const std::string& run_dir) {
  auto spec = experiments::load_spec(run_dir + "/spec.textproto");
  if (!spec.ok()) {
    std::cerr << "error: --transcribe needs a trained run: " << spec.status().message() << "\n";
    return 2;
  }
  auto config = experiments::speech_config(spec->speech());
  if (!config.ok()) {
    std::cerr << "error: " << config.status().message() << "\n";
    return 2;
  }
  models::SpeechCtc model(*config);
  experiments::load_model_weights(run_dir, *model);
  model->eval();
  at::NoGradGuard no_grad;
  const int beam = absl::GetFlag(FLAGS_beam_size) > 0 ? absl::GetFlag(FLAGS_beam_size)
                                                      : spec->speech().beam_size();
  for (const std::string& path :
       std::vector<std::string>(absl::StrSplit(absl::GetFlag(FLAGS_transcribe), ','))) {
    // Relative paths are taken from the workspace, as --spec's.
    const at::Tensor f = experiments::speech_features(core::resolve_input(path), spec->speech());
    at::Tensor out_lengths;
    const at::Tensor logits =
        model->forward(f.unsqueeze(0), at::tensor({f.size(0)}, at::kLong), &out_lengths);
    std::cout << path << "\t" << experiments::ctc_decode(logits, out_lengths, beam).front() << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  experiments::ExperimentBinary binary;
  binary.default_spec = SPEECH_DEFAULT_SPEC;
  binary.instead_of_training = [](const sigma_reparam::ExperimentSpec& spec,
                                  const std::string& run_dir) {
    if (absl::GetFlag(FLAGS_transcribe).empty()) return -1;
    if (!spec.has_speech()) {
      std::cerr << "error: --transcribe needs a speech spec\n";
      return 2;
    }
    try {
      return transcribe(run_dir);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
  };
  return experiments::experiment_main(argc, argv, binary);
}
