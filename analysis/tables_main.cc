// Writes a table from run directories: one row per variant (runs that differ only in seed; a
// sweep's runs by their recorded variant and lr), the family's headline metric (mean ± std over
// seeds, as the records declare it), lowest attention entropy, collapsed and diverged runs, and
// the paper's claim for the row (the spec's paper_claim) in its own, labelled column. Markdown
// and CSV.
//
//   bazel run //analysis:tables -- --runs=runs/vit --out=report --name=vit_table
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "analysis/run_reader.h"
#include "core/paths.h"

ABSL_FLAG(std::string, runs, "runs/vit", "directory holding run directories (any depth)");
ABSL_FLAG(std::string, out, "report", "where <name>.md and <name>.csv go");
ABSL_FLAG(std::string, name, "vit_table", "file name of the table, without extension");

namespace {

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Writes a table (Markdown + CSV) from run directories.");
  absl::ParseCommandLine(argc, argv);
  const std::string root = core::workspace_path(absl::GetFlag(FLAGS_runs));
  auto runs = analysis::read_runs(root, /*with_metrics=*/false);
  if (!runs.ok()) {
    std::cerr << "error: " << runs.status().message()
              << "\n(train some runs first, e.g. bazel run //experiments:vit_sigma)\n";
    return 1;
  }
  const auto groups = analysis::group_runs(*runs, analysis::Grouping::kVariantAndLr);
  std::vector<const analysis::RunRecord*> all;
  for (const auto& r : *runs) all.push_back(&r);
  const sigma_reparam::MetricInfo headline = analysis::headline(all);
  const std::string label = headline.label().empty() ? "headline metric" : headline.label();
  std::ostringstream md, csv;
  md << "| variant | runs | " << label
     << " (mean ± std) | min attention entropy | collapsed | diverged | paper's claim (not our "
        "result) |\n|---|---|---|---|---|---|---|\n";
  csv << "variant,lr,runs,completed,diverged,failed,collapsed," << headline.name() << "_mean,"
      << headline.name() << "_std,min_entropy_mean,final_loss_mean,paper_claim\n";
  for (const auto& group : groups) {
    const analysis::GroupSummary s = analysis::summarize(group.runs);
    const std::string claim = group.runs.front()->spec.paper_claim();
    md << "| " << group.name << " | " << s.runs << " | " << analysis::headline_text(s) << " | "
       << absl::StrFormat("%.2f", s.min_entropy_mean) << " | " << s.collapsed << "/" << s.runs
       << " | " << s.diverged << "/" << s.runs << " | " << (claim.empty() ? "-" : claim) << " |\n";
    csv << csv_quote(group.variant) << "," << absl::StrFormat("%g", group.lr) << "," << s.runs
        << "," << s.completed << "," << s.diverged << "," << s.failed << "," << s.collapsed << ","
        << absl::StrFormat("%.6f,%.6f,%.6f,%.6f", s.headline_mean, s.headline_std,
                           s.min_entropy_mean, s.final_loss_mean)
        << "," << csv_quote(claim) << "\n";
  }
  const std::string out = core::workspace_path(absl::GetFlag(FLAGS_out));
  std::filesystem::create_directories(out);
  const std::string name = absl::GetFlag(FLAGS_name);
  std::ofstream(out + "/" + name + ".md") << md.str();
  std::ofstream(out + "/" + name + ".csv") << csv.str();
  std::cout << md.str() << "\nwrote " << out << "/" << name << ".md and " << name << ".csv ("
            << runs->size() << " runs from " << root << ")\n";
  return 0;
}
