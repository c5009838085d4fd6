// How named metrics (experiments/spec.proto, MetricInfo) are shown and compared, for progress
// lines, sweep lines, tables and the report alike. No LibTorch.
//
//   experiments::format_metric(info, 0.8734)   // "87.34%" for a percent metric, precision 2
//   experiments::is_better(info, a, b)         // a better than b in the metric's direction
#pragma once

#include <string>

#include "experiments/spec.pb.h"

namespace experiments {

std::string format_metric(const sigma_reparam::MetricInfo& info, double value);

// A spread (e.g. a standard deviation) of the metric in its display units, without a unit sign:
// "1.20" for 0.012 of a percent metric at precision 2.
std::string format_spread(const sigma_reparam::MetricInfo& info, double spread);

// True if `a` is strictly better than `b` (higher, or lower when !higher_is_better).
bool is_better(const sigma_reparam::MetricInfo& info, double a, double b);

// A MetricInfo in one line: the spec.proto fields in order of use.
sigma_reparam::MetricInfo metric_info(const std::string& name, const std::string& label,
                                      const std::string& short_label, bool higher_is_better,
                                      bool percent, int precision);

}  // namespace experiments
