// Seeded, scaled-down check of the translation claim's rule (experiments/mt/sweeps/depth.textproto,
// analysis/series.h): at the sweep's settings (AdamW lr 1e-2 without warmup, width 32) for 250 of
// its 600 steps, plain post-LN fails (diverges, collapses, or its validation loss stays at the
// unigram plateau) in at least 2 of 3 seeds, while σReparam + post-LN trains in all 3: it
// completes, keeps its attention above the collapse line and gets below the plateau. The depth is
// the sweep's shallowest (6L-6L), where plain post-LN already fails here (docs/results.md,
// "Deep post-LN translation").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/run_reader.h"
#include "analysis/series.h"
#include "experiments/engine/spec_io.h"
#include "experiments/mt/mt_task.h"
#include "tests/repro/repro_run.h"

namespace {

using sigma_reparam::RunResult;

// Trains `spec_file` with the depth sweep's overrides (fewer held-out sentences) as a run of the
// series `series` at x 6, and reads its record back.
analysis::RunRecord train_spec(const std::string& spec_file, const std::string& series, int seed) {
  const std::string dir = repro::tmp("mt/" + series + std::to_string(seed));
  auto spec = experiments::load_spec(
      spec_file,
      {"run { steps: 250 eval_interval: 0 log_interval: 10 checkpoint_interval: 0 seed: " +
           std::to_string(seed) +
           " } optimizer { lr: 1e-2 } data { batch_size: 32 eval_subset: 50 } "
           "mt { transformer { width: 32 heads: 2 } eval_sentences: 100 decoding { beam_size: 1 } }",
       "sweep_run { sweep: \"mt_repro\" variant: \"" + series +
           "\" lr: 0.01 seed: " + std::to_string(seed) + " series: \"" + series + "\" x: 6 }"});
  EXPECT_TRUE(spec.ok()) << spec.status();
  repro::train_quietly<experiments::MtTask>(*spec, dir);
  auto run = analysis::read_run(dir, /*with_metrics=*/true);
  EXPECT_TRUE(run.ok()) << run.status();
  return *run;
}

TEST(MtDepthTest, PostLnFailsWhereSigmaReparamPostLnTrains) {
  std::vector<analysis::RunRecord> runs;
  for (int seed = 0; seed < 3; ++seed) {
    runs.push_back(train_spec("experiments/mt/specs/post_ln.textproto", "post_ln", seed));
    runs.push_back(
        train_spec("experiments/mt/specs/sigma_post_ln.textproto", "sigma_post_ln", seed));
  }
  const analysis::SeriesSummary s =
      analysis::summarize_series(runs, 0.1, 0.95, "eval_unigram_loss");
  int post_failed = 0;
  for (const auto& run : runs) {
    const auto& m = run.result.metrics();
    SCOPED_TRACE(run.result.identity().series() + " seed " +
                 std::to_string(run.result.identity().seed()) + ": " +
                 RunResult::Status_Name(run.result.status()) + ", eval loss " +
                 (m.count("eval_loss") ? std::to_string(m.at("eval_loss")) : "-") + ", unigram " +
                 (m.count("eval_unigram_loss") ? std::to_string(m.at("eval_unigram_loss")) : "-") +
                 ", lowest entropy " + std::to_string(run.result.min_entropy()));
    const bool failed = analysis::run_failed(run, s);
    if (run.result.identity().series() == "post_ln") {
      post_failed += failed;
    } else {
      EXPECT_FALSE(failed) << "σReparam + post-LN should train";
      EXPECT_EQ(run.result.status(), RunResult::COMPLETED);
      EXPECT_LT(m.at("eval_loss"), m.at("eval_unigram_loss") - 0.2)
          << "σReparam + post-LN should get clearly below the unigram plateau";
    }
  }
  EXPECT_GE(post_failed, 2) << "plain post-LN should fail in at least 2 of 3 seeds";
}

}  // namespace
