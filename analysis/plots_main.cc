// Entropy-collapse figure from run directories (the paper's Figure 1 / demo.png layout): the
// training loss on top, then one panel per layer with its mean attention entropy over training,
// one line per run, log T dashed. PNG and SVG through PLplot's cairo drivers.
//
//   bazel run //analysis:plots -- --runs=runs/vit/baseline_lr4x,runs/vit/sigma_reparam
//       --out=report/entropy_curves
//
// PLplot (Debian libplplot-dev + plplot-driver-cairo) is a C/C++ plotting library with a
// stable C++ binding and SVG/PNG output, so figures need no Python.
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/status/statusor.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "analysis/entropy_figure.h"
#include "analysis/lr_figure.h"
#include "analysis/reparam_figure.h"
#include "analysis/run_reader.h"
#include "analysis/series.h"
#include "core/paths.h"

ABSL_FLAG(std::string, runs, "runs/vit/baseline_lr4x,runs/vit/sigma_reparam",
          "comma-separated run directories, one line each");
ABSL_FLAG(std::string, out, "report/entropy_curves", "output path without extension");
ABSL_FLAG(int, max_layers, 4, "entropy panels (first layers)");
ABSL_FLAG(
    std::string, reparam_run, "",
    "instead: one σReparam run directory; draws gamma and sigma(W) of its layers over training");
ABSL_FLAG(std::string, reparam_filter, "attn.qkv",
          "with --reparam_run: layers whose name contains this");
ABSL_FLAG(std::string, lr_sweep, "",
          "instead: a directory of sweep runs; draws final loss and lowest entropy against lr");
ABSL_FLAG(std::string, curves_from, "",
          "instead of --runs: a directory of sweep runs; draws, per variant, its lowest-seed run "
          "at its highest lr (in a series sweep, at the largest x), chosen from the records");
ABSL_FLAG(std::string, reparam_from, "",
          "instead of --reparam_run: a directory of sweep runs; draws the first variant (in "
          "record order) whose runs have σReparam layers, lowest seed at its highest lr");

namespace {

// Per variant of the sweep runs under `root`, its lowest-seed run at its highest lr (variants may
// have learning rates of their own); only variants whose chosen run has σReparam statistics when
// `reparam_only`.
absl::StatusOr<std::vector<std::string>> pick_runs(const std::string& root, bool reparam_only) {
  auto runs = analysis::read_runs(root, /*with_metrics=*/reparam_only);
  if (!runs.ok()) return runs.status();
  // In a series sweep (e.g. depth x method) the largest x, one run per series.
  const bool series = analysis::is_series_sweep(*runs);
  double top_x = -INFINITY;
  for (const auto& r : *runs) {
    if (series) top_x = std::max(top_x, r.result.identity().x());
  }
  std::vector<std::string> dirs;
  for (const auto& group : analysis::group_runs(*runs, analysis::Grouping::kVariant)) {
    double top = 0;  // this variant's highest lr
    for (const auto* r : group.runs) top = std::max(top, analysis::run_lr(*r));
    const analysis::RunRecord* pick = nullptr;
    for (const auto* r : group.runs) {
      if (analysis::run_lr(*r) != top) continue;
      if (series && r->result.identity().x() != top_x) continue;
      if (pick == nullptr || r->spec.run().seed() < pick->spec.run().seed()) pick = r;
    }
    if (pick == nullptr) continue;
    if (reparam_only) {
      bool has_reparam = false;
      for (const auto& m : pick->metrics) has_reparam |= m.reparam_size() > 0;
      if (!has_reparam) continue;
    }
    dirs.push_back(pick->dir);
  }
  if (dirs.empty()) return absl::NotFoundError(absl::StrCat(root, ": no run to draw"));
  return dirs;
}

// --reparam_run (or the first run of --reparam_from): σ and γ of its matching layers.
int draw_reparam(const std::string& reparam_run, const std::string& out) {
  auto run = analysis::read_run(core::workspace_path(reparam_run), true);
  if (!run.ok()) {
    std::cerr << "error: " << run.status().message() << "\n";
    return 1;
  }
  const auto series = analysis::reparam_series(*run, absl::GetFlag(FLAGS_reparam_filter));
  if (series.empty()) {
    std::cerr << "error: no σReparam layer matching '" << absl::GetFlag(FLAGS_reparam_filter)
              << "' in " << run->dir << "/metrics.jsonl\n";
    return 1;
  }
  const std::string title =
      run->spec.name() + ": " + absl::GetFlag(FLAGS_reparam_filter) + " layers";
  analysis::draw_reparam_figure(series, title, "pngcairo", out + ".png");
  analysis::draw_reparam_figure(series, title, "svgcairo", out + ".svg");
  std::cout << "wrote " << out << ".png and " << out << ".svg (" << series.size() << " layers)\n";
  return 0;
}

// --lr_sweep: the headline metric against the learning rate, one curve per method.
int draw_lr(const std::string& out) {
  auto runs = analysis::read_runs(core::workspace_path(absl::GetFlag(FLAGS_lr_sweep)), false);
  if (!runs.ok()) {
    std::cerr << "error: " << runs.status().message() << "\n";
    return 1;
  }
  const auto curves = analysis::lr_curves(*runs);
  std::vector<const analysis::RunRecord*> all;
  for (const auto& r : *runs) all.push_back(&r);
  const sigma_reparam::MetricInfo headline = analysis::headline(all);
  analysis::draw_lr_figure(curves, "pngcairo", out + ".png", headline);
  analysis::draw_lr_figure(curves, "svgcairo", out + ".svg", headline);
  std::cout << "wrote " << out << ".png and " << out << ".svg (" << curves.size() << " methods, "
            << runs->size() << " runs)\n";
  return 0;
}

// --runs (or the runs --curves_from picks): loss and per-layer attention entropy.
int draw_entropy(const std::string& out) {
  std::vector<analysis::EntropySeries> series;
  std::vector<std::string> dirs = absl::StrSplit(absl::GetFlag(FLAGS_runs), ',', absl::SkipEmpty());
  if (!absl::GetFlag(FLAGS_curves_from).empty()) {
    auto picked = pick_runs(core::workspace_path(absl::GetFlag(FLAGS_curves_from)), false);
    if (!picked.ok()) {
      std::cerr << "error: " << picked.status().message() << "\n";
      return 1;
    }
    dirs = *picked;
  }
  for (const std::string& dir : dirs) {
    auto run = analysis::read_run(core::workspace_path(dir), /*with_metrics=*/true);
    if (!run.ok()) {
      std::cerr << "error: " << run.status().message() << "\n";
      return 1;
    }
    series.push_back(analysis::entropy_series(*run));
  }
  if (series.empty()) {
    std::cerr << "error: --runs names no run directory\n";
    return 2;
  }
  analysis::draw_entropy_figure(series, absl::GetFlag(FLAGS_max_layers), "pngcairo", out + ".png");
  analysis::draw_entropy_figure(series, absl::GetFlag(FLAGS_max_layers), "svgcairo", out + ".svg");
  std::cout << "wrote " << out << ".png and " << out << ".svg\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Plots loss and per-layer attention entropy of runs (PNG + SVG).");
  absl::ParseCommandLine(argc, argv);
  const std::string out = core::workspace_path(absl::GetFlag(FLAGS_out));
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::string reparam_run = absl::GetFlag(FLAGS_reparam_run);
  if (!absl::GetFlag(FLAGS_reparam_from).empty()) {
    auto picked = pick_runs(core::workspace_path(absl::GetFlag(FLAGS_reparam_from)), true);
    if (!picked.ok()) {
      std::cerr << "error: " << picked.status().message() << "\n";
      return 1;
    }
    reparam_run = picked->front();
  }
  if (!reparam_run.empty()) return draw_reparam(reparam_run, out);
  if (!absl::GetFlag(FLAGS_lr_sweep).empty()) return draw_lr(out);
  return draw_entropy(out);
}
