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

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Plots loss and per-layer attention entropy of runs (PNG + SVG).");
  absl::ParseCommandLine(argc, argv);
  const std::string out = analysis::workspace_path(absl::GetFlag(FLAGS_out));
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  if (!absl::GetFlag(FLAGS_reparam_run).empty()) {
    auto run = analysis::read_run(analysis::workspace_path(absl::GetFlag(FLAGS_reparam_run)), true);
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
  if (!absl::GetFlag(FLAGS_lr_sweep).empty()) {
    auto runs = analysis::read_runs(analysis::workspace_path(absl::GetFlag(FLAGS_lr_sweep)), false);
    if (!runs.ok()) {
      std::cerr << "error: " << runs.status().message() << "\n";
      return 1;
    }
    const auto curves = analysis::lr_curves(*runs);
    analysis::draw_lr_figure(curves, "pngcairo", out + ".png");
    analysis::draw_lr_figure(curves, "svgcairo", out + ".svg");
    std::cout << "wrote " << out << ".png and " << out << ".svg (" << curves.size() << " methods, "
              << runs->size() << " runs)\n";
    return 0;
  }
  std::vector<analysis::EntropySeries> series;
  const std::vector<std::string> dirs =
      absl::StrSplit(absl::GetFlag(FLAGS_runs), ',', absl::SkipEmpty());
  for (const std::string& dir : dirs) {
    auto run = analysis::read_run(analysis::workspace_path(dir), /*with_metrics=*/true);
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
