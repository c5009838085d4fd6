// Reading and summarising run directories (analysis/run_reader.h), on directories the test
// writes itself.
#include "analysis/run_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "analysis/paper_claims.h"

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
            "status: COMPLETED eval_accuracy: 0.80 min_entropy: 1.0 final_loss: 0.5");
  write_run(r + "/base/s1", "base", 1, 1e-3,
            "status: COMPLETED eval_accuracy: 0.90 min_entropy: 2.0 final_loss: 0.3");
  write_run(r + "/base/s2", "base", 2, 1e-3, "status: DIVERGED step: 40 reason: \"nan\"");
  write_run(r + "/hot/s0", "hot", 0, 1e-1, "status: DIVERGED step: 3");
  auto runs = read_runs(r, /*with_metrics=*/false);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 4u);
  auto groups = group_by_variant(*runs);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "base");
  EXPECT_EQ(groups[0].runs.size(), 3u);
  VariantSummary s = summarize(groups[0]);
  EXPECT_EQ(s.completed, 2);
  EXPECT_EQ(s.diverged, 1);
  EXPECT_NEAR(s.accuracy_mean, 0.85, 1e-12);
  EXPECT_NEAR(s.accuracy_std, std::sqrt(0.005), 1e-12);  // sample std of {0.8, 0.9}
  EXPECT_NEAR(s.min_entropy_mean, 1.5, 1e-12);
  EXPECT_NEAR(s.final_loss_mean, 0.4, 1e-12);
  VariantSummary hot = summarize(groups[1]);
  EXPECT_EQ(hot.diverged, 1);
  EXPECT_EQ(hot.with_accuracy, 0);
}

TEST(RunReaderTest, ReadsMetricsAndNamesBadLines) {
  const std::string r = root("runs_b");
  write_run(r + "/ok", "ok", 0, 1e-3, "status: COMPLETED",
            "{\"step\":\"1\",\"loss\":2.3,\"entropy\":[{\"layer\":0,\"mean\":2.8}]}\n"
            "{\"step\":\"25\",\"loss\":1.1,\"evalAccuracy\":0.7}\n");
  auto run = read_run(r + "/ok", /*with_metrics=*/true);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->metrics.size(), 2u);
  EXPECT_EQ(run->metrics[1].step(), 25);
  EXPECT_DOUBLE_EQ(run->metrics[0].entropy(0).mean(), 2.8);

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

TEST(PaperClaimsTest, ChosenFromTheModelSettings) {
  sigma_reparam::ExperimentSpec spec;
  spec.mutable_vit()->mutable_transformer()->set_reparam(sigma_reparam::SIGMA_REPARAM);
  spec.mutable_vit()->mutable_transformer()->set_norm(sigma_reparam::NO_NORM);
  spec.mutable_optimizer()->set_kind(sigma_reparam::OptimizerSpec::LARS);
  EXPECT_NE(paper_claim(spec).find("claim 4a"), std::string::npos);
  spec.mutable_optimizer()->set_kind(sigma_reparam::OptimizerSpec::ADAMW);
  EXPECT_NE(paper_claim(spec).find("claim 2"), std::string::npos);
  spec.mutable_vit()->mutable_transformer()->set_reparam(sigma_reparam::NONE);
  EXPECT_NE(paper_claim(spec).find("claims 1, 5"), std::string::npos);
  spec.mutable_vit()->mutable_transformer()->set_qk_norm(true);
  EXPECT_EQ(paper_claim(spec), "");
}

}  // namespace
}  // namespace analysis
