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

namespace {

// The ranges of the figure's axes: log10 lr, the final loss, the lowest entropy and the
// headline metric (scaled to percent where it is a fraction).
struct LrAxes {
  double lo = 1e300, hi = -1e300, max_loss = 0.1, max_entropy = 0.5;
  double h_lo = 1e300, h_hi = -1e300, h_scale = 1.0;
  bool with_headline = false;
};

LrAxes lr_axes(const std::vector<LrCurve>& curves, const sigma_reparam::MetricInfo& headline) {
  LrAxes a;
  a.h_scale = headline.percent() ? 100.0 : 1.0;
  for (const auto& c : curves) {
    for (const auto& p : c.points) {
      a.lo = std::min(a.lo, std::log10(p.lr));
      a.hi = std::max(a.hi, std::log10(p.lr));
      a.max_loss = std::max(a.max_loss, p.final_loss);
      a.max_entropy = std::max(a.max_entropy, p.min_entropy);
      if (p.with_headline > 0) {
        a.h_lo = std::min(a.h_lo, a.h_scale * p.headline);
        a.h_hi = std::max(a.h_hi, a.h_scale * p.headline);
      }
    }
  }
  a.with_headline = !headline.name().empty() && a.h_hi >= a.h_lo;
  // A flat (or nearly flat) headline still gets a readable axis: PLplot cannot tick a range of
  // rounding error.
  if (a.with_headline && !(a.h_hi - a.h_lo > 1e-6 * std::max(1.0, std::abs(a.h_hi)))) {
    a.h_lo -= 1;
    a.h_hi += 1;
  }
  if (!(a.hi > a.lo)) {
    a.lo -= 0.5;
    a.hi += 0.5;
  }
  return a;
}

// One panel's lines (-1: the headline metric; 0: final loss, diverged cells as crosses at the
// top; 1: lowest entropy), one per curve.
void draw_lr_lines(plstream& pls, const std::vector<LrCurve>& curves, int panel, double top,
                   double h_scale) {
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
}

}  // namespace

void draw_lr_figure(const std::vector<LrCurve>& curves, const std::string& device,
                    const std::string& file, const sigma_reparam::MetricInfo& headline) {
  const LrAxes a = lr_axes(curves, headline);
  const bool with_headline = a.with_headline;
  const double h_pad = 0.08 * (a.h_hi - a.h_lo);
  plstream pls;
  open_figure(pls, device, file, with_headline ? "1000x1150" : "1000x800", with_headline ? 3 : 2);
  const double pad = 0.05 * (a.hi - a.lo);
  // Many lines: the legend goes to the right of the panels rather than over them.
  const bool side_legend = curves.size() > 4;
  // Panel -1: the headline metric; 0: final loss; 1: lowest entropy.
  for (int panel = with_headline ? -1 : 0; panel < 2; ++panel) {
    const double top = panel == 0 ? 1.15 * a.max_loss : 1.1 * a.max_entropy;
    pls.adv(0);
    if (side_legend) {
      pls.vpor(0.08, 0.68, 0.16, 0.86);
    } else {
      pls.vsta();
    }
    pls.col0(1);
    if (panel == -1) {
      pls.wind(a.lo - pad, a.hi + pad, a.h_lo - h_pad, a.h_hi + h_pad);
      pls.box("bclnst", 0, 0, "bcnstv", 0, 0);
      const std::string label = headline.label() + (headline.percent() ? " (%)" : "");
      pls.lab("learning rate", label.c_str(),
              (headline.label() + " against learning rate (mean over seeds)").c_str());
    } else {
      pls.wind(a.lo - pad, a.hi + pad, 0, top);
      pls.box("bclnst", 0, 0, "bcnstv", 0, 0);
      pls.lab("learning rate", panel == 0 ? "final training loss" : "lowest attention entropy",
              panel == 0 ? "Learning-rate sensitivity (x: diverged runs)"
                         : "Lowest per-layer attention entropy during training");
    }
    draw_lr_lines(pls, curves, panel, top, a.h_scale);
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
