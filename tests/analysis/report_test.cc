// The report's sweep summary and claim verdicts (analysis/report.h) on synthetic run records:
// each verdict follows its stated rule and can come out either way.
#include "analysis/report.h"

#include <gtest/gtest.h>

namespace analysis {
namespace {

using sigma_reparam::RunResult;

RunRecord make_run(const std::string& method, double lr, int seed, double entropy, double loss,
                   double accuracy, RunResult::Status status = RunResult::COMPLETED) {
  RunRecord r;
  char name[64];
  std::snprintf(name, sizeof(name), "%s_lr%g", method.c_str(), lr);
  r.spec.set_name(name);
  r.spec.mutable_vit()->set_image_size(28);
  r.spec.mutable_vit()->set_patch_size(7);  // T = 17
  r.spec.mutable_optimizer()->set_lr(lr);
  r.spec.mutable_run()->set_seed(seed);
  r.result.set_status(status);
  r.result.set_min_entropy(entropy);
  r.result.set_final_loss(loss);
  if (status == RunResult::COMPLETED) r.result.set_eval_accuracy(accuracy);
  auto* h = r.result.add_attention_probe();
  h->set_rows(10);
  h->set_min_bound_slack(0.01);
  return r;
}

std::vector<RunRecord> sweep_runs(double sigma_entropy_at_high_lr) {
  std::vector<RunRecord> runs;
  for (int seed = 0; seed < 3; ++seed) {
    runs.push_back(make_run("baseline", 1e-3, seed, 2.0, 0.6, 0.80));
    runs.push_back(make_run("baseline", 3e-2, seed, 0.01, 1.5, 0.45));
    runs.push_back(make_run("sigma_reparam_no_ln", 1e-3, seed, 2.2, 0.7, 0.70));
    runs.push_back(
        make_run("sigma_reparam_no_ln", 3e-2, seed, sigma_entropy_at_high_lr, 0.8, 0.72));
  }
  return runs;
}

TEST(ReportTest, SummarisesCellsAndCollapse) {
  const auto runs = sweep_runs(1.0);
  const SweepSummary s = summarize_sweep(runs, 0.1);
  EXPECT_NEAR(s.log_t, std::log(17.0), 1e-12);
  EXPECT_NEAR(s.collapse_line, 0.1 * std::log(17.0), 1e-12);
  ASSERT_EQ(s.methods.size(), 2u);
  ASSERT_EQ(s.lrs, (std::vector<double>{1e-3, 3e-2}));
  const SweepCell* b = s.cell("baseline", 3e-2);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->collapsed, 3);
  EXPECT_EQ(b->summary.runs, 3);
  EXPECT_EQ(s.cell("baseline", 1e-3)->collapsed, 0);
  const std::string md = sweep_markdown(s);
  EXPECT_NE(md.find("| baseline |"), std::string::npos);
  EXPECT_NE(md.find("45.0 ± 0.0%<br>ent 0.01 (3 collapsed)"), std::string::npos) << md;
}

TEST(ReportTest, ClaimsHeldWhenSigmaReparamKeepsItsEntropy) {
  const auto runs = sweep_runs(1.0);
  const auto claims = judge_claims(summarize_sweep(runs, 0.1), runs, /*bound_held=*/true);
  ASSERT_EQ(claims.size(), 4u);
  EXPECT_EQ(claims[0].claim, "1");
  EXPECT_EQ(claims[0].verdict, Verdict::kHeld) << claims[0].ours;
  EXPECT_EQ(claims[1].verdict, Verdict::kHeld) << claims[1].ours;
  EXPECT_EQ(claims[2].verdict, Verdict::kHeld) << claims[2].ours;
  // Collapse without divergence: partly held.
  EXPECT_EQ(claims[3].verdict, Verdict::kPartly) << claims[3].ours;
  const std::string md = claims_markdown(claims);
  EXPECT_NE(md.find("the paper's claim (not our result)"), std::string::npos);
  EXPECT_NE(md.find("**partly held**"), std::string::npos);
}

TEST(ReportTest, ClaimsNotHeldWhenSigmaReparamCollapsesToo) {
  auto runs = sweep_runs(0.05);  // below the collapse line 0.28
  runs.push_back(make_run("baseline", 3e-2, 3, 0.0, 0, 0, RunResult::DIVERGED));
  runs.back().result.mutable_attention_probe(0)->set_min_bound_slack(-0.5);
  const auto claims = judge_claims(summarize_sweep(runs, 0.1), runs, /*bound_held=*/true);
  EXPECT_EQ(claims[1].verdict, Verdict::kNotHeld) << claims[1].ours;
  EXPECT_EQ(claims[2].verdict, Verdict::kNotHeld) << claims[2].ours;  // one head below the bound
  EXPECT_EQ(claims[3].verdict, Verdict::kPartly);                     // 1 of 4 diverged
  const auto failed_check = judge_claims(summarize_sweep(runs, 0.1), runs, false);
  EXPECT_EQ(failed_check[2].verdict, Verdict::kNotHeld);
}

TEST(ReportTest, NothingToJudgeWithoutRuns) {
  const auto claims = judge_claims(summarize_sweep({}, 0.1), {}, true);
  for (const auto& c : claims) EXPECT_EQ(c.verdict, Verdict::kNotRun) << c.claim;
}

}  // namespace
}  // namespace analysis

namespace analysis {
namespace {

TEST(ReportTest, FlagsRunsThatDidNotLearn) {
  std::vector<RunRecord> runs(3);
  const double first[] = {2.30, 2.30, 2.30}, last[] = {2.25, 0.8, 2.29};
  for (int i = 0; i < 3; ++i) {
    runs[i].result.set_status(sigma_reparam::RunResult::COMPLETED);
    runs[i].result.set_final_loss(last[i]);
    runs[i].metrics.emplace_back().set_loss(first[i]);
  }
  runs[2].result.set_status(sigma_reparam::RunResult::DIVERGED);
  const auto stuck = runs_that_did_not_learn(runs);
  ASSERT_EQ(stuck.size(), 1u);
  EXPECT_EQ(stuck[0], &runs[0]);
}

}  // namespace
}  // namespace analysis
