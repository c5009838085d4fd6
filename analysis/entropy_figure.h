// The entropy-collapse figure (paper Figure 1 / demo.png layout): training loss on top, then
// one panel per layer with its mean attention entropy over training, one line per run, log T
// dashed. Drawn with PLplot (C++ binding, cairo drivers).
#pragma once

#include <string>
#include <vector>

#include "analysis/run_reader.h"

namespace analysis {

struct EntropySeries {
  std::string label;
  std::vector<double> step, loss;
  // Not every logged line carries entropies (e.g. the per-step lines of layer diagnostics):
  // entropy[l][i] is at step entropy_step[i].
  std::vector<double> entropy_step;
  std::vector<std::vector<double>> entropy;  // [layer][point]
  std::vector<std::string> layer_names;      // [layer] "encoder self-attention layer 0"
  double log_t = 0;  // uniform attention's entropy over the visible keys (0: unknown)
};

// A run's logged steps (needs metrics). Non-finite losses are skipped; DIVERGED runs say so in
// the label. A run with several attention stacks or kinds (an encoder-decoder) gets one series
// per stack and kind instead of per layer: the lowest layer's entropy at each step.
EntropySeries entropy_series(const RunRecord& run);

// Draws up to `max_layers` entropy panels. device: "pngcairo" or "svgcairo".
void draw_entropy_figure(const std::vector<EntropySeries>& series, int max_layers,
                         const std::string& device, const std::string& file);

}  // namespace analysis
