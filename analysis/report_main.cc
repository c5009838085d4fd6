// Writes report/REPORT.md from sweep files and their runs' records, with the tables and figures
// that tools/reproduce.sh drew beside it: the machine, threads and wall time; then one section
// per sweep file (its title, its setting, each paper claim it declares beside our result with
// the verdict and its rule, the sweep table, runs that did not learn, its figures); then the
// Theorem 3.1 check. Every family contributes its section the same way: through a sweep file.
//
// Sections come in the order of the first paper claim each sweep file judges.
//
//   bazel run //analysis:report_writer --
//       --sweeps=experiments/vit/sweeps/collapse.textproto,experiments/lm/sweeps/lm.textproto
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/text_format.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "analysis/layer_diagnostics.h"

#include "core/files.h"
#include "analysis/report.h"
#include "analysis/run_reader.h"
#include "analysis/series.h"
#include "core/format.h"
#include "core/paths.h"
#include "experiments/engine/metric_format.h"

ABSL_FLAG(std::string, sweeps,
          "experiments/vit/sweeps/collapse.textproto,experiments/lm/sweeps/lm.textproto",
          "comma-separated sweep files, one report section each");
ABSL_FLAG(std::string, runs_root, "runs", "the sweeps' runs are under <runs_root>/<sweep name>/");
ABSL_FLAG(std::string, out, "report", "report directory (figures and tables already there)");
ABSL_FLAG(double, wall_seconds, 0, "wall time of the whole reproduction, for the header");
ABSL_FLAG(std::string, command, "bazel run //tools:reproduce", "the command that made it");
ABSL_FLAG(bool, bound_held, true, "whether //analysis:entropy_bound's numeric check held");

namespace {

std::string read_file(const std::string& path) { return core::try_read_file(path).value_or(""); }

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

struct Section {
  std::string path;
  sigma_reparam::SweepSpec sweep;
  std::vector<analysis::RunRecord> runs;  // finished
  size_t unfinished = 0;
};

// The sweep's table: per value of a series sweep's x (with its figure drawn into `out`), or
// per (variant, lr) cell.
std::string sweep_table_markdown(const Section& s, const analysis::SweepSummary& summary,
                                 const std::string& out) {
  std::ostringstream md;
  if (analysis::is_series_sweep(s.runs)) {
    double learn_ratio = 0.95;
    std::string plateau;
    for (const auto& check : s.sweep.claim()) {
      if (check.rule() == sigma_reparam::ClaimCheck::TRAINS_WHERE_BASELINE_FAILS) {
        learn_ratio = check.ratio();
        plateau = check.plateau_metric();
      }
    }
    const analysis::SeriesSummary series =
        analysis::summarize_series(s.runs, 0.1, learn_ratio, plateau);
    md << "### Sweep\n\n"
       << series.headline.label() << " (mean ± sample std over the seeds that completed), final "
       << "training loss, and failed runs per cell: diverged, collapsed (entropy below 10% of "
       << "uniform), or did not learn (final training loss >= " << learn_ratio
       << " x the first step's"
       << (plateau.empty() ? "" : absl::StrCat(", or validation loss >= its `", plateau, "`"))
       << ").\n\n"
       << analysis::series_markdown(series, s.sweep.x_label()) << "\n";
    const std::string file = s.sweep.name() + "_series";
    analysis::draw_series_figure(series, s.sweep.x_label(), "pngcairo", out + "/" + file + ".png");
    analysis::draw_series_figure(series, s.sweep.x_label(), "svgcairo", out + "/" + file + ".svg");
  } else {
    md << "### Sweep\n\n"
       << summary.headline.label() << " (mean ± sample std over seeds) and mean lowest layer "
       << "entropy per cell.\n\n"
       << analysis::sweep_markdown(summary) << "\n";
  }
  return md.str();
}

// The runs that diverged by the instability rule and those that completed without learning.
std::string problem_runs_markdown(const Section& s) {
  std::ostringstream md;
  std::vector<std::string> unstable_runs;
  for (const auto& r : s.runs) {
    if (!analysis::unstable(r)) continue;
    unstable_runs.push_back(absl::StrFormat("- `%s` seed %d: %s\n", r.spec.name(),
                                            r.spec.run().seed(), analysis::instability_text(r)));
  }
  if (!unstable_runs.empty()) {
    md << "Runs that diverged by the instability rule:\n\n";
    for (const auto& line : unstable_runs) md << line;
    md << "\n";
  }
  const auto stuck = analysis::runs_that_did_not_learn(s.runs);
  if (!stuck.empty()) {
    md << "Runs that completed without learning (final training loss >= 95% of the first "
          "step's):\n\n";
    for (const auto* r : stuck) {
      const auto it = r->result.metrics().find(r->result.headline().name());
      md << absl::StrFormat("- `%s` seed %d: loss %.3f -> %.3f, %s %s, lowest entropy %.2f\n",
                            r->spec.name(), r->spec.run().seed(), r->metrics.front().loss(),
                            r->result.final_loss(), r->result.headline().label(),
                            it == r->result.metrics().end()
                                ? "-"
                                : experiments::format_metric(r->result.headline(), it->second),
                            r->result.min_entropy());
    }
    md << "\n";
  }
  return md.str();
}

// The sweep's figures that exist in `out`, each with its caption.
std::string figures_markdown(const Section& s, const std::string& out) {
  std::ostringstream md;
  struct Figure {
    const char* suffix;
    const char* caption;
  };
  const Figure figures[] = {
      {"_entropy_curves.png",
       "Training loss and attention entropy over training, seed 0, one line per variant: at "
       "its highest lr (in a sweep over depth or another x, at the largest x, one panel per stack "
       "with its lowest layer)."},
      {"_series.png",
       "Final training loss, the headline metric and the lowest attention entropy (as a fraction "
       "of uniform) against the swept setting, one line per method (means over seeds)."},
      {"_lr_sweep.png",
       "The headline metric, the final training loss and the lowest entropy against lr, one "
       "line per variant (mean over seeds; crosses mark diverged runs)."},
      {"_reparam.png",
       "gamma and sigma(W) of the QKV projections of the first σReparam variant "
       "at its highest lr."},
  };
  for (const auto& f : figures) {
    const std::string file = s.sweep.name() + f.suffix;
    if (!std::filesystem::exists(out + "/" + file)) continue;
    md << "![" << f.caption << "](" << file << ")\n\n*" << f.caption << "*\n\n";
  }
  return md.str();
}

// One sweep's section of the report.
std::string section_markdown(const Section& s, const std::string& out, bool bound_held,
                             std::vector<analysis::ClaimResult>* all_claims) {
  const analysis::SweepSummary summary = analysis::summarize_sweep(s.runs, 0.1);
  double seconds = 0;
  for (const auto& r : s.runs) seconds += r.result.wall_seconds();
  std::ostringstream md;
  md << "## " << (s.sweep.title().empty() ? s.sweep.name() : s.sweep.title()) << "\n\n"
     << s.runs.size() << " runs from `runs/" << s.sweep.name() << "/` ("
     << core::minutes_seconds(seconds) << " of run time).\n";
  if (s.unfinished > 0) {
    md << "**" << s.unfinished
       << " run(s) there are not finished (RUNNING, INTERRUPTED or FAILED) and are left out of everything "
          "below.**\n";
  }
  md << "\n### Setting\n\n" << analysis::setting_markdown(s.sweep, s.path, s.runs, summary) << "\n";
  if (s.sweep.claim_size() > 0) {
    std::vector<analysis::ClaimResult> claims;
    for (const auto& check : s.sweep.claim()) {
      claims.push_back(
          analysis::judge_claim(check, summary, s.runs, bound_held, s.sweep.x_label()));
    }
    all_claims->insert(all_claims->end(), claims.begin(), claims.end());
    md << "### The paper's claims beside our results\n\n"
       << analysis::claims_markdown(claims) << "\n";
  }
  md << sweep_table_markdown(s, summary, out);
  const std::string diagnostics = analysis::layer_diagnostics_markdown(s.runs);
  if (!diagnostics.empty()) md << diagnostics << "\n";
  md << problem_runs_markdown(s) << figures_markdown(s, out);
  return md.str();
}

// One sweep's section: the sweep file at `path` and its finished runs under --runs_root.
// Returns an exit code to end with, or -1.
int load_section(const std::string& path, Section* s) {
  s->path = path;
  const std::string text = read_file(core::workspace_path(path));
  if (text.empty() || !google::protobuf::TextFormat::ParseFromString(text, &s->sweep)) {
    std::cerr << "error: " << path << ": cannot read a SweepSpec there\n";
    return 2;
  }
  const std::string root =
      core::workspace_path(absl::GetFlag(FLAGS_runs_root) + "/" + s->sweep.name());
  auto all = analysis::read_runs(root, /*with_metrics=*/true);
  if (!all.ok()) {
    std::cerr << "error: " << all.status().message() << "\n(train the sweep first: bazel run "
              << "//experiments:sweep -- --sweep=" << path << ")\n";
    return 1;
  }
  std::vector<analysis::RunRecord> mine;
  for (auto& r : *all) {
    if (r.result.identity().sweep() == s->sweep.name()) mine.push_back(std::move(r));
  }
  s->runs = analysis::finished_runs(mine);
  s->unfinished = mine.size() - s->runs.size();
  return -1;
}

// Sections in the order of the paper's claims they judge (a sweep without claims last).
void sort_by_claim(std::vector<Section>* sections) {
  auto first_claim = [](const Section& s) {
    return s.sweep.claim_size() == 0 ? 1e9 : std::atof(s.sweep.claim(0).claim().c_str());
  };
  std::stable_sort(sections->begin(), sections->end(), [&](const Section& a, const Section& b) {
    return first_claim(a) < first_claim(b);
  });
}

// The report's first lines: when, where and with what the runs were made, and their time.
std::string header_markdown(const std::vector<Section>& sections) {
  double train_seconds = 0;
  size_t runs = 0;
  std::set<int> threads;
  std::string hostname, blas, torch;
  for (const auto& s : sections) {
    runs += s.runs.size();
    for (const auto& run : s.runs) {
      train_seconds += run.result.wall_seconds();
      const auto& env = run.result.environment();
      threads.insert(env.threads());
      hostname = env.hostname();
      blas = env.blas();
      torch = env.torch_version();
    }
  }
  cpu_set_t set;
  const int cores = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::string thread_text;
  for (int t : threads) thread_text += (thread_text.empty() ? "" : ", ") + std::to_string(t);
  std::ostringstream md;
  md << "# σReparam reproduction report\n\n"
     << "Generated " << date << " by `" << absl::GetFlag(FLAGS_command) << "` on " << hostname
     << " (" << cpu_model() << ", " << cores << " cores; LibTorch " << torch << ", BLAS " << blas
     << ").\n"
     << runs << " runs from " << sections.size() << " sweep(s), " << thread_text
     << " thread(s) per run; their training took " << core::minutes_seconds(train_seconds)
     << " of run time";
  if (absl::GetFlag(FLAGS_wall_seconds) > 0) {
    md << ", and this whole reproduction "
       << core::minutes_seconds(absl::GetFlag(FLAGS_wall_seconds))
       << " of wall time (runs found already finished are skipped, not retrained)";
  }
  md << ".\nThe paper is Zhai et al., \"Stabilizing Transformer Training by Preventing Attention "
        "Entropy Collapse\", ICML 2023 (arXiv 2303.06296); its claims are stated in "
        "`docs/method.md`.\n\n";
  return md.str();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Writes report/REPORT.md from sweep files and their runs.");
  absl::ParseCommandLine(argc, argv);
  std::vector<Section> sections;
  const std::vector<std::string> paths =
      absl::StrSplit(absl::GetFlag(FLAGS_sweeps), ',', absl::SkipEmpty());
  for (const std::string& path : paths) {
    Section s;
    if (const int code = load_section(path, &s); code >= 0) return code;
    sections.push_back(std::move(s));
  }
  sort_by_claim(&sections);
  const std::string out = core::workspace_path(absl::GetFlag(FLAGS_out));
  std::filesystem::create_directories(out);
  std::ostringstream md;
  md << header_markdown(sections);
  std::vector<analysis::ClaimResult> claims;
  for (const auto& s : sections) {
    md << section_markdown(s, out, absl::GetFlag(FLAGS_bound_held), &claims);
  }
  const std::string bound = read_file(out + "/entropy_bound.md");
  if (!bound.empty()) md << bound << "\n";  // with its own figure
  md << "## Files\n\n"
     << "- `<sweep>_table.md`, `<sweep>_table.csv`: every (variant, lr) cell with the paper's "
        "claim in its own column\n"
     << "- `entropy_bound.md`: the Theorem 3.1 check\n"
     << "- figures as PNG and SVG\n";
  std::ofstream(out + "/REPORT.md") << md.str();
  std::cout << analysis::claims_markdown(claims) << "\nwrote " << out << "/REPORT.md\n";
  return 0;
}
