// Writes the default speech corpus (datasets/speech_synth.h) into $SIGMA_DATA/speech; run by
// tools/setup.sh. Idempotent: an existing complete corpus is left alone unless --force.
//   bazel run //datasets:make_speech_corpus -- --out=/tmp/speech --train=100
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "datasets/data_dir.h"
#include "datasets/speech_synth.h"

ABSL_FLAG(std::string, out, "", "corpus folder (default $SIGMA_DATA/speech)");
ABSL_FLAG(std::string, text_dir, "", "sentence source, *.txt (default $SIGMA_DATA/sotu)");
ABSL_FLAG(uint64_t, seed, 1, "sentence, voice, speed and pitch choices");
ABSL_FLAG(int64_t, train, 10000, "training utterances");
ABSL_FLAG(int64_t, valid, 200, "validation utterances (held-out sentences, training voices)");
ABSL_FLAG(int64_t, test, 300, "test utterances (held-out sentences and voices)");
ABSL_FLAG(int64_t, test_flite, 300, "flite test utterances (held-out sentences, flite voices)");
ABSL_FLAG(int32_t, jobs, 2, "synthesiser processes at a time");
ABSL_FLAG(bool, force, false, "write the corpus again even if it is complete");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Writes the synthetic speech corpus (espeak-ng and flite voices "
      "reading State of the Union sentences) in LibriSpeech's layout.");
  absl::ParseCommandLine(argc, argv);
  datasets::SpeechSynthOptions o;
  o.out = absl::GetFlag(FLAGS_out).empty() ? datasets::data_dir() + "/speech"
                                           : absl::GetFlag(FLAGS_out);
  o.text_dir = absl::GetFlag(FLAGS_text_dir);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.train = absl::GetFlag(FLAGS_train);
  o.valid = absl::GetFlag(FLAGS_valid);
  o.test = absl::GetFlag(FLAGS_test);
  o.test_flite = absl::GetFlag(FLAGS_test_flite);
  o.jobs = absl::GetFlag(FLAGS_jobs);
  for (int64_t n : {o.train, o.valid, o.test, o.test_flite}) {
    if (n < 1) {
      std::cerr << "error: --train, --valid, --test and --test_flite must be >= 1\n";
      return 2;
    }
  }
  if (std::filesystem::exists(o.out + "/MANIFEST") && !absl::GetFlag(FLAGS_force)) {
    std::cout << "speech corpus present in " << o.out << " (--force writes it again)\n";
    return 0;
  }
  const int64_t total = o.train + o.valid + o.test + o.test_flite;
  std::cout << "writing " << total << " utterances to " << o.out << " (seed " << o.seed << ")"
            << std::endl;
  const auto start = std::chrono::steady_clock::now();
  try {
    datasets::synthesize_speech_corpus(o, [&](int64_t done, int64_t all) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("  %lld/%lld utterances, %.0f s\n", static_cast<long long>(done),
                  static_cast<long long>(all), s);
      std::fflush(stdout);
    });
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
