#ifndef ANALYSIS_CLAIMS_INDEX_H_
#define ANALYSIS_CLAIMS_INDEX_H_

// The claims at a glance: every row of every "The paper's claims beside our results" table of
// report/REPORT.md, gathered into one table with a link to its section. README.md carries that
// table between two marker lines, rewritten by //analysis:claims_index (and by
// //tools:reproduce after the report) so that no verdict there is copied by hand.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace analysis {

struct ClaimRow {
  std::string section;  // the report section's title ("## ..." without the hashes)
  std::string anchor;   // its GitHub anchor, unique within the report
  std::string kept;     // the date of the report it was kept from, empty when made fresh
  std::string claim;    // e.g. "4b (MT)"
  std::string paper;    // the paper's claim, as the report states it
  std::string verdict;  // held / partly held / not held
};

// GitHub's anchor for a heading: lower case, punctuation other than '-' and '_' dropped,
// spaces to '-'. Non-ASCII bytes (σ) are kept.
std::string github_anchor(const std::string& heading);

// The claim rows of a report, in its order.
std::vector<ClaimRow> claims_of_report(const std::string& report_markdown);

// The Markdown table of `rows`, each section linked as `link_prefix` + "#" + anchor.
std::string claims_table(const std::vector<ClaimRow>& rows, const std::string& link_prefix);

inline constexpr char kBeginMarker[] =
    "<!-- claims table: written by `bazel run //analysis:claims_index` from report/REPORT.md; "
    "do not edit by hand -->";
inline constexpr char kEndMarker[] = "<!-- end of claims table -->";

// `text` with what lies between the marker lines replaced by `block`; an error naming the
// missing marker when `text` lacks either.
absl::StatusOr<std::string> replace_between_markers(const std::string& text,
                                                    const std::string& block);

}  // namespace analysis

#endif  // ANALYSIS_CLAIMS_INDEX_H_
