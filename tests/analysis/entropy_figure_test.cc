// The entropy figure: series from run records and real PNG / SVG files (analysis/entropy_figure.h).
#include "analysis/entropy_figure.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

namespace analysis {
namespace {

std::string tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

RunRecord fake_run(const std::string& name, bool diverged) {
  RunRecord run;
  run.spec.set_name(name);
  for (int layer = 0; layer < 2; ++layer) {
    auto* e = run.result.add_lowest_entropy();
    e->set_layer(layer);
    e->set_uniform(std::log(17.0));  // the records carry the uniform reference
  }
  run.result.set_status(diverged ? sigma_reparam::RunResult::DIVERGED
                                 : sigma_reparam::RunResult::COMPLETED);
  for (int step = 1; step <= 5; ++step) {
    sigma_reparam::StepMetrics m;
    m.set_step(step * 10);
    m.set_loss(diverged && step == 5 ? std::numeric_limits<double>::quiet_NaN() : 2.0 / step);
    for (int layer = 0; layer < 2; ++layer) {
      auto* e = m.add_entropy();
      e->set_mean(2.8 - 0.3 * step * layer);
      e->set_stack("encoder");
      e->set_kind("self");
      e->set_layer(layer);
    }
    run.metrics.push_back(m);
  }
  return run;
}

TEST(EntropyFigureTest, SeriesFromRunRecords) {
  EntropySeries s = entropy_series(fake_run("hot", /*diverged=*/true));
  EXPECT_EQ(s.label, "hot (DIVERGED)");
  ASSERT_EQ(s.step.size(), 4u);  // the non-finite step is dropped
  ASSERT_EQ(s.entropy.size(), 2u);
  EXPECT_DOUBLE_EQ(s.entropy[1][3], 2.8 - 1.2);
  EXPECT_NEAR(s.log_t, std::log(17.0), 1e-12);
  ASSERT_EQ(s.layer_names.size(), 2u);
  EXPECT_EQ(s.layer_names[1], "encoder self-attention layer 1");
}

// Lines without entropies (the per-step lines of layer diagnostics) are in the loss curve only:
// each entropy keeps the step it was logged at.
TEST(EntropyFigureTest, EntropiesKeepTheirStepsWhenSomeLinesHaveNone) {
  RunRecord run = fake_run("diag", /*diverged=*/false);
  sigma_reparam::StepMetrics bare;
  bare.set_step(5);
  bare.set_loss(2.5);
  run.metrics.insert(run.metrics.begin(), bare);
  const EntropySeries s = entropy_series(run);
  ASSERT_EQ(s.step.size(), 6u);
  ASSERT_EQ(s.entropy_step.size(), 5u);
  ASSERT_EQ(s.entropy[1].size(), 5u);
  EXPECT_DOUBLE_EQ(s.entropy_step[0], 10);
  EXPECT_DOUBLE_EQ(s.entropy[1][4], 2.8 - 1.5);
}

TEST(EntropyFigureTest, WritesPngAndSvg) {
  std::vector<EntropySeries> series = {entropy_series(fake_run("baseline", false)),
                                       entropy_series(fake_run("sigma_reparam", false))};
  draw_entropy_figure(series, 4, "pngcairo", tmp("fig.png"));
  draw_entropy_figure(series, 4, "svgcairo", tmp("fig.svg"));
  const std::string png = slurp(tmp("fig.png"));
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const std::string svg = slurp(tmp("fig.svg"));
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_GT(svg.size(), 5000u);
}

}  // namespace
}  // namespace analysis
