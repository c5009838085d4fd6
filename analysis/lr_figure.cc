#include "analysis/lr_figure.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/plot_style.h"

namespace analysis {
std::vector<LrCurve> lr_curves(const std::vector<RunRecord>& runs) {
  std::vector<LrCurve> curves;
  std::vector<std::map<double, std::vector<const RunRecord*>>> by_lr;
  for (const RunGroup& group : group_runs(runs, Grouping::kVariant)) {
    curves.push_back({group.variant, {}});
    by_lr.emplace_back();
    for (const RunRecord* run : group.runs) by_lr.back()[run_lr(*run)].push_back(run);
  }
  for (size_t c = 0; c < curves.size(); ++c) {
    for (const auto& [lr, group] : by_lr[c]) {
      LrPoint p;
      p.lr = lr;
      double loss = 0, entropy = 0;
      int with_entropy = 0;
      for (const RunRecord* run : group) {
        const auto& r = run->result;
        if (unstable(*run)) ++p.diverged;  // crosses: the instability rule (run_reader.h)
        if (r.status() == sigma_reparam::RunResult::COMPLETED) {
          ++p.completed;
          loss += r.final_loss();
          const auto it = r.metrics().find(r.headline().name());
          if (r.has_headline() && it != r.metrics().end()) {
            p.headline += it->second;
            ++p.with_headline;
          }
        }
        if (r.has_min_entropy()) {
          entropy += r.min_entropy();
          ++with_entropy;
        }
      }
      if (p.completed > 0) p.final_loss = loss / p.completed;
      if (p.with_headline > 0) p.headline /= p.with_headline;
      if (with_entropy > 0) p.min_entropy = entropy / with_entropy;
      curves[c].points.push_back(p);
    }
  }
  return curves;
}

void draw_lr_figure(const std::vector<LrCurve>& curves, const std::string& device,
                    const std::string& file, const sigma_reparam::MetricInfo& headline) {
  double lo = 1e300, hi = -1e300, max_loss = 0.1, max_entropy = 0.5;
  double h_lo = 1e300, h_hi = -1e300;
  const double h_scale = headline.percent() ? 100.0 : 1.0;
  for (const auto& c : curves) {
    for (const auto& p : c.points) {
      lo = std::min(lo, std::log10(p.lr));
      hi = std::max(hi, std::log10(p.lr));
      max_loss = std::max(max_loss, p.final_loss);
      max_entropy = std::max(max_entropy, p.min_entropy);
      if (p.with_headline > 0) {
        h_lo = std::min(h_lo, h_scale * p.headline);
        h_hi = std::max(h_hi, h_scale * p.headline);
      }
    }
  }
  const bool with_headline = !headline.name().empty() && h_hi >= h_lo;
  // A flat (or nearly flat) headline still gets a readable axis: PLplot cannot tick a range of
  // rounding error.
  if (with_headline && !(h_hi - h_lo > 1e-6 * std::max(1.0, std::abs(h_hi)))) {
    h_lo -= 1;
    h_hi += 1;
  }
  const double h_pad = 0.08 * (h_hi - h_lo);
  plstream pls;
  open_figure(pls, device, file, with_headline ? "1000x1150" : "1000x800", with_headline ? 3 : 2);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double pad = 0.05 * (hi - lo);
  // Many lines: the legend goes to the right of the panels rather than over them.
  const bool side_legend = curves.size() > 4;
  // Panel -1: the headline metric; 0: final loss; 1: lowest entropy.
  for (int panel = with_headline ? -1 : 0; panel < 2; ++panel) {
    const double top = panel == 0 ? 1.15 * max_loss : 1.1 * max_entropy;
    pls.adv(0);
    if (side_legend) {
      pls.vpor(0.08, 0.68, 0.16, 0.86);
    } else {
      pls.vsta();
    }
    pls.col0(1);
    if (panel == -1) {
      pls.wind(lo - pad, hi + pad, h_lo - h_pad, h_hi + h_pad);
      pls.box("bclnst", 0, 0, "bcnstv", 0, 0);
      const std::string label = headline.label() + (headline.percent() ? " (%)" : "");
      pls.lab("learning rate", label.c_str(),
              (headline.label() + " against learning rate (mean over seeds)").c_str());
    } else {
      pls.wind(lo - pad, hi + pad, 0, top);
      pls.box("bclnst", 0, 0, "bcnstv", 0, 0);
      pls.lab("learning rate", panel == 0 ? "final training loss" : "lowest attention entropy",
              panel == 0 ? "Learning-rate sensitivity (x: diverged runs)"
                         : "Lowest per-layer attention entropy during training");
    }
    for (size_t i = 0; i < curves.size(); ++i) {
      pls.col0(line_colour(i));
      std::vector<PLFLT> xs, ys;
      for (const auto& p : curves[i].points) {
        if (panel == -1) {
          if (p.with_headline == 0) continue;
          xs.push_back(std::log10(p.lr));
          ys.push_back(h_scale * p.headline);
          continue;
        }
        if (panel == 0 && p.completed == 0) {
          PLFLT x = std::log10(p.lr), y = 0.97 * top;  // a diverged point: cross at the top
          pls.poin(1, &x, &y, 5);
          continue;
        }
        xs.push_back(std::log10(p.lr));
        ys.push_back(panel == 0 ? p.final_loss : p.min_entropy);
      }
      pls.width(2);
      pls.lsty(line_style(i));
      if (xs.size() > 1) pls.line(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
      pls.lsty(1);
      pls.poin(static_cast<PLINT>(xs.size()), xs.data(), ys.data(), 17);
      pls.width(1);
    }
    if (panel == (with_headline ? -1 : 0)) {
      std::vector<std::string> labels;
      for (const auto& c : curves) labels.push_back(c.method);
      line_legend(pls, labels,
                  side_legend ? PL_POSITION_RIGHT | PL_POSITION_OUTSIDE
                              : PL_POSITION_BOTTOM | PL_POSITION_LEFT);
    }
  }
}

}  // namespace analysis
