// Evaluates Theorem 3.1 (docs/method.md): the entropy lower bound against random and adversarial
// logit vectors for several T, and against every attention head of the trained runs under
// --runs (their RunResult.attention_probe). Writes entropy_bound.md, .png and .svg; exits 1 if
// any vector or head falls below the bound.
//
//   bazel run //analysis:entropy_bound -- --runs=runs/collapse_sweep --out=report
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "analysis/bound_check.h"
#include "core/paths.h"
#include "analysis/run_reader.h"
#include "core/paths.h"

ABSL_FLAG(std::string, runs, "runs/collapse_sweep",
          "run directories whose attention probes to plot (may be absent: bound check only)");
ABSL_FLAG(std::string, out, "report", "where entropy_bound.{md,png,svg} go");
ABSL_FLAG(int32_t, random, 10000, "random logit vectors per (T, s)");
ABSL_FLAG(int32_t, adversarial, 8, "adversarial searches per (T, s)");

namespace {

// Per T: the lowest slack of the random and adversarial vectors and the attaining vector's error.
std::string bound_table_markdown(const analysis::BoundCheck& check,
                                 const std::vector<int64_t>& keys) {
  std::ostringstream md;
  md << "## Theorem 3.1: entropy lower bound\n\n"
     << "Per T, over s = 0, 0.5, ..., 12: " << absl::GetFlag(FLAGS_random) << " random vectors and "
     << absl::GetFlag(FLAGS_adversarial)
     << " adversarial searches (projected gradient descent on the entropy at fixed centred norm) "
        "per s.\n\n"
     << "| T | lowest (entropy - bound), random, s > 0 | lowest (entropy - bound), adversarial | "
        "largest adversarial gap | largest error at the attaining vector "
        "|\n|---|---|---|---|---|\n";
  for (int64_t T : keys) {
    double random_slack = 1e300, adversarial_slack = 1e300, gap = 0, attaining = 0;
    for (const auto& r : check.rows) {
      if (r.keys != T) continue;
      if (r.s > 0) random_slack = std::min(random_slack, r.min_entropy_random - r.bound);
      adversarial_slack = std::min(adversarial_slack, r.min_entropy_adversarial - r.bound);
      gap = std::max(gap, r.min_entropy_adversarial - r.bound);
      attaining = std::max(attaining, std::abs(r.attaining_entropy - r.bound));
    }
    md << absl::StrFormat("| %d | %.3g | %.3g | %.3g | %.3g |\n", T, random_slack,
                          adversarial_slack, gap, attaining);
  }
  md << "\nThe bound " << (check.held() ? "held" : "did NOT hold")
     << absl::StrFormat(" for every vector (lowest slack %.3g; attaining vector within %.3g).\n",
                        check.worst_slack, check.worst_attaining);
  return md.str();
}

// Per method, the trained heads' logit norms, entropies and lowest slack; `held` turns false
// when a head falls below the bound.
std::string heads_table_markdown(const std::vector<analysis::MethodProbes>& probes, bool* held) {
  std::ostringstream md;
  md << "\nTrained heads (`" << absl::GetFlag(FLAGS_runs)
     << "`): per head, the largest centred logit norm and the mean entropy on 32 held-out "
        "images, and the lowest (entropy - bound) over its query rows.\n\n"
     << "| method | runs | heads | median max logit norm | mean entropy | lowest entropy - bound "
        "|\n|---|---|---|---|---|---|\n";
  for (const auto& m : probes) {
    std::vector<double> norms;
    double entropy = 0, slack = 1e300;
    for (const auto& h : m.heads) {
      norms.push_back(h.max_logit_norm);
      entropy += h.mean_entropy;
      slack = std::min(slack, h.min_bound_slack);
    }
    if (norms.empty()) continue;
    std::nth_element(norms.begin(), norms.begin() + norms.size() / 2, norms.end());
    md << absl::StrFormat("| %s | %d | %zu | %.3g | %.3f | %.3g |\n", m.method, m.runs,
                          m.heads.size(), norms[norms.size() / 2], entropy / m.heads.size(),
                          slack + 0.0);
    if (slack < -1e-6) *held = false;
  }
  return md.str();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Checks the Theorem 3.1 entropy bound on random, adversarial and trained attention logits.");
  absl::ParseCommandLine(argc, argv);
  const std::vector<int64_t> keys = {2, 5, 17, 64, 197};
  std::vector<double> s_values;
  for (double s = 0; s <= 12.0001; s += 0.5) s_values.push_back(s);
  std::cout << "checking the bound: " << keys.size() << " T x " << s_values.size() << " s x ("
            << absl::GetFlag(FLAGS_random) << " random + " << absl::GetFlag(FLAGS_adversarial)
            << " adversarial) vectors..." << std::endl;
  const analysis::BoundCheck check = analysis::check_entropy_bound(
      keys, s_values, absl::GetFlag(FLAGS_random), absl::GetFlag(FLAGS_adversarial), 20230523);

  std::vector<analysis::MethodProbes> probes;
  const std::string root = core::workspace_path(absl::GetFlag(FLAGS_runs));
  if (std::filesystem::exists(root)) {
    auto runs = analysis::read_runs(root, /*with_metrics=*/false);
    if (!runs.ok()) {
      std::cerr << "error: " << runs.status().message() << "\n";
      return 1;
    }
    probes = analysis::head_probes(*runs);
  } else {
    std::cout << "no runs at " << root << ": plotting the bound without trained heads\n";
  }

  std::ostringstream md;
  md << bound_table_markdown(check, keys);
  bool held = check.held();
  if (!probes.empty()) md << heads_table_markdown(probes, &held);
  md << "\n![Theorem 3.1](entropy_bound.png)\n";

  const std::string out = core::workspace_path(absl::GetFlag(FLAGS_out));
  std::filesystem::create_directories(out);
  std::ofstream(out + "/entropy_bound.md") << md.str();
  analysis::draw_bound_figure(check, probes, "pngcairo", out + "/entropy_bound.png");
  analysis::draw_bound_figure(check, probes, "svgcairo", out + "/entropy_bound.svg");
  std::cout << md.str() << "\nwrote " << out << "/entropy_bound.{md,png,svg}\n";
  if (!held) {
    std::cerr << "error: the bound was violated (see the tables above)\n";
    return 1;
  }
  return 0;
}
