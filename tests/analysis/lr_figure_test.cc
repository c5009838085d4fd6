// Learning-rate curves from sweep runs (analysis/lr_figure.h).
#include "analysis/lr_figure.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace analysis {
namespace {

RunRecord run(const std::string& name, bool sigma, double lr, int seed,
              sigma_reparam::RunResult::Status status, double loss, double entropy) {
  RunRecord r;
  r.spec.set_name(name);
  r.spec.mutable_vit()->mutable_transformer()->set_reparam(sigma ? sigma_reparam::SIGMA_REPARAM
                                                                 : sigma_reparam::NONE);
  r.spec.mutable_optimizer()->set_lr(lr);
  r.spec.mutable_run()->set_seed(seed);
  // The variant comes from the run's recorded identity, not from its name.
  auto* id = r.result.mutable_identity();
  id->set_variant(name.substr(0, name.find("_lr")));
  id->set_lr(lr);
  id->set_seed(seed);
  r.result.set_status(status);
  if (status == sigma_reparam::RunResult::COMPLETED) {
    r.result.set_final_loss(loss);
    (*r.result.mutable_metrics())["eval_accuracy"] = 1.0 - loss;  // a headline per run
  }
  r.result.mutable_headline()->set_name("eval_accuracy");
  r.result.set_min_entropy(entropy);
  return r;
}

TEST(LrFigureTest, CurvesPerMethodAveragedOverSeeds) {
  using S = sigma_reparam::RunResult;
  std::vector<RunRecord> runs = {
      run("baseline_lr0.1", false, 0.1, 0, S::DIVERGED, 0, 0.01),
      run("baseline_lr0.001", false, 0.001, 0, S::COMPLETED, 0.6, 2.0),
      run("baseline_lr0.001", false, 0.001, 1, S::COMPLETED, 0.8, 1.8),
      run("sigma_lr0.1", true, 0.1, 0, S::COMPLETED, 0.7, 1.0),
  };
  auto curves = lr_curves(runs);
  ASSERT_EQ(curves.size(), 2u);
  EXPECT_EQ(curves[0].method, "baseline");
  ASSERT_EQ(curves[0].points.size(), 2u);
  EXPECT_DOUBLE_EQ(curves[0].points[0].lr, 0.001);  // sorted by lr
  EXPECT_EQ(curves[0].points[0].completed, 2);
  EXPECT_NEAR(curves[0].points[0].final_loss, 0.7, 1e-12);
  EXPECT_NEAR(curves[0].points[0].min_entropy, 1.9, 1e-12);
  EXPECT_EQ(curves[0].points[1].diverged, 1);
  EXPECT_EQ(curves[0].points[1].completed, 0);
  EXPECT_EQ(curves[1].method, "sigma");
  // The headline is averaged over the completed runs only.
  EXPECT_EQ(curves[0].points[0].with_headline, 2);
  EXPECT_NEAR(curves[0].points[0].headline, 0.3, 1e-12);
  EXPECT_EQ(curves[0].points[1].with_headline, 0);

  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string png = std::string(dir ? dir : "/tmp") + "/lr.png";
  sigma_reparam::MetricInfo headline;
  headline.set_name("eval_accuracy");
  headline.set_label("test accuracy");
  headline.set_percent(true);
  for (const auto& h : {sigma_reparam::MetricInfo(), headline}) {  // two and three panels
    draw_lr_figure(curves, "pngcairo", png, h);
    std::ifstream in(png, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 1000u);
    EXPECT_EQ(bytes.substr(1, 3), "PNG");
  }
}

}  // namespace
}  // namespace analysis
