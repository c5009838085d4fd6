#include "analysis/reparam_figure.h"

#include <algorithm>
#include <map>

#include "analysis/plot_style.h"

namespace analysis {

std::vector<ReparamSeries> reparam_series(const RunRecord& run, const std::string& filter) {
  std::vector<ReparamSeries> out;
  std::map<std::string, size_t> index;
  for (const auto& m : run.metrics) {
    for (const auto& r : m.reparam()) {
      if (r.name().find(filter) == std::string::npos) continue;
      auto [it, inserted] = index.emplace(r.name(), out.size());
      if (inserted) out.push_back({r.name(), {}, {}, {}});
      ReparamSeries& s = out[it->second];
      s.step.push_back(static_cast<double>(m.step()));
      s.gamma.push_back(r.gamma());
      s.sigma.push_back(r.sigma());
    }
  }
  return out;
}

void draw_reparam_figure(const std::vector<ReparamSeries>& series, const std::string& title,
                         const std::string& device, const std::string& file) {
  plstream pls;
  open_figure(pls, device, file, "1000x800", 2);
  double max_step = 1, max_gamma = 0.1, max_sigma = 0.1;
  for (const auto& s : series) {
    for (double x : s.step) max_step = std::max(max_step, x);
    for (double g : s.gamma) max_gamma = std::max(max_gamma, std::abs(g));
    for (double v : s.sigma) max_sigma = std::max(max_sigma, v);
  }
  for (int panel = 0; panel < 2; ++panel) {
    pls.adv(0);
    pls.vsta();
    pls.col0(1);
    pls.wind(0, max_step, 0, 1.1 * (panel == 0 ? max_gamma : max_sigma));
    pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
    pls.lab("step", panel == 0 ? "gamma (learned scale)" : "sigma(W) (spectral norm)",
            panel == 0 ? title.c_str() : "");
    for (size_t i = 0; i < series.size(); ++i) {
      const auto& s = series[i];
      std::vector<PLFLT> ys = panel == 0 ? s.gamma : s.sigma;
      if (panel == 0) {
        for (auto& y : ys) y = std::abs(y);
      }
      pls.col0(line_colour(i));
      pls.width(2);
      pls.line(static_cast<PLINT>(s.step.size()), const_cast<PLFLT*>(s.step.data()), ys.data());
      pls.width(1);
    }
    if (panel == 0) {
      std::vector<std::string> labels;
      for (size_t i = 0; i < series.size() && i < kLineColours; ++i)
        labels.push_back(series[i].layer);
      line_legend(pls, labels, PL_POSITION_BOTTOM | PL_POSITION_RIGHT);
    }
  }
}

}  // namespace analysis
