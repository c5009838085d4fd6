// Reading and summarising run directories (analysis/run_reader.h), on directories the test
// writes itself.
#include "analysis/run_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace analysis {
namespace {

std::string root(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

void write_run(const std::string& dir, const std::string& name, int seed, double lr,
               const std::string& result, const std::string& metrics = "") {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/spec.textproto")
      << "name: \"" << name << "\" vit { transformer { reparam: NONE } } optimizer { lr: " << lr
      << " } run { seed: " << seed << " }\n";
  std::ofstream(dir + "/result.textproto") << result;
  std::ofstream(dir + "/metrics.jsonl") << metrics;
}

TEST(RunReaderTest, GroupsSeedsAndSummarises) {
  const std::string r = root("runs_a");
  write_run(r + "/base/s0", "base", 0, 1e-3,
            "status: COMPLETED metrics { key: \"eval_accuracy\" value: 0.80 } min_entropy: 1.0 "
            "final_loss: 0.5 headline { name: \"eval_accuracy\" higher_is_better: true }");
  write_run(r + "/base/s1", "base", 1, 1e-3,
            "status: COMPLETED metrics { key: \"eval_accuracy\" value: 0.90 } min_entropy: 2.0 "
            "final_loss: 0.3 headline { name: \"eval_accuracy\" higher_is_better: true }");
  write_run(r + "/base/s2", "base", 2, 1e-3, "status: DIVERGED step: 40 reason: \"nan\"");
  write_run(r + "/hot/s0", "hot", 0, 1e-1, "status: DIVERGED step: 3");
  auto runs = read_runs(r, /*with_metrics=*/false);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 4u);
  auto groups = group_runs(*runs, Grouping::kVariantAndLr);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "base");
  EXPECT_EQ(groups[0].runs.size(), 3u);
  GroupSummary s = summarize(groups[0].runs);
  EXPECT_EQ(s.completed, 2);
  EXPECT_EQ(s.diverged, 1);
  EXPECT_EQ(s.headline.name(), "eval_accuracy");
  EXPECT_NEAR(s.headline_mean, 0.85, 1e-12);
  EXPECT_NEAR(s.headline_std, std::sqrt(0.005), 1e-12);  // sample std of {0.8, 0.9}
  EXPECT_NEAR(s.min_entropy_mean, 1.5, 1e-12);
  EXPECT_NEAR(s.final_loss_mean, 0.4, 1e-12);
  GroupSummary hot = summarize(groups[1].runs);
  EXPECT_EQ(hot.diverged, 1);
  EXPECT_EQ(hot.collapsed, 1) << "a diverged run counts as collapsed";
  EXPECT_EQ(hot.with_headline, 0);
}

TEST(RunReaderTest, ReadsMetricsAndNamesBadLines) {
  const std::string r = root("runs_b");
  write_run(r + "/ok", "ok", 0, 1e-3, "status: COMPLETED",
            "{\"step\":\"1\",\"loss\":2.3,\"entropy\":[{\"layer\":0,\"mean\":2.8}]}\n"
            "{\"step\":\"25\",\"loss\":1.1,\"metrics\":{\"eval_accuracy\":0.7}}\n");
  auto run = read_run(r + "/ok", /*with_metrics=*/true);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->metrics.size(), 2u);
  EXPECT_EQ(run->metrics[1].step(), 25);
  EXPECT_DOUBLE_EQ(run->metrics[0].entropy(0).mean(), 2.8);
  EXPECT_DOUBLE_EQ(run->metrics[1].metrics().at("eval_accuracy"), 0.7);

  write_run(r + "/bad", "bad", 0, 1e-3, "status: COMPLETED", "{\"step\":\"1\"}\n{\"stepp\":2}\n");
  auto bad = read_run(r + "/bad", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("metrics.jsonl:2"), std::string::npos)
      << bad.status();
  write_run(r + "/badresult", "x", 0, 1e-3, "status: FINISHED");
  auto bad_result = read_run(r + "/badresult", false);
  ASSERT_FALSE(bad_result.ok());
  EXPECT_NE(std::string(bad_result.status().message()).find("result.textproto"), std::string::npos);
}

TEST(RunReaderTest, MissingRootIsAnError) {
  auto runs = read_runs(root("nowhere"), false);
  ASSERT_FALSE(runs.ok());
  EXPECT_NE(std::string(runs.status().message()).find("nowhere"), std::string::npos);
}

// Sweep runs group by the identity in their records, never by their directory names; runs
// outside a sweep by their specs without the seed.
TEST(RunReaderTest, GroupsByRecordedIdentity) {
  const std::string r = root("runs_identity");
  auto identity = [](const std::string& variant, double lr, int seed) {
    return "identity { sweep: \"s\" variant: \"" + variant + "\" lr: " + std::to_string(lr) +
           " seed: " + std::to_string(seed) + " } status: COMPLETED";
  };
  // Directory names that would mislead a parser of names.
  write_run(r + "/x_lr9/a", "misleading_lr1e-1", 0, 0.5, identity("alpha", 0.5, 0));
  write_run(r + "/x_lr9/b", "other_name", 1, 0.5, identity("alpha", 0.5, 1));
  write_run(r + "/y/c", "alpha", 0, 0.25, identity("alpha", 0.25, 0));
  write_run(r + "/z/d", "beta_lr5e-1", 0, 0.5, identity("beta", 0.5, 0));
  auto runs = read_runs(r, false);
  ASSERT_TRUE(runs.ok()) << runs.status();
  const auto cells = group_runs(*runs, Grouping::kVariantAndLr);
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0].variant, "alpha");
  EXPECT_EQ(cells[0].lr, 0.5);
  EXPECT_EQ(cells[0].name, "alpha_lr5e-1");
  EXPECT_EQ(cells[0].runs.size(), 2u);
  const auto variants = group_runs(*runs, Grouping::kVariant);
  ASSERT_EQ(variants.size(), 2u);
  EXPECT_EQ(variants[0].runs.size(), 3u);
  EXPECT_EQ(variants[1].variant, "beta");
}

// A run collapses when a layer's lowest entropy falls below the fraction of its own uniform
// reference, as the records give it.
TEST(RunReaderTest, CollapseIsMeasuredAgainstEachLayersUniformEntropy) {
  RunRecord run;
  run.result.set_status(sigma_reparam::RunResult::COMPLETED);
  auto* a = run.result.add_lowest_entropy();
  a->set_mean(0.3);
  a->set_uniform(2.0);
  auto* b = run.result.add_lowest_entropy();
  b->set_mean(0.5);
  b->set_uniform(6.0);
  EXPECT_DOUBLE_EQ(uniform_attention_entropy(run), 6.0);
  EXPECT_TRUE(collapsed(run, 0.1));  // 0.5 < 0.6
  b->set_mean(0.7);
  EXPECT_FALSE(collapsed(run, 0.1));  // 0.3 >= 0.2 and 0.7 >= 0.6
}

// The instability rule on the loss curve's summary: a spike to 2x the first loss, or a relapse
// (learned to 80% of the first loss, ended at 95% of it or above); a run that never learned is
// not unstable, and a non-finite run is.
TEST(RunReaderTest, InstabilityIsASpikeOrARelapseOfTheLossCurve) {
  RunRecord run;
  run.result.set_status(sigma_reparam::RunResult::COMPLETED);
  EXPECT_EQ(instability(run), Instability::kNone) << "no curve recorded";
  auto* c = run.result.mutable_loss_curve();
  c->set_first(2.3);
  c->set_lowest(0.5);
  c->set_highest(2.0);
  c->set_highest_step(10);
  c->set_last(0.6);
  EXPECT_EQ(instability(run), Instability::kNone) << "an early overshoot below 2x is not a spike";
  c->set_highest(4.6);
  EXPECT_EQ(instability(run), Instability::kSpike);
  EXPECT_TRUE(unstable(run));
  EXPECT_TRUE(collapsed(run, 0.1)) << "an unstable run counts as collapsed";
  EXPECT_NE(instability_text(run).find("2.0x the first loss"), std::string::npos)
      << instability_text(run);
  c->set_highest(4.5);
  EXPECT_EQ(instability(run), Instability::kNone) << "just below 2x";
  c->set_last(2.2);  // 0.957 x the first after reaching 0.22 x it
  EXPECT_EQ(instability(run), Instability::kRelapse);
  EXPECT_NE(instability_text(run).find("relapse"), std::string::npos);
  c->set_lowest(1.9);  // 0.83 x: it never learned, so ending at 2.2 is "did not learn"
  EXPECT_EQ(instability(run), Instability::kNone);
  run.result.set_status(sigma_reparam::RunResult::DIVERGED);
  EXPECT_EQ(instability(run), Instability::kNonFinite);
}

// A completed run that spiked counts as diverged in a group's summary and keeps its headline.
TEST(RunReaderTest, SummariesCountUnstableCompletedRunsAsDiverged) {
  const std::string r = root("runs_unstable");
  write_run(r + "/base/s0", "base", 0, 1e-3,
            "status: COMPLETED metrics { key: \"eval_accuracy\" value: 0.80 } final_loss: 0.5 "
            "headline { name: \"eval_accuracy\" higher_is_better: true } "
            "loss_curve { first: 2.3 lowest: 0.4 highest: 9.0 highest_step: 30 last: 0.5 }");
  write_run(r + "/base/s1", "base", 1, 1e-3,
            "status: COMPLETED metrics { key: \"eval_accuracy\" value: 0.90 } final_loss: 0.3 "
            "headline { name: \"eval_accuracy\" higher_is_better: true } "
            "loss_curve { first: 2.3 lowest: 0.3 highest: 1.0 highest_step: 10 last: 0.3 }");
  auto runs = read_runs(r, /*with_metrics=*/false);
  ASSERT_TRUE(runs.ok()) << runs.status();
  auto groups = group_runs(*runs, Grouping::kVariantAndLr);
  ASSERT_EQ(groups.size(), 1u);
  GroupSummary s = summarize(groups[0].runs);
  EXPECT_EQ(s.completed, 2);
  EXPECT_EQ(s.diverged, 1);
  EXPECT_EQ(s.collapsed, 1);
  EXPECT_EQ(s.with_headline, 2);
}

TEST(RunReaderTest, RecordsOfTheEarlierFormatAskToBeRetrained) {
  const std::string r = root("runs_old");
  write_run(r + "/old", "old", 0, 1e-3, "status: COMPLETED eval_accuracy: 0.8 min_entropy: 1.0");
  auto run = read_run(r + "/old", false);
  ASSERT_FALSE(run.ok());
  const std::string m(run.status().message());
  EXPECT_NE(m.find("old/result.textproto"), std::string::npos) << m;
  EXPECT_NE(m.find("earlier version"), std::string::npos) << m;
  EXPECT_NE(m.find("--redo"), std::string::npos) << m;
}

}  // namespace
}  // namespace analysis
