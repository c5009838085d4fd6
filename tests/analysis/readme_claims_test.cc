// README.md's claims table is the one report/REPORT.md gives: no verdict there is copied by hand
// (bazel run //analysis:claims_index rewrites it; //tools:reproduce does after every report).
#include <gtest/gtest.h>

#include "analysis/claims_index.h"
#include "core/files.h"

namespace analysis {
namespace {

TEST(ReadmeClaimsTest, TheReadmeTableIsTheReportsOwn) {
  const std::string readme = core::read_file("README.md");
  const auto rows = claims_of_report(core::read_file("report/REPORT.md"));
  ASSERT_GE(rows.size(), 10u);
  const auto expected = replace_between_markers(readme, claims_table(rows, "report/REPORT.md"));
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_TRUE(*expected == readme)
      << "README.md's claims table is stale: run bazel run //analysis:claims_index";
}

}  // namespace
}  // namespace analysis
