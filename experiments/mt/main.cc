// The deep post-LN translation experiment (docs/method.md, the MT claim: σReparam + post-LN
// trains deep encoder-decoders where plain post-LN fails). wmt_sigma and wmt_postln differ only
// in their default spec (MT_DEFAULT_SPEC, set in experiments/mt/BUILD):
//   bazel run //experiments:wmt_sigma     experiments/mt/specs/sigma_post_ln.textproto
//   bazel run //experiments:wmt_postln    experiments/mt/specs/post_ln.textproto
// Either trains any translation spec (--spec=...). After training, --translate prints
// translations of English sentences (one per line, from --input or stdin) from the run's
// checkpoint:
//   echo "Open the file" | bazel run //experiments:wmt_sigma -- --translate
#include <ATen/core/grad_mode.h>
#include <absl/flags/flag.h>
#include <absl/strings/str_format.h>
#include <ATen/ATen.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "experiments/engine/checkpoint.h"
#include "experiments/engine/experiment_main.h"
#include "experiments/engine/spec_io.h"
#include "experiments/mt/bleu.h"
#include "experiments/mt/mt_task.h"

ABSL_FLAG(bool, translate, false,
          "instead of training: translate English sentences (one per line) from the run's "
          "checkpoint and print them");
ABSL_FLAG(std::string, input, "-", "with --translate: a file of sentences, or - for stdin");
ABSL_FLAG(int32_t, beam_size, 0, "with --translate: beam size (0: the spec's mt.decoding)");
ABSL_FLAG(double, length_penalty, -1,
          "with --translate: the beam's length penalty (-1: the spec's mt.decoding)");
ABSL_FLAG(std::string, score_split, "",
          "with --translate: instead of reading sentences, translate the corpus split `valid` or "
          "`test` and print its BLEU and chrF beside copying's (to compare decoding settings)");

namespace {

// The run's model with its checkpoint's weights, in eval mode.
std::unique_ptr<experiments::MtTask> load_trained(const sigma_reparam::ExperimentSpec& spec,
                                                  const std::string& run_dir) {
  std::cerr << "loading " << run_dir << " (" << spec.name() << ")..." << std::endl;
  auto task = std::make_unique<experiments::MtTask>(spec);
  experiments::load_model_weights(run_dir, task->model());
  task->model().eval();
  return task;
}

// Translates a whole split of the corpus with the (possibly overridden) decoding and prints its
// BLEU (sacreBLEU's line), chrF and copying's BLEU.
int score_split(const sigma_reparam::ExperimentSpec& spec, const std::string& run_dir,
                const std::string& split) {
  auto task = load_trained(spec, run_dir);
  at::NoGradGuard no_grad;
  const datasets::ParallelSplit& pairs =
      split == "valid" ? task->corpus().valid : task->corpus().test;
  const std::vector<std::string> hyp = task->translate_lines(pairs.source);
  const auto& d = spec.mt().decoding();
  std::cout << split << ", " << hyp.size() << " sentences, beam " << d.beam_size()
            << ", length penalty " << d.length_penalty() << ":\n  model  "
            << experiments::bleu_line(experiments::corpus_bleu(hyp, {pairs.target}))
            << "  chrF = " << absl::StrFormat("%.2f", experiments::corpus_chrf(hyp, pairs.target))
            << "\n  copy   "
            << experiments::bleu_line(experiments::corpus_bleu(pairs.source, {pairs.target}))
            << "\n";
  return 0;
}

int translate(const std::string& run_dir) {
  auto spec = experiments::load_spec(run_dir + "/spec.textproto");
  if (!spec.ok()) {
    std::cerr << "error: --translate needs a trained run: " << spec.status().message() << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_beam_size) > 0) {
    spec->mutable_mt()->mutable_decoding()->set_beam_size(absl::GetFlag(FLAGS_beam_size));
  }
  if (absl::GetFlag(FLAGS_length_penalty) >= 0) {
    spec->mutable_mt()->mutable_decoding()->set_length_penalty(absl::GetFlag(FLAGS_length_penalty));
  }
  const std::string split = absl::GetFlag(FLAGS_score_split);
  if (!split.empty()) {
    if (split != "valid" && split != "test") {
      std::cerr << "error: --score_split=" << split << ": expected valid or test\n";
      return 2;
    }
    return score_split(*spec, run_dir, split);
  }
  const std::string input = absl::GetFlag(FLAGS_input);
  std::ifstream file;
  if (input != "-") {
    file.open(input);
    if (!file) {
      std::cerr << "error: --input=" << input << ": cannot read the file\n";
      return 2;
    }
  }
  std::istream& in = input == "-" ? std::cin : file;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  auto task = load_trained(*spec, run_dir);
  at::NoGradGuard no_grad;
  for (const std::string& out : task->translate_lines(lines)) std::cout << out << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  experiments::ExperimentBinary binary;
  binary.default_spec = MT_DEFAULT_SPEC;
  binary.instead_of_training = [](const sigma_reparam::ExperimentSpec& spec,
                                  const std::string& run_dir) {
    if (!absl::GetFlag(FLAGS_translate)) return -1;
    if (!spec.has_mt()) {
      std::cerr << "error: --translate needs a translation spec\n";
      return 2;
    }
    try {
      return translate(run_dir);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
  };
  return experiments::experiment_main(argc, argv, binary);
}
