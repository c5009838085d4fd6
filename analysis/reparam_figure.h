// gamma and sigma of σReparam layers over training (from the `reparam` entries of
// metrics.jsonl): one panel for the learned scale gamma, one for sigma(W), one line per matching
// layer (e.g. every attention QKV projection). Drawn with PLplot.
#pragma once

#include <string>
#include <vector>

#include "analysis/run_reader.h"

namespace analysis {

struct ReparamSeries {
  std::string layer;  // module path, e.g. blocks.0.attn.qkv
  std::vector<double> step, gamma, sigma;
};

// One series per σReparam layer whose name contains `filter` ("" = every layer), in the
// order the run logged them.
std::vector<ReparamSeries> reparam_series(const RunRecord& run, const std::string& filter);

void draw_reparam_figure(const std::vector<ReparamSeries>& series, const std::string& title,
                         const std::string& device, const std::string& file);

}  // namespace analysis
