// The early-training diagnostics table of a sweep whose runs recorded per-layer statistics
// (run.layer_diagnostics_steps, experiments/engine/layer_stats.h): per variant, the gradient
// norm of the lowest and highest layer of each stack at step 1, and how far the layers moved
// over the recorded steps (the sum over steps of ||update|| / ||parameters||, the largest and
// the smallest over the stacks' layers), mean over seeds.
#pragma once

#include <string>
#include <vector>

#include "analysis/run_reader.h"

namespace analysis {

struct LayerDiagnostics {
  std::string variant;
  int runs = 0, steps = 0;  // runs averaged; diagnostic steps of the first
  // Per stack ("encoder", "decoder", "blocks"), in order of first appearance.
  std::vector<std::string> stacks;
  std::vector<double> lowest_grad, highest_grad;  // step 1, per stack
  double largest_move = 0, smallest_move = 0;     // over every layer of every stack
};

// One entry per variant whose runs recorded layer statistics, in the runs' order; empty if none.
// Needs the runs' metrics (read_runs(..., with_metrics=true)).
std::vector<LayerDiagnostics> layer_diagnostics(const std::vector<RunRecord>& runs);

// The markdown table of `layer_diagnostics(runs)` with its caption; "" if none.
std::string layer_diagnostics_markdown(const std::vector<RunRecord>& runs);

}  // namespace analysis
