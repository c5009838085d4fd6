// Theorem 3.1 as a unit test: no random or adversarial logit vector falls below the bound, the
// adversarial search reaches it (the bound is tight), and the attaining vector meets it.
#include "analysis/bound_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "sigma/entropy_bound_math.h"

namespace analysis {
namespace {

TEST(BoundCheckTest, BoundHoldsAndIsTight) {
  const BoundCheck check = check_entropy_bound({2, 5, 17, 64, 197}, {0.25, 1, 2, 3, 5, 8, 12},
                                               /*random=*/2000, /*adversarial=*/4, /*seed=*/7);
  ASSERT_EQ(check.rows.size(), 35u);
  EXPECT_TRUE(check.held()) << "worst slack " << check.worst_slack << ", attaining error "
                            << check.worst_attaining;
  for (const auto& r : check.rows) {
    // The search finds lower entropy than chance does.
    EXPECT_LE(r.min_entropy_adversarial, r.min_entropy_random + 1e-12) << r.keys << " " << r.s;
    // The search reaches the bound: it is tight.
    EXPECT_LT(r.min_entropy_adversarial - r.bound, 1e-6) << r.keys << " " << r.s;
    EXPECT_NEAR(r.attaining_entropy, r.bound, 1e-9);
  }
}

TEST(BoundCheckTest, HeadProbesGroupByMethod) {
  std::vector<RunRecord> runs(3);
  runs[0].result.mutable_identity()->set_variant("baseline");
  runs[1].result.mutable_identity()->set_variant("baseline");
  runs[2].result.mutable_identity()->set_variant("sigma_reparam");
  for (auto& r : runs) {
    auto* h = r.result.add_attention_probe();
    h->set_keys(17);
    h->set_rows(544);
    h->set_max_logit_norm(3);
    h->set_mean_entropy(2);
    r.result.add_attention_probe()->set_rows(0);  // no rows: skipped
  }
  const auto probes = head_probes(runs);
  ASSERT_EQ(probes.size(), 2u);
  EXPECT_EQ(probes[0].method, "baseline");
  EXPECT_EQ(probes[0].runs, 2);
  EXPECT_EQ(probes[0].heads.size(), 2u);
  EXPECT_EQ(probes[1].method, "sigma_reparam");
  const std::string file = ::testing::TempDir() + "/bound.png";
  draw_bound_figure(check_entropy_bound({17}, {0, 2, 4}, 10, 1, 1), probes, "pngcairo", file);
  EXPECT_GT(std::filesystem::file_size(file), 10000u);
}

}  // namespace
}  // namespace analysis
