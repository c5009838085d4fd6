// Rewrites README.md's table of the paper's claims from report/REPORT.md (analysis/claims_index.h).
//
//   bazel run //analysis:claims_index                 # README.md from report/REPORT.md
//   bazel run //analysis:claims_index -- --check      # exits 1 if README.md's table is stale
#include <cstdio>
#include <exception>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/claims_index.h"
#include "core/files.h"
#include "core/paths.h"

ABSL_FLAG(std::string, report, "report/REPORT.md", "the report whose claims tables are read");
ABSL_FLAG(std::string, readme, "README.md", "the file whose claims table is rewritten");
ABSL_FLAG(std::string, link, "report/REPORT.md", "the link to the report, relative to --readme");
ABSL_FLAG(bool, check, false, "only check that --readme's table is current (exit 1 if not)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  try {
    const std::string report = core::resolve_input(absl::GetFlag(FLAGS_report));
    const std::string readme = core::resolve_input(absl::GetFlag(FLAGS_readme));
    const auto rows = analysis::claims_of_report(core::read_file(report));
    if (rows.empty()) {
      std::fprintf(stderr,
                   "error: %s has no claims table (\"### The paper's claims beside our "
                   "results\"); run bazel run //tools:reproduce first\n",
                   report.c_str());
      return 1;
    }
    const std::string old_text = core::read_file(readme);
    const auto new_text = analysis::replace_between_markers(
        old_text, analysis::claims_table(rows, absl::GetFlag(FLAGS_link)));
    if (!new_text.ok()) {
      std::fprintf(stderr, "error: %s: %s\n", readme.c_str(),
                   std::string(new_text.status().message()).c_str());
      return 1;
    }
    if (absl::GetFlag(FLAGS_check)) {
      if (*new_text == old_text) return 0;
      std::fprintf(stderr,
                   "%s: its claims table is not that of %s; run bazel run "
                   "//analysis:claims_index\n",
                   readme.c_str(), report.c_str());
      return 1;
    }
    if (*new_text != old_text) core::write_atomically(readme, *new_text);
    std::printf("%s: %zu claims from %s\n", readme.c_str(), rows.size(), report.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
