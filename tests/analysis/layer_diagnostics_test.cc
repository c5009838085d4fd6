// The early-training diagnostics table (analysis/layer_diagnostics.h) on records built here.
#include "analysis/layer_diagnostics.h"

#include <gtest/gtest.h>

namespace analysis {
namespace {

void add_stat(sigma_reparam::StepMetrics& m, const std::string& name, double grad, double param,
              double update) {
  auto* s = m.add_layer_stat();
  s->set_name(name);
  s->set_grad_norm(grad);
  s->set_param_norm(param);
  s->set_update_norm(update);
}

RunRecord run(const std::string& variant, double scale) {
  RunRecord r;
  r.spec.set_name(variant);
  r.result.mutable_identity()->set_variant(variant);
  for (int step = 1; step <= 2; ++step) {
    sigma_reparam::StepMetrics m;
    m.set_step(step);
    add_stat(m, "embedding", 9, 1, 1);  // outside a layer list: not in the table
    add_stat(m, "encoder.0", scale * 1, 10, 1);
    add_stat(m, "encoder.1", scale * 2, 10, 2);
    add_stat(m, "decoder.0", scale * 3, 10, 3);
    add_stat(m, "decoder.1", scale * 4, 10, 4);
    r.metrics.push_back(m);
  }
  sigma_reparam::StepMetrics later;  // past run.layer_diagnostics_steps
  later.set_step(3);
  r.metrics.push_back(later);
  return r;
}

TEST(LayerDiagnosticsTest, Step1GradientsPerStackAndSummedMovesMeanOverSeeds) {
  std::vector<RunRecord> runs = {run("post_ln_6L", 1), run("post_ln_6L", 3), run("pre_ln_6L", 1)};
  const auto rows = layer_diagnostics(runs);
  ASSERT_EQ(rows.size(), 2u);
  const auto& r = rows[0];
  EXPECT_EQ(r.variant, "post_ln_6L");
  EXPECT_EQ(r.runs, 2);
  EXPECT_EQ(r.steps, 2);
  ASSERT_EQ(r.stacks, (std::vector<std::string>{"encoder", "decoder"}));
  EXPECT_DOUBLE_EQ(r.lowest_grad[0], 2);   // mean of 1 and 3
  EXPECT_DOUBLE_EQ(r.highest_grad[1], 8);  // mean of 4 and 12
  EXPECT_DOUBLE_EQ(r.largest_move, 0.8);   // decoder.1: 2 steps x 4 / 10
  EXPECT_DOUBLE_EQ(r.smallest_move, 0.2);  // encoder.0: 2 x 1 / 10
  const std::string md = layer_diagnostics_markdown(runs);
  EXPECT_NE(md.find("| post_ln_6L | 2 | 2 | 4 | 6 | 8 | 0.800 | 0.200 |"), std::string::npos) << md;
  EXPECT_EQ(layer_diagnostics_markdown({}), "");
}

}  // namespace
}  // namespace analysis
