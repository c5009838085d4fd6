// gamma / sigma series from metrics and their figure (analysis/reparam_figure.h).
#include "analysis/reparam_figure.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace analysis {
namespace {

TEST(ReparamFigureTest, SeriesPerMatchingLayer) {
  RunRecord run;
  for (int step = 1; step <= 3; ++step) {
    sigma_reparam::StepMetrics m;
    m.set_step(step);
    for (const char* name : {"blocks.0.attn.qkv", "blocks.0.mlp.fc1", "blocks.1.attn.qkv"}) {
      auto* r = m.add_reparam();
      r->set_name(name);
      r->set_gamma(0.1 * step);
      r->set_sigma(step);
    }
    run.metrics.push_back(m);
  }
  auto qkv = reparam_series(run, "attn.qkv");
  ASSERT_EQ(qkv.size(), 2u);
  EXPECT_EQ(qkv[1].layer, "blocks.1.attn.qkv");
  ASSERT_EQ(qkv[0].step.size(), 3u);
  EXPECT_DOUBLE_EQ(qkv[0].gamma[2], 0.3);
  EXPECT_DOUBLE_EQ(qkv[0].sigma[1], 2.0);
  EXPECT_EQ(reparam_series(run, "").size(), 3u);
  EXPECT_TRUE(reparam_series(run, "head").empty());

  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string png = std::string(dir ? dir : "/tmp") + "/reparam.png";
  draw_reparam_figure(qkv, "test", "pngcairo", png);
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
}

}  // namespace
}  // namespace analysis
