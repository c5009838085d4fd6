#include "analysis/claims_index.h"

#include <gtest/gtest.h>

namespace analysis {
namespace {

constexpr char kReport[] = R"(# σReparam reproduction report

## Entropy collapse in a small ViT (Fashion-MNIST)

*Kept from the previous report (2026-11-29 00:16 UTC, on vm (AMD EPYC)): its runs are ...*

### Setting

| not | a claims table |
|---|---|
| x | y |

### The paper's claims beside our results

| claim | the paper's claim (not our result) | our result | verdict | rule |
|---|---|---|---|---|
| 1 | low entropy accompanies instability | 6 collapsed runs | **held** | the rule |
| 5 | entropy collapses at high LR | 0 diverged | **partly held** | the rule |

### Sweep

| method | lr 0.1 |
|---|---|
| baseline | 1 |

## Entropy collapse in a small ViT (Fashion-MNIST)

### The paper's claims beside our results

| claim | the paper's claim (not our result) | our result | verdict | rule | it would have come out otherwise... |
|---|---|---|---|---|---|
| 4b (MT) | σReparam + post-LN trains at depth | it did | **not held** | rule | held had ... |
)";

TEST(ClaimsIndexTest, AnchorsFollowGitHub) {
  EXPECT_EQ(github_anchor("Deep post-LN translation (English -> German gettext messages)"),
            "deep-post-ln-translation-english---german-gettext-messages");
  EXPECT_EQ(github_anchor("Theorem 3.1: entropy lower bound"), "theorem-31-entropy-lower-bound");
  EXPECT_EQ(github_anchor("σReparam at depth"), "σreparam-at-depth");
}

TEST(ClaimsIndexTest, ReadsOnlyTheClaimsTablesOfEachSection) {
  const std::vector<ClaimRow> rows = claims_of_report(kReport);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].claim, "1");
  EXPECT_EQ(rows[0].verdict, "held");
  EXPECT_EQ(rows[0].kept, "2026-11-29");
  EXPECT_EQ(rows[1].verdict, "partly held");
  EXPECT_EQ(rows[1].paper, "entropy collapses at high LR");
  EXPECT_EQ(rows[2].claim, "4b (MT)");
  EXPECT_EQ(rows[2].verdict, "not held");
  EXPECT_EQ(rows[2].kept, "");  // a new section forgets the previous one's marker
  // The second section of the same title gets GitHub's "-1".
  EXPECT_EQ(rows[0].anchor, "entropy-collapse-in-a-small-vit-fashion-mnist");
  EXPECT_EQ(rows[2].anchor, "entropy-collapse-in-a-small-vit-fashion-mnist-1");
}

TEST(ClaimsIndexTest, TheTableLinksEachSection) {
  const std::string table = claims_table(claims_of_report(kReport), "report/REPORT.md");
  EXPECT_NE(table.find("| 5 | entropy collapses at high LR | **partly held** | [Entropy collapse "
                       "in a small ViT (Fashion-MNIST)](report/REPORT.md#entropy-collapse-in-a-"
                       "small-vit-fashion-mnist) (kept from the report of 2026-11-29) |"),
            std::string::npos)
      << table;
}

TEST(ClaimsIndexTest, ReplacesOnlyBetweenTheMarkers) {
  const std::string text =
      std::string("before\n") + kBeginMarker + "\nold\n" + kEndMarker + "\nafter\n";
  const auto out = replace_between_markers(text, "new\n");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, std::string("before\n") + kBeginMarker + "\nnew\n" + kEndMarker + "\nafter\n");
  EXPECT_FALSE(replace_between_markers("no markers\n", "new\n").ok());
  const auto no_end = replace_between_markers(std::string(kBeginMarker) + "\n", "x");
  ASSERT_FALSE(no_end.ok());
  EXPECT_NE(no_end.status().message().find("end of claims table"), std::string::npos);
}

}  // namespace
}  // namespace analysis
