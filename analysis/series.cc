#include "analysis/series.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <plplot/plstream.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "analysis/plot_style.h"
#include "experiments/engine/metric_format.h"

namespace analysis {
namespace {

using sigma_reparam::RunResult;

std::string stack_name(const sigma_reparam::LayerEntropy& e) {
  return e.stack().empty() ? e.kind() : absl::StrCat(e.stack(), " ", e.kind());
}

}  // namespace

bool is_series_sweep(const std::vector<RunRecord>& runs) {
  return std::any_of(runs.begin(), runs.end(),
                     [](const RunRecord& r) { return r.result.identity().has_series(); });
}

const SeriesPoint* SeriesSummary::point(const std::string& series, double x) const {
  for (const auto& c : curves) {
    if (c.series != series) continue;
    for (const auto& p : c.points) {
      if (p.x == x) return &p;
    }
  }
  return nullptr;
}

bool run_failed(const RunRecord& run, const SeriesSummary& s) {
  // collapsed() counts an unstable run (the instability rule) as collapsed.
  if (run.result.status() != RunResult::COMPLETED || collapsed(run, s.collapse_fraction))
    return true;
  if (!run.metrics.empty() &&
      run.result.final_loss() >= s.learn_ratio * run.metrics.front().loss()) {
    return true;
  }
  if (s.plateau_metric.empty()) return false;
  const auto& m = run.result.metrics();
  const auto loss = m.find("eval_loss"), plateau = m.find(s.plateau_metric);
  return loss != m.end() && plateau != m.end() && loss->second >= plateau->second;
}

namespace {

// A point's summary: its runs' cell summary, failures, mean final loss, lowest entropy per
// stack (as a fraction of uniform) and mean validation and plateau losses.
void summarize_point(const SeriesSummary& s, SeriesPoint& p) {
  p.summary = summarize(p.runs, s.collapse_fraction);
  p.final_loss = p.summary.completed > 0 ? p.summary.final_loss_mean
                                         : std::numeric_limits<double>::quiet_NaN();
  std::map<std::string, std::pair<double, int>> sums;
  double eval_sum = 0, plateau_sum = 0;
  int with_plateau = 0;
  for (const RunRecord* r : p.runs) {
    p.failed += run_failed(*r, s);
    const auto& m = r->result.metrics();
    if (!s.plateau_metric.empty() && m.count("eval_loss") && m.count(s.plateau_metric)) {
      eval_sum += m.at("eval_loss");
      plateau_sum += m.at(s.plateau_metric);
      ++with_plateau;
    }
    std::map<std::string, double> lowest;
    for (const auto& e : r->result.lowest_entropy()) {
      if (!(e.uniform() > 0)) continue;
      const std::string k = stack_name(e);
      const double fraction = e.mean() / e.uniform();
      lowest[k] = lowest.count(k) ? std::min(lowest[k], fraction) : fraction;
    }
    for (const auto& [k, v] : lowest) {
      sums[k].first += v;
      ++sums[k].second;
    }
  }
  for (const auto& [k, sum] : sums) p.lowest_entropy[k] = sum.first / sum.second;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  p.eval_loss = with_plateau > 0 ? eval_sum / with_plateau : nan;
  p.plateau = with_plateau > 0 ? plateau_sum / with_plateau : nan;
}

}  // namespace

SeriesSummary summarize_series(const std::vector<RunRecord>& runs, double collapse_fraction,
                               double learn_ratio, const std::string& plateau_metric) {
  SeriesSummary s;
  s.collapse_fraction = collapse_fraction;
  s.learn_ratio = learn_ratio;
  s.plateau_metric = plateau_metric;
  std::vector<const RunRecord*> all;
  std::set<std::string> stacks;
  for (const auto& r : runs) {
    if (!r.result.identity().has_series()) continue;
    all.push_back(&r);
    for (const auto& e : r.result.lowest_entropy()) stacks.insert(stack_name(e));
  }
  s.headline = headline(all);
  s.stacks.assign(stacks.begin(), stacks.end());
  for (const RunRecord* r : all) {
    const auto& id = r->result.identity();
    auto curve = std::find_if(s.curves.begin(), s.curves.end(),
                              [&](const SeriesCurve& c) { return c.series == id.series(); });
    if (curve == s.curves.end()) {
      s.curves.push_back({id.series(), {}});
      curve = s.curves.end() - 1;
    }
    auto point = std::find_if(curve->points.begin(), curve->points.end(),
                              [&](const SeriesPoint& p) { return p.x == id.x(); });
    if (point == curve->points.end()) {
      curve->points.push_back({});
      point = curve->points.end() - 1;
      point->x = id.x();
    }
    point->runs.push_back(r);
    if (std::find(s.xs.begin(), s.xs.end(), id.x()) == s.xs.end()) s.xs.push_back(id.x());
  }
  std::sort(s.xs.begin(), s.xs.end());
  for (auto& c : s.curves) {
    std::sort(c.points.begin(), c.points.end(),
              [](const SeriesPoint& a, const SeriesPoint& b) { return a.x < b.x; });
    for (auto& p : c.points) summarize_point(s, p);
  }
  return s;
}

std::string series_markdown(const SeriesSummary& s, const std::string& x_label) {
  const auto& h = s.headline;
  std::string head = "| method |", rule = "|---|";
  for (double x : s.xs) {
    absl::StrAppend(&head, absl::StrFormat(" %s %g |", x_label, x));
    rule += "---|";
  }
  std::string md = head + "\n" + rule + "\n";
  for (const auto& c : s.curves) {
    absl::StrAppend(&md, "| ", c.series, " |");
    for (double x : s.xs) {
      const SeriesPoint* p = s.point(c.series, x);
      if (p == nullptr) {
        md += " - |";
        continue;
      }
      const auto& g = p->summary;
      std::string text = "-";
      if (g.with_headline > 0) {
        text = absl::StrFormat("%s %s ± %s", h.short_label(),
                               experiments::format_metric(h, g.headline_mean),
                               experiments::format_spread(h, g.headline_std));
      }
      if (std::isfinite(p->final_loss)) {
        absl::StrAppend(&text, absl::StrFormat("<br>loss %.3f", p->final_loss));
      }
      if (std::isfinite(p->eval_loss)) {
        absl::StrAppend(&text,
                        absl::StrFormat("<br>val %.2f (plateau %.2f)", p->eval_loss, p->plateau));
      }
      absl::StrAppend(&text, absl::StrFormat("<br>failed %d/%d", p->failed, g.runs));
      if (g.diverged > 0) absl::StrAppend(&text, absl::StrFormat(" (%d diverged)", g.diverged));
      if (g.collapsed > 0) absl::StrAppend(&text, absl::StrFormat(", %d collapsed", g.collapsed));
      absl::StrAppend(&md, " ", text, " |");
    }
    md += "\n";
  }
  absl::StrAppend(&md,
                  "\nLowest attention entropy per stack as a fraction of uniform attention's "
                  "(min over layers and logged steps, mean over seeds; collapse: below ",
                  absl::StrFormat("%g", s.collapse_fraction), "):\n\n| method | ", x_label, " |");
  for (const auto& stack : s.stacks) absl::StrAppend(&md, " ", stack, " |");
  md += "\n|---|---|";
  for (size_t i = 0; i < s.stacks.size(); ++i) md += "---|";
  md += "\n";
  for (const auto& c : s.curves) {
    for (const auto& p : c.points) {
      absl::StrAppend(&md, "| ", c.series, " | ", absl::StrFormat("%g", p.x), " |");
      for (const auto& stack : s.stacks) {
        const auto it = p.lowest_entropy.find(stack);
        absl::StrAppend(
            &md, it == p.lowest_entropy.end() ? " - |" : absl::StrFormat(" %.2f |", it->second));
      }
      md += "\n";
    }
  }
  return md;
}

namespace {

// One panel's lines (0: final loss, 1: the headline, 2: lowest entropy / uniform), a cross at
// the top where a point has nothing to show.
void draw_series_lines(plstream& pls, const SeriesSummary& s, int panel, double y_top) {
  for (size_t i = 0; i < s.curves.size(); ++i) {
    pls.col0(line_colour(i));
    std::vector<PLFLT> xs, ys;
    for (const auto& p : s.curves[i].points) {
      double value = 0;
      bool have = false;
      if (panel == 0) {
        have = std::isfinite(p.final_loss);
        value = p.final_loss;
      } else if (panel == 1) {
        have = p.summary.with_headline > 0;
        value = p.summary.headline_mean;
      } else {
        for (const auto& [k, v] : p.lowest_entropy) {
          value = have ? std::min(value, v) : v;
          have = true;
        }
      }
      if (!have) {
        PLFLT px = p.x, py = 0.97 * y_top;  // nothing to show: a cross at the top
        pls.poin(1, &px, &py, 5);
        continue;
      }
      xs.push_back(p.x);
      ys.push_back(value);
    }
    pls.width(2);
    if (xs.size() > 1) pls.line(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
    pls.poin(static_cast<PLINT>(xs.size()), xs.data(), ys.data(), 17);
    pls.width(1);
  }
}

}  // namespace

void draw_series_figure(const SeriesSummary& s, const std::string& x_label,
                        const std::string& device, const std::string& file) {
  plstream pls;
  open_figure(pls, device, file, "1000x1100", 3);
  double lo = 1e300, hi = -1e300;
  double top[3] = {0.1, 1e-9, 1.0};
  for (const auto& c : s.curves) {
    for (const auto& p : c.points) {
      lo = std::min(lo, p.x);
      hi = std::max(hi, p.x);
      if (std::isfinite(p.final_loss)) top[0] = std::max(top[0], p.final_loss);
      if (p.summary.with_headline > 0) top[1] = std::max(top[1], p.summary.headline_mean);
    }
  }
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const double pad = 0.05 * (hi - lo);
  const std::string titles[3] = {
      "Final training loss (mean over completed seeds; x: no seed completed)",
      absl::StrCat(s.headline.label(), " (mean over completed seeds)"),
      absl::StrFormat("Lowest attention entropy / uniform, any stack (dashed: collapse line %g)",
                      s.collapse_fraction)};
  const std::string labels[3] = {"final training loss", s.headline.short_label(),
                                 "entropy / uniform"};
  for (int panel = 0; panel < 3; ++panel) {
    const double y_top = panel == 2 ? 1.05 : 1.15 * top[panel];
    pls.adv(0);
    pls.vsta();
    pls.col0(1);
    pls.wind(lo - pad, hi + pad, 0, y_top);
    pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
    pls.lab(panel == 2 ? x_label.c_str() : "", labels[panel].c_str(), titles[panel].c_str());
    if (panel == 2) {
      PLFLT xs[2] = {lo - pad, hi + pad}, ys[2] = {s.collapse_fraction, s.collapse_fraction};
      pls.lsty(2);
      pls.line(2, xs, ys);
      pls.lsty(1);
    }
    draw_series_lines(pls, s, panel, y_top);
    if (panel == 0) {
      std::vector<std::string> names;
      for (const auto& c : s.curves) names.push_back(c.series);
      line_legend(pls, names, PL_POSITION_BOTTOM | PL_POSITION_RIGHT);
    }
  }
}

}  // namespace analysis
