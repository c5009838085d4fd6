// The learning-rate sensitivity figure: the family's headline metric (when the runs report one),
// the final training loss and the lowest attention entropy against learning rate, one line per
// method (runs equal apart from optimizer.lr and run.seed), mean over seeds, diverged runs
// marked with a cross at the top of the loss panel. Drawn with PLplot.
#pragma once

#include <string>
#include <vector>

#include "analysis/run_reader.h"

namespace analysis {

struct LrPoint {
  double lr = 0;
  double final_loss = 0;  // mean over the completed runs at this lr
  int completed = 0, diverged = 0;
  double min_entropy = 0;  // mean over runs that logged entropy
  double headline = 0;     // mean over the completed runs that report the headline metric
  int with_headline = 0;
};

struct LrCurve {
  std::string method;           // the spec name without its "_lr..." suffix
  std::vector<LrPoint> points;  // sorted by lr
};

// Groups runs by method and learning rate.
std::vector<LrCurve> lr_curves(const std::vector<RunRecord>& runs);

// device: "pngcairo" or "svgcairo". Panels against lr: the headline metric (when `headline` is
// named and some point has it), the final loss and the lowest attention entropy.
void draw_lr_figure(const std::vector<LrCurve>& curves, const std::string& device,
                    const std::string& file, const sigma_reparam::MetricInfo& headline = {});

}  // namespace analysis
