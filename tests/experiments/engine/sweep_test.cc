// Sweep files (experiments/sweep.h): every shipped sweep plans into valid runs; bad sweeps fail
// before anything trains, naming the file and the field.
#include "experiments/engine/sweep.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

namespace experiments {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(SweepTest, ShippedSweepsPlanIntoValidRuns) {
  int sweeps = 0;
  std::vector<std::filesystem::path> files;
  for (const auto& family : std::filesystem::directory_iterator("experiments")) {
    if (!std::filesystem::is_directory(family.path() / "sweeps")) continue;
    for (const auto& entry : std::filesystem::directory_iterator(family.path() / "sweeps")) {
      files.push_back(entry.path());
    }
  }
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    ++sweeps;
    auto plan = plan_sweep(path.string(), ".", "/tmp/runs");
    ASSERT_TRUE(plan.ok()) << plan.status();
    auto sweep = load_sweep(path.string());
    ASSERT_TRUE(sweep.ok());
    size_t runs = 0;
    for (const auto& v : sweep->variant()) {
      runs += (v.lr_size() > 0 ? v.lr_size() : sweep->lr_size()) * sweep->seed_size();
    }
    EXPECT_EQ(plan->size(), runs);
    std::set<std::string> dirs;
    for (const auto& run : *plan) {
      EXPECT_TRUE(dirs.insert(run.dir).second) << "two runs share " << run.dir;
      EXPECT_EQ(run.spec.optimizer().lr(), run.lr);
      EXPECT_EQ(run.spec.run().seed(), run.seed);
      EXPECT_EQ(run.spec.name(), run.name);
      // The run's records will say which sweep cell it is.
      ASSERT_TRUE(run.spec.has_sweep_run());
      EXPECT_EQ(run.spec.sweep_run().sweep(), sweep->name());
      EXPECT_EQ(run.spec.sweep_run().variant(), run.variant);
      EXPECT_EQ(run.spec.sweep_run().lr(), run.lr);
      EXPECT_EQ(run.spec.sweep_run().seed(), run.seed);
      int variant_sets = 0;
      for (const auto& v : sweep->variant()) {
        if (v.name() == run.variant) variant_sets = v.set_size();
      }
      EXPECT_EQ(run.spec.sweep_run().overrides_size(), sweep->set_size() + variant_sets);
    }
  }
  EXPECT_GE(sweeps, 2);
}

TEST(SweepTest, CollapseSweepCoversThirtyFoldWithThreeSeeds) {
  auto sweep = load_sweep("experiments/vit/sweeps/collapse.textproto");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_GE(sweep->lr_size(), 6);
  double lo = 1e9, hi = 0;
  for (double lr : sweep->lr()) {
    lo = std::min(lo, lr);
    hi = std::max(hi, lr);
  }
  EXPECT_GE(hi / lo, 30 - 1e-9);
  EXPECT_EQ(sweep->seed_size(), 3);
  EXPECT_EQ(sweep->variant_size(), 4);
}

TEST(SweepTest, RejectsBadSweepsNamingTheField) {
  auto bad = load_sweep(write("bad.textproto",
                              "name: \"a b\"\nlr: [1e-3, 1e-3, -1]\n"
                              "variant { name: \"v\" spec: \"x\" }\nvariant { name: \"v\" }\n"));
  ASSERT_FALSE(bad.ok());
  const std::string m(bad.status().message());
  EXPECT_NE(m.find("bad.textproto: invalid sweep"), std::string::npos) << m;
  EXPECT_NE(m.find("name: must be set"), std::string::npos) << m;
  EXPECT_NE(m.find("seed: at least one"), std::string::npos) << m;
  EXPECT_NE(m.find("lr[1]: 0.001 appears twice"), std::string::npos) << m;
  EXPECT_NE(m.find("lr[2]: must be a positive number"), std::string::npos) << m;
  EXPECT_NE(m.find("variant[1].name: 'v' appears twice"), std::string::npos) << m;
  EXPECT_NE(m.find("variant[1].spec: must name a spec file"), std::string::npos) << m;

  auto typo = load_sweep(write("typo.textproto", "name: \"s\"\nlrs: 1\n"));
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(std::string(typo.status().message()).find("typo.textproto:2:"), std::string::npos)
      << typo.status();

  auto missing = load_sweep("no/such/sweep.textproto");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(SweepTest, VariantLearningRatesReplaceTheSweeps) {
  const std::string spec = "experiments/vit/specs/collapse/baseline_lr3e-2.textproto";
  const std::string path = write("variant_lr.textproto",
                                 "name: \"s\"\nlr: [1e-3, 3e-3]\nseed: [0]\n"
                                 "variant { name: \"sgd\" spec: \"" +
                                     spec +
                                     "\" lr: [0.1, 0.3, 1.0] }\n"
                                     "variant { name: \"adam\" spec: \"" +
                                     spec + "\" }\n");
  auto plan = plan_sweep(path, ".", "runs");
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<std::string> names;
  for (const auto& run : *plan) names.push_back(run.name);
  EXPECT_EQ(names, (std::vector<std::string>{"sgd_lr1e-1", "sgd_lr3e-1", "sgd_lr1e0", "adam_lr1e-3",
                                             "adam_lr3e-3"}));
  EXPECT_EQ(distinct_learning_rates(*load_sweep(path)), 5);
  // Without a sweep list, every variant needs its own; bad variant rates are named.
  auto bad = load_sweep(write("variant_lr_bad.textproto",
                              "name: \"s\"\nseed: [0]\n"
                              "variant { name: \"a\" spec: \"x\" lr: [0.1, -1] }\n"
                              "variant { name: \"b\" spec: \"x\" }\n"));
  ASSERT_FALSE(bad.ok());
  const std::string m(bad.status().message());
  EXPECT_NE(m.find("lr: at least one is needed (or one list per variant)"), std::string::npos) << m;
  EXPECT_NE(m.find("variant[0].lr[1]: must be a positive number"), std::string::npos) << m;
}

TEST(SweepTest, AnInvalidRunFailsTheWholePlan) {
  const std::string path = write(
      "steps.textproto",
      "name: \"s\"\nlr: [1e-3]\nseed: [0]\n"
      "variant { name: \"v\" spec: \"experiments/vit/specs/collapse/baseline_lr3e-2.textproto\" "
      "set: \"run { steps: -5 }\" }\n");
  auto plan = plan_sweep(path, ".", "runs");
  ASSERT_FALSE(plan.ok());
  const std::string m(plan.status().message());
  EXPECT_NE(m.find("variant[0] (v)"), std::string::npos) << m;
  EXPECT_NE(m.find("run.steps"), std::string::npos) << m;
}

}  // namespace
}  // namespace experiments
