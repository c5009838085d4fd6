// Series sweeps (analysis/series.h) and the rule "the method trains where the baseline fails"
// (analysis/report.h) on synthetic records: failure by divergence, by collapse (entropy relative
// to each layer's uniform reference) and by not learning; the verdict comes out each way.
#include "analysis/series.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "analysis/report.h"
#include "experiments/engine/metric_format.h"

namespace analysis {
namespace {

using sigma_reparam::RunResult;

// A run of `series` at depth x: first loss 8, final loss `loss`; its decoder cross-attention
// reaches `cross` of a uniform entropy of log 10.
RunRecord depth_run(const std::string& series, double x, int seed, double loss, double cross,
                    RunResult::Status status = RunResult::COMPLETED) {
  RunRecord r;
  auto* id = r.result.mutable_identity();
  id->set_sweep("depth");
  id->set_variant(series + "_" + std::to_string(static_cast<int>(x)));
  id->set_lr(1e-3);
  id->set_seed(seed);
  id->set_series(series);
  id->set_x(x);
  r.spec.mutable_run()->set_seed(seed);
  r.result.set_status(status);
  r.result.set_final_loss(loss);
  auto* e = r.result.add_lowest_entropy();
  e->set_stack("encoder");
  e->set_kind("self");
  e->set_mean(1.5);
  e->set_uniform(std::log(12.0));
  e = r.result.add_lowest_entropy();
  e->set_stack("decoder");
  e->set_kind("cross");
  e->set_mean(cross);
  e->set_uniform(std::log(10.0));
  *r.result.mutable_headline() =
      experiments::metric_info("test_bleu", "test BLEU", "BLEU", true, false, 2);
  if (status == RunResult::COMPLETED) (*r.result.mutable_metrics())["test_bleu"] = 30 - 3 * loss;
  sigma_reparam::StepMetrics first;
  first.set_step(1);
  first.set_loss(8.0);
  r.metrics.push_back(first);
  return r;
}

std::vector<RunRecord> depth_sweep(double sigma_deep_loss) {
  std::vector<RunRecord> runs;
  for (int seed = 0; seed < 2; ++seed) {
    runs.push_back(depth_run("post_ln", 6, seed, 4.0, 1.0));
    // Deep post-LN: one seed diverges, the other collapses (cross attention at 2% of uniform).
    runs.push_back(seed == 0 ? depth_run("post_ln", 50, seed, 0, 1.0, RunResult::DIVERGED)
                             : depth_run("post_ln", 50, seed, 5.0, 0.02 * std::log(10.0)));
    runs.push_back(depth_run("sigma_post_ln", 6, seed, 4.2, 1.2));
    runs.push_back(depth_run("sigma_post_ln", 50, seed, sigma_deep_loss, 1.1));
  }
  return runs;
}

sigma_reparam::ClaimCheck depth_claim() {
  sigma_reparam::ClaimCheck check;
  check.set_claim("MT");
  check.set_rule(sigma_reparam::ClaimCheck::TRAINS_WHERE_BASELINE_FAILS);
  check.set_baseline("post_ln");
  check.set_method("sigma_post_ln");
  check.set_ratio(0.95);
  return check;
}

TEST(SeriesTest, SummarisesPerSeriesAndX) {
  const auto runs = depth_sweep(4.5);
  ASSERT_TRUE(is_series_sweep(runs));
  const SeriesSummary s = summarize_series(runs, 0.1, 0.95);
  ASSERT_EQ(s.curves.size(), 2u);
  EXPECT_EQ(s.xs, (std::vector<double>{6, 50}));
  EXPECT_EQ(s.stacks, (std::vector<std::string>{"decoder cross", "encoder self"}));
  const SeriesPoint* deep = s.point("post_ln", 50);
  ASSERT_NE(deep, nullptr);
  EXPECT_EQ(deep->failed, 2);
  EXPECT_EQ(deep->summary.diverged, 1);
  EXPECT_NEAR(deep->final_loss, 5.0, 1e-12);  // the completed seed only
  EXPECT_EQ(s.point("post_ln", 6)->failed, 0);
  EXPECT_EQ(s.point("sigma_post_ln", 50)->failed, 0);
  EXPECT_NEAR(s.point("post_ln", 6)->lowest_entropy.at("decoder cross"), 1.0 / std::log(10.0),
              1e-12);
  const std::string md = series_markdown(s, "layers");
  EXPECT_NE(md.find("layers 50"), std::string::npos) << md;
  EXPECT_NE(md.find("failed 2/2 (1 diverged)"), std::string::npos) << md;
  // The figure is drawn (PLplot, PNG).
  const std::string file = ::testing::TempDir() + "/series.png";
  draw_series_figure(s, "layers per stack", "pngcairo", file);
  EXPECT_GT(std::filesystem::file_size(file), 1000u);
}

TEST(SeriesTest, TheClaimFollowsItsRule) {
  {
    const auto runs = depth_sweep(4.5);
    const ClaimResult c =
        judge_claim(depth_claim(), summarize_sweep(runs, 0.1), runs, true, "depth");
    EXPECT_EQ(c.verdict, Verdict::kHeld) << c.ours;
    EXPECT_NE(c.ours.find("depth 50: `post_ln` failed 2/2"), std::string::npos) << c.ours;
  }
  {
    // σReparam did not learn at depth 50 either (final loss 7.8 >= 0.95 x 8): no depth
    // separates them, not held.
    const auto runs = depth_sweep(7.8);
    const ClaimResult c =
        judge_claim(depth_claim(), summarize_sweep(runs, 0.1), runs, true, "depth");
    EXPECT_EQ(c.verdict, Verdict::kNotHeld) << c.ours;
  }
  {
    // The baseline trains everywhere: not held.
    auto runs = depth_sweep(4.5);
    for (auto& r : runs) {
      if (r.result.identity().series() == "post_ln")
        r = depth_run("post_ln", r.result.identity().x(), r.spec.run().seed(), 4.0, 1.0);
    }
    const ClaimResult c =
        judge_claim(depth_claim(), summarize_sweep(runs, 0.1), runs, true, "depth");
    EXPECT_EQ(c.verdict, Verdict::kNotHeld) << c.ours;
  }
  {
    // With the plateau metric, deep σReparam whose validation loss stays at the unigram
    // reference did not learn: not held.
    auto runs = depth_sweep(4.5);
    for (auto& r : runs) {
      auto& m = *r.result.mutable_metrics();
      m["eval_unigram_loss"] = 6.0;
      m["eval_loss"] = r.result.identity().x() == 50 ? 6.1 : 4.0;
    }
    sigma_reparam::ClaimCheck check = depth_claim();
    const ClaimResult without = judge_claim(check, summarize_sweep(runs, 0.1), runs, true, "depth");
    EXPECT_EQ(without.verdict, Verdict::kHeld) << without.ours;
    check.set_plateau_metric("eval_unigram_loss");
    const ClaimResult with = judge_claim(check, summarize_sweep(runs, 0.1), runs, true, "depth");
    EXPECT_EQ(with.verdict, Verdict::kNotHeld) << with.ours;
    EXPECT_NE(with.rule.find("eval_unigram_loss"), std::string::npos);
    const SeriesSummary s = summarize_series(runs, 0.1, 0.95, "eval_unigram_loss");
    EXPECT_NE(series_markdown(s, "depth").find("val 6.10 (plateau 6.00)"), std::string::npos);
  }
  {
    // σReparam trains at depth 50 but one seed fails at depth 6: partly held.
    auto runs = depth_sweep(4.5);
    runs[2] = depth_run("sigma_post_ln", 6, 0, 7.9, 1.2);
    const ClaimResult c =
        judge_claim(depth_claim(), summarize_sweep(runs, 0.1), runs, true, "depth");
    EXPECT_EQ(c.verdict, Verdict::kPartly) << c.ours;
  }
}

}  // namespace
}  // namespace analysis
