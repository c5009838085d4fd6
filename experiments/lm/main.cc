// The causal language-model experiment (docs/method.md, claim 4: σReparam works for causal LMs).
// wikitext_lm and wikitext_lm_baseline differ only in their default spec (LM_DEFAULT_SPEC, set in
// experiments/lm/BUILD):
//   bazel run //experiments:wikitext_lm            experiments/lm/specs/sigma_reparam.textproto
//   bazel run //experiments:wikitext_lm_baseline   experiments/lm/specs/baseline.textproto
// Either trains any LM spec (--spec=...). After training, --sample prints continuations of a
// prompt from the run's checkpoint:
//   bazel run //experiments:wikitext_lm -- --sample --prompt="The state of the Union is"
#include <ATen/core/grad_mode.h>
#include <absl/flags/flag.h>
#include <ATen/ATen.h>

#include <iostream>
#include <memory>

#include "experiments/engine/experiment_main.h"
#include "experiments/lm/lm_task.h"
#include "experiments/engine/checkpoint.h"
#include "experiments/engine/spec_io.h"

ABSL_FLAG(bool, sample, false,
          "instead of training: print continuations of --prompt from the run's checkpoint");
ABSL_FLAG(std::string, prompt, "The state of the Union is", "with --sample: the prompt");
ABSL_FLAG(int32_t, sample_tokens, 60, "with --sample: tokens to generate per continuation");
ABSL_FLAG(int32_t, samples, 3, "with --sample: continuations to print");
ABSL_FLAG(double, temperature, 0.8, "with --sample: softmax temperature");
ABSL_FLAG(int32_t, top_k, 40, "with --sample: sample among the k most likely tokens (0: all)");

namespace {

int sample(const std::string& run_dir) {
  auto spec = experiments::load_spec(run_dir + "/spec.textproto");
  if (!spec.ok()) {
    std::cerr << "error: --sample needs a trained run: " << spec.status().message() << "\n";
    return 2;
  }
  std::cout << "loading " << run_dir << " (" << spec->name() << ")..." << std::endl;
  experiments::LmTask task(*spec);
  experiments::load_model_weights(run_dir, task.model());
  task.model().eval();
  at::NoGradGuard no_grad;
  const auto& tok = task.tokenizer();
  const std::vector<int> prompt = tok.encode_line(absl::GetFlag(FLAGS_prompt));
  const int64_t context = spec->lm().context();
  at::Generator gen = at::detail::createCPUGenerator(static_cast<uint64_t>(spec->run().seed()));
  for (int s = 0; s < absl::GetFlag(FLAGS_samples); ++s) {
    std::vector<int> ids = prompt;
    if (ids.empty()) ids.push_back(tok.eos_id());
    for (int t = 0; t < absl::GetFlag(FLAGS_sample_tokens); ++t) {
      const int64_t start = std::max<int64_t>(0, static_cast<int64_t>(ids.size()) - context);
      at::Tensor input =
          at::tensor(std::vector<int64_t>(ids.begin() + start, ids.end()), at::kLong).unsqueeze(0);
      at::Tensor logits = task.lm()->forward(input).select(1, -1).squeeze(0).to(at::kDouble);
      logits = logits / std::max(1e-3, absl::GetFlag(FLAGS_temperature));
      const int k = absl::GetFlag(FLAGS_top_k);
      if (k > 0 && k < logits.size(0)) {
        const double kth = std::get<0>(logits.topk(k)).min().item<double>();
        logits = logits.masked_fill(logits < kth, -INFINITY);
      }
      ids.push_back(static_cast<int>(
          at::multinomial(at::softmax(logits, -1), 1, false, gen).item<int64_t>()));
    }
    std::cout << "--- sample " << s + 1 << "\n" << tok.decode(ids) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  experiments::ExperimentBinary binary;
  binary.default_spec = LM_DEFAULT_SPEC;
  binary.instead_of_training = [](const sigma_reparam::ExperimentSpec& spec,
                                  const std::string& run_dir) {
    if (!absl::GetFlag(FLAGS_sample)) return -1;
    if (!spec.has_lm()) {
      std::cerr << "error: --sample needs a language-model spec\n";
      return 2;
    }
    try {
      return sample(run_dir);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
  };
  return experiments::experiment_main(argc, argv, binary);
}
