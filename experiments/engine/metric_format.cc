#include "experiments/engine/metric_format.h"

#include <absl/strings/str_format.h>

namespace experiments {

std::string format_metric(const sigma_reparam::MetricInfo& info, double value) {
  if (info.percent()) return absl::StrFormat("%.*f%%", info.precision(), 100 * value);
  return absl::StrFormat("%.*f", info.precision(), value);
}

std::string format_spread(const sigma_reparam::MetricInfo& info, double spread) {
  return absl::StrFormat("%.*f", info.precision(), (info.percent() ? 100 : 1) * spread);
}

bool is_better(const sigma_reparam::MetricInfo& info, double a, double b) {
  return info.higher_is_better() ? a > b : a < b;
}

sigma_reparam::MetricInfo metric_info(const std::string& name, const std::string& label,
                                      const std::string& short_label, bool higher_is_better,
                                      bool percent, int precision) {
  sigma_reparam::MetricInfo m;
  m.set_name(name);
  m.set_label(label);
  m.set_short_label(short_label);
  m.set_higher_is_better(higher_is_better);
  m.set_percent(percent);
  m.set_precision(precision);
  return m;
}

}  // namespace experiments
