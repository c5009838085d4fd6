// Seeded, scaled-down check of the speech claim (docs/method.md claim 4c,
// experiments/speech/sweeps/optimizers.textproto): σReparam + post-LN trained with plain SGD
// (momentum 0.9, a constant lr 0.3) and no warmup learns speech in 250 steps, in each of 2
// seeds: it completes, none of its layers' attention collapses, and its validation character
// error rate falls below 0.7, where a model that outputs only blanks (where every run starts:
// the CTC plateau) scores 1.0. Measured: 0.449 and 0.508 (seeds 0 and 1; the same on every
// OpenBLAS kernel tried), so the threshold sits 0.19 above the worse seed; seed 1 leaves the
// plateau only after step 100, which is why the budget is not smaller. The main spec's model
// (6 blocks of width 128), 2 threads, on a corpus of the default's kind with sentences of up
// to 8 words, which the test writes (about 10 s). The comparison with the AdamW + warmup
// baseline needs the sweep's or the main run's budget (docs/experiments.md, "Speech recognition"):
// this early the baseline has not left the plateau yet.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "analysis/run_reader.h"
#include "datasets/speech_synth.h"
#include "experiments/engine/spec_io.h"
#include "experiments/speech/speech_task.h"
#include "tests/repro/repro_run.h"

namespace {

using sigma_reparam::RunResult;

// A smaller corpus of the default's kind (same sentence sources, voices and splits), written
// once into the test's temporary folder: 3,000 training utterances of 4-8 words where the
// default has 10,000 of 4-12, so that the test needs only the text data sets
// (tools/setup.sh --tests), not the 1.4 GB corpus, and trains on shorter sequences.
const std::string& corpus() {
  static const std::string out = [] {
    datasets::SpeechSynthOptions o;
    o.out = repro::tmp("speech/corpus");
    o.train = 3000;
    o.valid = 100;
    o.test = 10;
    o.test_flite = 10;
    o.max_words = 8;
    if (!std::filesystem::exists(o.out + "/MANIFEST")) datasets::synthesize_speech_corpus(o);
    return o.out;
  }();
  return out;
}

analysis::RunRecord train_seed(int seed) {
  const std::string dir = repro::tmp("speech/sigma_post_ln_sgd_s" + std::to_string(seed));
  auto spec = experiments::load_spec(
      "experiments/speech/specs/sigma_post_ln_sgd.textproto",
      {"run { steps: 250 eval_interval: 0 log_interval: 10 checkpoint_interval: 0 seed: " +
           std::to_string(seed) +
           " } optimizer { lr: 0.3 } schedule { kind: CONSTANT } data { eval_subset: 20 } "
           "speech { eval_utterances: 100 beam_size: 1 }",
       "data { path: '" + corpus() + "' }"});
  EXPECT_TRUE(spec.ok()) << spec.status();
  repro::train_quietly<experiments::SpeechTask>(*spec, dir);
  auto run = analysis::read_run(dir, /*with_metrics=*/true);
  EXPECT_TRUE(run.ok()) << run.status();
  return *run;
}

TEST(SpeechSgdTest, SigmaReparamPostLnTrainsWithSgdWithoutWarmup) {
  for (int seed = 0; seed < 2; ++seed) {
    const analysis::RunRecord run = train_seed(seed);
    const auto& m = run.result.metrics();
    const std::string cer = m.count("eval_cer") ? std::to_string(m.at("eval_cer")) : "-";
    std::cout << "seed " << seed << ": validation CER " << cer << "\n";
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " +
                 RunResult::Status_Name(run.result.status()) + ", validation CER " + cer);
    ASSERT_EQ(run.result.status(), RunResult::COMPLETED);
    EXPECT_LT(m.at("eval_cer"), 0.7)
        << "σReparam + post-LN with SGD should leave the blank plateau";
    EXPECT_LT(run.result.final_loss(), 0.7 * run.metrics.front().loss());
    // No layer's attention collapsed (lowest entropy above 10% of uniform over the visible frames).
    ASSERT_EQ(run.result.lowest_entropy_size(), 6);
    for (const auto& layer : run.result.lowest_entropy()) {
      EXPECT_GT(layer.mean(), 0.1 * layer.uniform()) << "layer " << layer.layer();
    }
  }
}

}  // namespace
