// Writes report/REPORT.md from the collapse sweep's run directories and the figures and tables
// that //tools:reproduce drew beside it: the machine, threads and wall time, each paper claim
// beside our result (held / not held, with the rule), the sweep table and the figures.
//
//   bazel run //analysis:report -- --runs=runs/collapse_sweep --out=report
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <sched.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "analysis/report.h"
#include "analysis/run_reader.h"

ABSL_FLAG(std::string, runs, "runs/collapse_sweep", "the sweep's run directories");
ABSL_FLAG(std::string, out, "report", "report directory (figures and tables already there)");
ABSL_FLAG(double, wall_seconds, 0, "wall time of the whole reproduction, for the header");
ABSL_FLAG(std::string, command, "bazel run //tools:reproduce", "the command that made it");
ABSL_FLAG(bool, bound_held, true, "whether //analysis:entropy_bound's numeric check held");
ABSL_FLAG(std::string, lm_runs, "runs/lm_sweep",
          "the language-model sweep's run directories (skipped if absent)");

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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

std::string duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  return absl::StrFormat("%ld min %02ld s", s / 60, s % 60);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Writes report/REPORT.md from the collapse sweep's runs.");
  absl::ParseCommandLine(argc, argv);
  const std::string root = analysis::workspace_path(absl::GetFlag(FLAGS_runs));
  auto all_runs = analysis::read_runs(root, /*with_metrics=*/true);
  if (!all_runs.ok()) {
    std::cerr << "error: " << all_runs.status().message()
              << "\n(train the sweep first: bazel run //experiments:sweep)\n";
    return 1;
  }
  const auto finished = analysis::finished_runs(*all_runs);
  const auto* runs = &finished;
  const size_t unfinished = all_runs->size() - finished.size();
  const std::string out = analysis::workspace_path(absl::GetFlag(FLAGS_out));
  std::filesystem::create_directories(out);
  const analysis::SweepSummary sweep = analysis::summarize_sweep(*runs, 0.1);
  const auto claims = analysis::judge_claims(sweep, *runs, absl::GetFlag(FLAGS_bound_held));

  double train_seconds = 0;
  std::set<int> threads;
  std::string hostname, blas, torch;
  for (const auto& run : *runs) {
    train_seconds += run.result.wall_seconds();
    const auto& env = run.result.environment();
    threads.insert(env.threads());
    hostname = env.hostname();
    blas = env.blas();
    torch = env.torch_version();
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
     << runs->size() << " runs from `" << absl::GetFlag(FLAGS_runs) << "`, " << thread_text
     << " thread(s) per run; their training took " << duration(train_seconds) << " of run time";
  if (absl::GetFlag(FLAGS_wall_seconds) > 0) {
    md << ", and this whole reproduction " << duration(absl::GetFlag(FLAGS_wall_seconds))
       << " of wall time (runs found already finished are skipped, not retrained)";
  }
  md << ".\n";
  if (unfinished > 0) {
    md << "**" << unfinished
       << " run(s) under that directory are not finished (RUNNING or FAILED) and are left out of "
          "everything below.**\n";
  }
  md << "\n## Setting\n\n"
     << "A pre-LN ViT (4 layers, width 64, 4 heads, 7x7 patches: T = 17 tokens, log T = "
     << absl::StrFormat("%.2f", sweep.log_t)
     << ") on Fashion-MNIST, AdamW at a constant learning rate with no warmup and no weight "
        "decay, 200 steps of batch 128, test accuracy on 2,000 test images "
        "(experiments/vit/sweeps/collapse.textproto, experiments/vit/specs/collapse/). Methods: the "
        "baseline; σReparam on every linear layer without LayerNorm (gamma initialised to 1); "
        "σReparam with pre-LN (gamma = sigma(W0)); and the baseline with QK-LayerNorm. A run "
        "has *collapsed* when the mean attention entropy of some layer fell below 10% of log T "
        "("
     << absl::StrFormat("%.2f", sweep.collapse_line) << ") at a logged step.\n\n"
     << "## The paper's claims beside our results\n\n"
     << analysis::claims_markdown(claims)
     << "\nClaim 4 (training without LN, warmup, WD or adaptive optimisers) is checked by the "
        "ViT specs in experiments/vit/specs/ (README, \"Results\"), not by this sweep.\n\n"
     << "## LR sweep\n\n"
     << "Test accuracy (mean ± sample std over seeds) and mean lowest layer entropy per cell.\n\n"
     << analysis::sweep_markdown(sweep) << "\n";
  const auto stuck = analysis::runs_that_did_not_learn(*runs);
  if (!stuck.empty()) {
    md << "Runs that completed without learning (final training loss >= 95% of the first "
          "step's):\n\n";
    for (const auto* r : stuck) {
      md << absl::StrFormat(
          "- `%s` seed %d: loss %.3f -> %.3f, test accuracy %.1f%%, lowest "
          "entropy %.2f\n",
          r->spec.name(), r->spec.run().seed(), r->metrics.front().loss(), r->result.final_loss(),
          100 * r->result.eval_accuracy(), r->result.min_entropy());
    }
    md << "\n";
  }
  struct Figure {
    const char* file;
    const char* caption;
  };
  const Figure figures[] = {
      {"entropy_curves.png",
       "Training loss and per-layer attention entropy at the highest lr, seed 0: the baseline's "
       "entropy collapses; σReparam's does not."},
      {"lr_sweep.png",
       "Final training loss and lowest entropy against lr, one line per method (mean over "
       "seeds; crosses mark diverged runs)."},
      {"reparam.png", "gamma and sigma(W) of the QKV projections of σReparam at the highest lr."},
      {"entropy_bound.png", "Theorem 3.1: the bound, an adversarial search, and trained heads."},
  };
  md << "## Figures\n\n";
  for (const auto& f : figures) {
    if (!std::filesystem::exists(out + "/" + f.file)) continue;
    md << "![" << f.caption << "](" << f.file << ")\n\n*" << f.caption << "*\n\n";
  }
  // The language-model sweep, if it was run.
  const std::string lm_root = analysis::workspace_path(absl::GetFlag(FLAGS_lm_runs));
  if (std::filesystem::exists(lm_root)) {
    auto lm_all = analysis::read_runs(lm_root, /*with_metrics=*/false);
    if (lm_all.ok()) {
      const auto lm_runs = analysis::finished_runs(*lm_all);
      const analysis::SweepSummary lm = analysis::summarize_sweep(lm_runs, 0.1);
      double lm_seconds = 0;
      for (const auto& r : lm_runs) lm_seconds += r.result.wall_seconds();
      md << "## Language model (SOTU)\n\n"
         << lm_runs.size() << " runs from `" << absl::GetFlag(FLAGS_lm_runs) << "` ("
         << duration(lm_seconds)
         << " of run time; experiments/lm/sweeps/lm.textproto): a causal decoder on the State of the "
            "Union addresses (train <= 1980, validation 1981-2000), BPE vocabulary, validation "
            "perplexity per word so that it does not depend on the vocabulary. Collapse line: "
            "10% of the mean log(i + 1) over query positions ("
         << absl::StrFormat("%.2f", lm.collapse_line) << ").\n\n"
         << analysis::claims_markdown({analysis::judge_lm_claim(lm)}) << "\n"
         << analysis::sweep_markdown(lm) << "\n";
      for (const char* f : {"lm_entropy_curves.png", "lm_lr_sweep.png"}) {
        if (std::filesystem::exists(out + "/" + f)) md << "![" << f << "](" << f << ")\n\n";
      }
    }
  }
  const std::string bound = read_file(out + "/entropy_bound.md");
  if (!bound.empty()) md << bound << "\n";
  md << "## Files\n\n"
     << "- `collapse_table.md`, `collapse_table.csv`: every (method, lr) cell with the paper's "
        "claim in its own column\n"
     << "- `entropy_bound.md`: the Theorem 3.1 check\n"
     << "- figures as PNG and SVG\n";
  std::ofstream(out + "/REPORT.md") << md.str();
  std::cout << analysis::claims_markdown(claims) << "\nwrote " << out << "/REPORT.md\n";
  return 0;
}
