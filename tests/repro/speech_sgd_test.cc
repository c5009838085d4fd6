// Seeded, scaled-down check of the speech claim (docs/method.md claim 4c,
// experiments/speech/sweeps/optimizers.textproto): σReparam + post-LN trained with plain SGD
// (momentum 0.9) and no warmup learns the synthetic speech corpus (its attention does not
// collapse, its validation character error rate falls far below the 100% of a model that
// outputs blanks), and ends no more than 1.25x the character error rate of the post-LN baseline
// trained with AdamW and warmup for the same 200 steps. The main spec's model (6 blocks of width
// 128), 2 threads.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "analysis/run_reader.h"
#include "experiments/engine/spec_io.h"
#include "experiments/engine/trainer.h"
#include "experiments/speech/speech_task.h"

namespace {

using sigma_reparam::RunResult;

std::string tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

analysis::RunRecord train_spec(const std::string& spec_file, const std::string& extra) {
  const std::string dir = tmp("speech/" + spec_file.substr(spec_file.rfind('/') + 1));
  auto spec = experiments::load_spec(
      spec_file, {"run { steps: 200 eval_interval: 0 log_interval: 10 checkpoint_interval: 0 "
                  "seed: 0 } data { eval_subset: 20 } speech { eval_utterances: 100 beam_size: 1 }",
                  extra});
  EXPECT_TRUE(spec.ok()) << spec.status();
  at::set_num_threads(2);
  experiments::SpeechTask task(*spec);
  experiments::RunOptions options;
  options.run_dir = dir;
  options.progress = false;
  experiments::train(*spec, task, options);
  auto run = analysis::read_run(dir, /*with_metrics=*/true);
  EXPECT_TRUE(run.ok()) << run.status();
  return *run;
}

TEST(SpeechSgdTest, SigmaReparamPostLnTrainsWithSgdWithoutWarmup) {
  const analysis::RunRecord sigma =
      train_spec("experiments/speech/specs/sigma_post_ln_sgd.textproto", "");
  const analysis::RunRecord adam = train_spec(
      "experiments/speech/specs/post_ln_adam_warmup.textproto", "schedule { warmup_steps: 20 }");
  const auto& s = sigma.result.metrics();
  const auto& a = adam.result.metrics();
  ASSERT_EQ(sigma.result.status(), RunResult::COMPLETED);
  ASSERT_EQ(adam.result.status(), RunResult::COMPLETED);
  SCOPED_TRACE("validation CER: σReparam + post-LN + SGD " + std::to_string(s.at("eval_cer")) +
               ", post-LN + AdamW + warmup " + std::to_string(a.at("eval_cer")));
  EXPECT_LT(s.at("eval_cer"), 0.7) << "σReparam + post-LN with SGD should learn characters";
  EXPECT_LE(s.at("eval_cer"), 1.25 * a.at("eval_cer"));
  // No layer's attention collapsed (lowest entropy above 10% of uniform over the visible frames).
  for (const auto& layer : sigma.result.lowest_entropy()) {
    EXPECT_GT(layer.mean(), 0.1 * layer.uniform()) << "layer " << layer.layer();
  }
}

}  // namespace
