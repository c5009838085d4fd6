// Regenerates the ViT table from run directories: one row per variant (runs that differ only in
// seed), test accuracy mean ± std over seeds, lowest attention entropy, diverged runs, and the
// paper's claim for the row in its own, labelled column. Markdown and CSV.
//
//   bazel run //analysis:tables -- --runs=runs/vit --out=report
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "analysis/paper_claims.h"
#include "analysis/run_reader.h"

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
  absl::SetProgramUsageMessage("Writes the ViT table (Markdown + CSV) from run directories.");
  absl::ParseCommandLine(argc, argv);
  const std::string root = analysis::workspace_path(absl::GetFlag(FLAGS_runs));
  auto runs = analysis::read_runs(root, /*with_metrics=*/false);
  if (!runs.ok()) {
    std::cerr << "error: " << runs.status().message()
              << "\n(train some runs first, e.g. bazel run //experiments:vit_sigma)\n";
    return 1;
  }
  std::ostringstream md, csv;
  const auto groups = analysis::group_by_variant(*runs);
  bool language = false;  // perplexity instead of accuracy
  for (const auto& group : groups) language |= analysis::summarize(group).with_perplexity > 0;
  md << "| variant | runs | "
     << (language ? "validation perplexity per token / per word (mean ± std)"
                  : "test accuracy (mean ± std)")
     << " | min attention entropy | diverged | paper's claim (not our result) |\n"
        "|---|---|---|---|---|---|\n";
  csv << "variant,runs,completed,diverged,failed,accuracy_mean,accuracy_std,min_entropy_mean,"
         "final_loss_mean,perplexity_mean,perplexity_std,word_perplexity_mean,"
         "word_perplexity_std,paper_claim\n";
  for (const auto& group : groups) {
    const analysis::VariantSummary s = analysis::summarize(group);
    const std::string claim = analysis::paper_claim(group.runs.front()->spec);
    std::string accuracy = "-";
    if (language && s.with_perplexity > 0) {
      accuracy =
          absl::StrFormat("%.1f ± %.1f / %.1f ± %.1f (n=%d)", s.perplexity_mean, s.perplexity_std,
                          s.word_perplexity_mean, s.word_perplexity_std, s.with_perplexity);
    } else if (s.with_accuracy == 1) {
      accuracy = absl::StrFormat("%.2f%% (n=1)", 100 * s.accuracy_mean);
    } else if (s.with_accuracy > 1) {
      accuracy = absl::StrFormat("%.2f%% ± %.2f (n=%d)", 100 * s.accuracy_mean,
                                 100 * s.accuracy_std, s.with_accuracy);
    }
    md << "| " << group.name << " | " << s.runs << " | " << accuracy << " | "
       << absl::StrFormat("%.2f", s.min_entropy_mean) << " | " << s.diverged << "/" << s.runs
       << " | " << (claim.empty() ? "-" : claim) << " |\n";
    csv << csv_quote(group.name) << "," << s.runs << "," << s.completed << "," << s.diverged << ","
        << s.failed << ","
        << absl::StrFormat("%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f", s.accuracy_mean,
                           s.accuracy_std, s.min_entropy_mean, s.final_loss_mean, s.perplexity_mean,
                           s.perplexity_std, s.word_perplexity_mean, s.word_perplexity_std)
        << "," << csv_quote(claim) << "\n";
  }
  const std::string out = analysis::workspace_path(absl::GetFlag(FLAGS_out));
  std::filesystem::create_directories(out);
  const std::string name = absl::GetFlag(FLAGS_name);
  std::ofstream(out + "/" + name + ".md") << md.str();
  std::ofstream(out + "/" + name + ".csv") << csv.str();
  std::cout << md.str() << "\nwrote " << out << "/" << name << ".md and " << name << ".csv ("
            << runs->size() << " runs from " << root << ")\n";
  return 0;
}
