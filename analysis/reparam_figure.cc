#include "analysis/reparam_figure.h"

#include <plplot/plstream.h>

#include <algorithm>
#include <map>

namespace analysis {
namespace {

const int kColours[][3] = {{214, 39, 40},   {31, 119, 180}, {44, 160, 44},   {255, 127, 14},
                           {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127}};

}  // namespace

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
  pls.sdev(device.c_str());
  pls.sfnam(file.c_str());
  pls.setopt("geometry", "1000x800");
  pls.scol0(0, 255, 255, 255);
  pls.scol0(1, 0, 0, 0);
  for (int i = 0; i < 8; ++i) pls.scol0(2 + i, kColours[i][0], kColours[i][1], kColours[i][2]);
  pls.ssub(1, 2);
  pls.init();
  pls.schr(0, 0.9);
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
      pls.col0(2 + static_cast<int>(i % 8));
      pls.width(2);
      pls.line(static_cast<PLINT>(s.step.size()), const_cast<PLFLT*>(s.step.data()), ys.data());
      pls.width(1);
    }
    if (panel == 0 && !series.empty()) {
      const PLINT n = static_cast<PLINT>(std::min<size_t>(series.size(), 8));
      std::vector<PLINT> opt(n, PL_LEGEND_LINE), text_col(n, 1), line_col(n), line_style(n, 1);
      std::vector<PLFLT> line_width(n, 2.0);
      std::vector<const char*> text(n);
      for (PLINT i = 0; i < n; ++i) {
        line_col[i] = 2 + i;
        text[i] = series[i].layer.c_str();
      }
      PLFLT w, h;
      pls.legend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
                 PL_POSITION_BOTTOM | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.02, 0.04, 0.1, 0, 1,
                 1, 0, 0, n, opt.data(), 1.0, 0.9, 2.0, 0.0, text_col.data(), text.data(), nullptr,
                 nullptr, nullptr, nullptr, line_col.data(), line_style.data(), line_width.data(),
                 nullptr, nullptr, nullptr, nullptr);
    }
  }
}

}  // namespace analysis
