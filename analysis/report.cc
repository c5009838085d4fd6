#include "analysis/report.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "analysis/series.h"
#include "core/format.h"
#include "experiments/engine/metric_format.h"

namespace analysis {
namespace {

using sigma_reparam::ClaimCheck;
using sigma_reparam::RunResult;

std::string metric(const SweepSummary& sweep, double value) {
  return experiments::format_metric(sweep.headline, value);
}

// The headline value of one run; false if its metrics do not have it.
bool run_headline(const RunRecord& run, const sigma_reparam::MetricInfo& headline, double* value) {
  const auto it = run.result.metrics().find(headline.name());
  if (it == run.result.metrics().end()) return false;
  *value = it->second;
  return true;
}

// Claim 1: collapsed runs (any method) train worse than the others.
void judge_collapse_hurts(const SweepSummary& sweep, const std::vector<RunRecord>& runs,
                          ClaimResult& c) {
  const auto& h = sweep.headline;
  c.rule = absl::StrFormat(
      "runs whose lowest layer entropy fell below %.2f (%g%% of log T) or that diverged have a "
      "higher mean final training loss and a worse mean %s than the other runs",
      sweep.collapse_line, 100 * sweep.collapse_fraction, h.label());
  double loss[2] = {0, 0}, value[2] = {0, 0};
  int n[2] = {0, 0}, diverged = 0;
  for (const RunRecord& run : runs) {
    const bool is_collapsed = collapsed(run, sweep.collapse_fraction);
    if (unstable(run)) ++diverged;
    double v = 0;
    if (run.result.status() != RunResult::COMPLETED || !run_headline(run, h, &v)) continue;
    loss[is_collapsed] += run.result.final_loss();
    value[is_collapsed] += v;
    ++n[is_collapsed];
  }
  if (n[0] == 0 || n[1] == 0) {
    c.ours =
        absl::StrFormat("%d collapsed and %d other completed runs: nothing to compare", n[1], n[0]);
    c.verdict = Verdict::kNotRun;
    return;
  }
  for (int k = 0; k < 2; ++k) {
    loss[k] /= n[k];
    value[k] /= n[k];
  }
  c.ours = absl::StrFormat(
      "%d collapsed runs: final loss %.3f, %s %s; %d other runs: %.3f, %s; %d diverged", n[1],
      loss[1], h.label(), metric(sweep, value[1]), n[0], loss[0], metric(sweep, value[0]),
      diverged);
  c.verdict = loss[1] > loss[0] && experiments::is_better(h, value[0], value[1])
                  ? Verdict::kHeld
                  : Verdict::kNotHeld;
  c.otherwise = absl::StrFormat(
      "%s had the collapsed runs' mean final loss been %s the others' %.3f %s their mean %s %s "
      "the others' %s",
      c.verdict == Verdict::kHeld ? "not held" : "held",
      c.verdict == Verdict::kHeld ? "at most" : "above", loss[0],
      c.verdict == Verdict::kHeld ? "or" : "and", h.label(),
      c.verdict == Verdict::kHeld ? "no worse than" : "worse than", metric(sweep, value[0]));
}

// Claim 2: wherever the baseline collapses, the method does not, and trains better.
void judge_prevents_collapse(const ClaimCheck& check, const SweepSummary& sweep, ClaimResult& c) {
  const auto& h = sweep.headline;
  c.rule = absl::StrFormat(
      "at every lr where a `%s` seed collapsed, no `%s` seed collapsed and its mean %s is better "
      "than the baseline's",
      check.baseline(), check.method(), h.label());
  std::vector<std::string> parts;
  int lrs = 0, good = 0;
  for (double lr : sweep.lrs) {
    const SweepCell* b = sweep.cell(check.baseline(), lr);
    const SweepCell* s = sweep.cell(check.method(), lr);
    if (b == nullptr || s == nullptr || b->summary.collapsed == 0) continue;
    ++lrs;
    const bool ok = s->summary.collapsed == 0 &&
                    experiments::is_better(h, s->summary.headline_mean, b->summary.headline_mean);
    good += ok;
    parts.push_back(absl::StrFormat(
        "lr %g: %s %d/%d collapsed, min entropy %.3f, %s; %s %d/%d, %.3f, %s", lr, check.baseline(),
        b->summary.collapsed, b->summary.runs, b->summary.min_entropy_mean,
        metric(sweep, b->summary.headline_mean), check.method(), s->summary.collapsed,
        s->summary.runs, s->summary.min_entropy_mean, metric(sweep, s->summary.headline_mean)));
  }
  if (lrs == 0) {
    c.ours = absl::StrCat("`", check.baseline(),
                          "` collapsed at no lr of the sweep: nothing to prevent");
    c.verdict = Verdict::kNotRun;
    return;
  }
  c.ours = absl::StrJoin(parts, "<br>");
  c.verdict = good == lrs ? Verdict::kHeld : good > 0 ? Verdict::kPartly : Verdict::kNotHeld;
  c.otherwise = good == lrs
                    ? absl::StrFormat(
                          "partly or not held had a `%s` seed collapsed (lowest entropy below "
                          "%.3f) or its mean %s been worse than the baseline's at any of these %d "
                          "lr",
                          check.method(), sweep.collapse_line, h.label(), lrs)
                    : absl::StrFormat(
                          "held had `%s` neither collapsed nor trained worse at the %d of %d lr "
                          "where it did",
                          check.method(), lrs - good, lrs);
}

// Claim 3: the bound holds for every trained head and for the numeric check.
void judge_entropy_bound(const std::vector<RunRecord>& runs, bool bound_held, ClaimResult& c) {
  c.rule =
      "the numeric check (random and adversarial vectors, attaining vector) held, and "
      "every probed head of every run has entropy >= bound on every query row";
  int heads = 0, below = 0;
  double worst = 1e300;
  for (const RunRecord& run : runs) {
    for (const auto& h : run.result.attention_probe()) {
      if (h.rows() == 0) continue;
      ++heads;
      worst = std::min(worst, h.min_bound_slack());
      if (h.min_bound_slack() < -1e-6) ++below;
    }
  }
  c.ours = absl::StrFormat(
      "numeric check %s; %d trained heads, %d below the bound (lowest entropy - bound %.2g)",
      bound_held ? "held" : "FAILED", heads, below, heads ? worst + 0.0 : 0.0);
  c.verdict = heads == 0                 ? Verdict::kNotRun
              : bound_held && below == 0 ? Verdict::kHeld
                                         : Verdict::kNotHeld;
  if (heads > 0) {
    c.otherwise = c.verdict == Verdict::kHeld
                      ? absl::StrFormat(
                            "not held had one query row of one head fallen below the bound (the "
                            "closest is %.2g above it) or the numeric check failed",
                            worst)
                      : "held had every head been above the bound and the numeric check held";
  }
}

// Claim 5: as lr grows the baseline's entropy collapses to ~0 and training diverges.
void judge_collapse_at_high_lr(const ClaimCheck& check, const SweepSummary& sweep,
                               const std::vector<RunRecord>& runs, ClaimResult& c) {
  c.rule = absl::StrFormat(
      "held: at the highest lr every `%s` seed collapsed and diverged; partly held: every seed "
      "collapsed (entropy below %g%% of log T) but did not diverge; %s",
      check.baseline(), 100 * sweep.collapse_fraction, instability_rule_text());
  std::vector<std::string> parts;
  for (double lr : sweep.lrs) {
    const SweepCell* b = sweep.cell(check.baseline(), lr);
    if (b != nullptr) parts.push_back(absl::StrFormat("%g: %.3f", lr, b->summary.min_entropy_mean));
  }
  const SweepCell* top =
      sweep.lrs.empty() ? nullptr : sweep.cell(check.baseline(), sweep.lrs.back());
  if (top == nullptr) {
    c.verdict = Verdict::kNotRun;
    c.ours = absl::StrCat("no `", check.baseline(), "` runs");
    return;
  }
  c.ours = absl::StrFormat(
      "%s mean lowest entropy by lr (log T = %.2f): %s; at lr %g: %d/%d collapsed, %d/%d "
      "diverged, %s %s",
      check.baseline(), sweep.log_t, absl::StrJoin(parts, ", "), top->lr, top->summary.collapsed,
      top->summary.runs, top->summary.diverged, top->summary.runs, sweep.headline.label(),
      metric(sweep, top->summary.headline_mean));
  const bool all_collapsed = top->summary.collapsed == top->summary.runs;
  c.verdict = all_collapsed && top->summary.diverged == top->summary.runs ? Verdict::kHeld
              : all_collapsed                                             ? Verdict::kPartly
                                                                          : Verdict::kNotHeld;
  // The smallest peak of the loss among the top-lr seeds, against the rule's spike factor.
  double smallest_peak = 1e300;
  for (const RunRecord& run : runs) {
    if (variant_name(run) != check.baseline() || run.result.identity().lr() != top->lr) continue;
    const auto& curve = run.result.loss_curve();
    if (curve.first() > 0) smallest_peak = std::min(smallest_peak, curve.highest() / curve.first());
  }
  const std::string peak =
      smallest_peak < 1e300
          ? absl::StrFormat(
                " (the mildest seed's loss peaked at %.2fx its first; the rule's spike "
                "is %gx)",
                smallest_peak, kSpikeFactor)
          : "";
  c.otherwise =
      c.verdict == Verdict::kHeld
          ? absl::StrFormat("partly held had one seed at lr %g stayed stable%s", top->lr, peak)
      : c.verdict == Verdict::kPartly
          ? absl::StrFormat("held had every seed at lr %g also diverged%s", top->lr, peak)
          : absl::StrFormat("partly held had every seed at lr %g collapsed (%d/%d did)", top->lr,
                            top->summary.collapsed, top->summary.runs);
}

// The method at its best lr is within `ratio` of the baseline at its best lr.
// MATCHES_BASELINE, or with `outperforms` OUTPERFORMS_BASELINE.
void judge_against_baseline(const ClaimCheck& check, const SweepSummary& sweep, bool outperforms,
                            ClaimResult& c) {
  const auto& h = sweep.headline;
  if (outperforms) {
    c.rule = absl::StrFormat(
        "`%s` reaches a mean %s %s the baseline's (`%s`), each method at its best lr of the "
        "sweep (no diverged seed there)",
        check.method(), h.label(),
        h.higher_is_better() ? absl::StrFormat("above %.2fx", check.ratio())
                             : absl::StrFormat("below 1/%.2f of", check.ratio()),
        check.baseline());
  } else {
    c.rule = absl::StrFormat(
        "`%s` reaches a mean %s %s the baseline's (`%s`), each method at its best lr of the "
        "sweep (no diverged seed there)",
        check.method(), h.label(),
        h.higher_is_better() ? absl::StrFormat("at least 1/%.2f of", check.ratio())
                             : absl::StrFormat("at most %.2fx", check.ratio()),
        check.baseline());
  }
  auto best = [&](const std::string& method) -> const SweepCell* {
    const SweepCell* b = nullptr;
    for (const auto& cell : sweep.cells) {
      if (cell.method != method || cell.summary.with_headline == 0 || cell.summary.diverged > 0) {
        continue;
      }
      if (b == nullptr ||
          experiments::is_better(h, cell.summary.headline_mean, b->summary.headline_mean)) {
        b = &cell;
      }
    }
    return b;
  };
  const SweepCell* base = best(check.baseline());
  const SweepCell* sig = best(check.method());
  if (base == nullptr || sig == nullptr) {
    c.ours = "no completed sweep runs of both methods";
    c.verdict = Verdict::kNotRun;
    return;
  }
  const double r = sig->summary.headline_mean / base->summary.headline_mean;
  c.ours = absl::StrFormat("%s: %s %s ± %s at lr %g; %s %s ± %s at lr %g: %.3fx", h.label(),
                           check.baseline(), metric(sweep, base->summary.headline_mean),
                           experiments::format_spread(h, base->summary.headline_std), base->lr,
                           check.method(), metric(sweep, sig->summary.headline_mean),
                           experiments::format_spread(h, sig->summary.headline_std), sig->lr, r);
  const bool ok = outperforms
                      ? (h.higher_is_better() ? r > check.ratio() : r < 1 / check.ratio())
                      : (h.higher_is_better() ? r >= 1 / check.ratio() : r <= check.ratio());
  c.verdict = ok ? Verdict::kHeld : Verdict::kNotHeld;
  // The ratio at which the verdict turns: the held side is above it for a higher-is-better
  // headline, and excludes the threshold itself for OUTPERFORMS_BASELINE.
  const double threshold = outperforms == h.higher_is_better() ? check.ratio() : 1 / check.ratio();
  const bool held_above = h.higher_is_better();
  const char* side =
      ok ? (held_above ? (outperforms ? "at most" : "below") : (outperforms ? "at least" : "above"))
         : (held_above ? (outperforms ? "above" : "at least")
                       : (outperforms ? "below" : "at most"));
  c.otherwise = absl::StrFormat("%s had the ratio been %s %.3fx (it is %.3fx)",
                                ok ? "not held" : "held", side, threshold, r);
}

// Series sweeps: at some x the baseline fails in at least half of its seeds while the method
// trains in every seed at every x.
// The rule of a TRAINS_WHERE_BASELINE_FAILS claim, as the report states it.
std::string series_rule(const ClaimCheck& check, const std::string& x_label) {
  return absl::StrFormat(
      "a run *fails* when it diverged, its attention collapsed, or it did not learn (final "
      "training loss >= %g x its first step's%s); held when at some %s `%s` fails in at least "
      "half of its seeds and `%s` in none, and `%s` fails nowhere; partly held when such a %s "
      "exists but `%s` fails elsewhere",
      check.ratio(),
      check.plateau_metric().empty()
          ? ""
          : absl::StrCat(", or validation loss >= its `", check.plateau_metric(), "`"),
      x_label, check.baseline(), check.method(), check.method(), x_label, check.method());
}

// Per value of x, how many of each series' runs failed (and their headline); `baseline_fails`
// says whether some x separates them: the baseline fails in half its seeds, the method in none.
std::string series_parts(const ClaimCheck& check, const SeriesSummary& s, const SeriesCurve& base,
                         const std::string& x_label, bool* baseline_fails) {
  const auto& h = s.headline;
  std::vector<std::string> parts;
  *baseline_fails = false;
  for (const auto& p : base.points) {
    const SeriesPoint* m = s.point(check.method(), p.x);
    std::string part = absl::StrFormat("%s %g: `%s` failed %d/%d", x_label, p.x, check.baseline(),
                                       p.failed, p.summary.runs);
    if (p.summary.with_headline > 0) {
      absl::StrAppend(&part, " (", h.short_label(), " ",
                      experiments::format_metric(h, p.summary.headline_mean), ")");
    }
    if (m != nullptr) {
      absl::StrAppend(&part,
                      absl::StrFormat(", `%s` %d/%d", check.method(), m->failed, m->summary.runs));
      if (m->summary.with_headline > 0) {
        absl::StrAppend(&part, " (", h.short_label(), " ",
                        experiments::format_metric(h, m->summary.headline_mean), ")");
      }
      // A depth that separates them: the baseline fails in half its seeds, the method in none.
      if (2 * p.failed >= p.summary.runs && p.summary.runs > 0 && m->failed == 0) {
        *baseline_fails = true;
      }
    }
    parts.push_back(part);
  }
  return absl::StrJoin(parts, "; ");
}

void judge_trains_where_baseline_fails(const ClaimCheck& check, const std::vector<RunRecord>& runs,
                                       double collapse_fraction, const std::string& x_label,
                                       ClaimResult& c) {
  const SeriesSummary s =
      summarize_series(runs, collapse_fraction, check.ratio(), check.plateau_metric());
  c.rule = series_rule(check, x_label);
  const SeriesCurve* base = nullptr;
  const SeriesCurve* method = nullptr;
  for (const auto& curve : s.curves) {
    if (curve.series == check.baseline()) base = &curve;
    if (curve.series == check.method()) method = &curve;
  }
  if (base == nullptr || method == nullptr) {
    c.ours = "no finished runs of both series";
    c.verdict = Verdict::kNotRun;
    return;
  }
  bool baseline_fails = false;
  c.ours = series_parts(check, s, *base, x_label, &baseline_fails);
  int method_failed = 0, method_runs = 0;
  for (const auto& p : method->points) {
    method_failed += p.failed;
    method_runs += p.summary.runs;
  }
  if (baseline_fails && method_failed == 0) {
    c.verdict = Verdict::kHeld;
  } else if (baseline_fails && method_failed < method_runs) {
    c.verdict = Verdict::kPartly;
  } else {
    c.verdict = Verdict::kNotHeld;
  }
  if (c.verdict == Verdict::kHeld) {
    c.otherwise = absl::StrFormat(
        "partly held had one `%s` run failed anywhere (0/%d did); not held had `%s` failed in "
        "fewer than half its seeds at every %s where `%s` trained",
        check.method(), method_runs, check.baseline(), x_label, check.method());
  } else if (baseline_fails) {
    c.otherwise = absl::StrFormat("held had `%s` trained in the %d of its %d runs that failed",
                                  check.method(), method_failed, method_runs);
  } else {
    c.otherwise = absl::StrFormat(
        "partly held had `%s` failed in at least half its seeds at some %s where `%s` failed in "
        "none (no %s separates them)",
        check.baseline(), x_label, check.method(), x_label);
  }
}

// Robustness over a grid: the method fails nowhere, the baseline fails in some cell, and the method
// matches or beats the reference on average over the grid.
// The rule of a ROBUST_ACROSS_SETTINGS claim, as the report states it.
std::string robust_rule(const ClaimCheck& check, const SweepSummary& sweep) {
  const auto& h = sweep.headline;
  return absl::StrFormat(
      "a run *fails* when it diverged, its attention collapsed (below %g%% of uniform), or its %s "
      "is no better than its `%s`; held when no `%s` run fails and some `%s` cell (variant, lr) "
      "fails in at least half of its seeds%s; partly held when the method fails nowhere but %s",
      100 * sweep.collapse_fraction, h.label(), check.plateau_metric(), check.method(),
      check.baseline(),
      check.reference().empty()
          ? ""
          : absl::StrFormat(", and the mean over the grid of `%s`'s %s is %s that of `%s`",
                            check.method(), h.label(),
                            h.higher_is_better()
                                ? absl::StrFormat("at least 1/%.2f of", check.ratio())
                                : absl::StrFormat("at most %.2fx", check.ratio()),
                            check.reference()),
      check.reference().empty() ? "the baseline fails nowhere either"
                                : "only one of the other two holds");
}

// A group of variants (comma-separated names) of a ROBUST_ACROSS_SETTINGS claim: its failed
// runs, the cells (variant, lr) failing in at least half their seeds, and the mean of its
// cells' headline means.
struct RobustGroup {
  int failed = 0, runs = 0, failing_cells = 0, cells = 0;
  double mean = 0;
  int with_headline = 0;
};

// Whether a run fails: not completed, collapsed, or its headline no better than its plateau.
bool robust_run_fails(const ClaimCheck& check, const SweepSummary& sweep, const RunRecord& run) {
  if (run.result.status() != RunResult::COMPLETED) return true;
  if (collapsed(run, sweep.collapse_fraction)) return true;  // unstable runs included
  double value = 0;
  if (!run_headline(run, sweep.headline, &value)) return true;
  const auto plateau = run.result.metrics().find(check.plateau_metric());
  if (check.plateau_metric().empty() || plateau == run.result.metrics().end()) return false;
  return !experiments::is_better(sweep.headline, value, plateau->second);
}

RobustGroup robust_group(const std::string& names_text, const ClaimCheck& check,
                         const SweepSummary& sweep, const std::vector<RunRecord>& runs) {
  const std::vector<std::string> names = absl::StrSplit(names_text, ',', absl::SkipEmpty());
  auto in = [&](const std::string& v) {
    return std::find(names.begin(), names.end(), v) != names.end();
  };
  std::map<std::pair<std::string, double>, std::pair<int, int>> cell_fails;  // failed, runs
  for (const RunRecord& run : runs) {
    if (!in(variant_name(run))) continue;
    auto& f = cell_fails[{variant_name(run), run.result.identity().lr()}];
    f.first += robust_run_fails(check, sweep, run) ? 1 : 0;
    f.second += 1;
  }
  RobustGroup g;
  for (const auto& [key, f] : cell_fails) {
    g.failed += f.first;
    g.runs += f.second;
    g.cells += 1;
    if (2 * f.first >= f.second) g.failing_cells += 1;
  }
  for (const auto& cell : sweep.cells) {
    if (!in(cell.method) || cell.summary.with_headline == 0) continue;
    g.mean += cell.summary.headline_mean;
    g.with_headline += 1;
  }
  if (g.with_headline > 0) g.mean /= g.with_headline;
  return g;
}

// What would have turned the verdict: missing for held, or what would break it.
std::string robust_otherwise(const ClaimCheck& check, const SweepSummary& sweep,
                             const RobustGroup& method, const RobustGroup& base,
                             const RobustGroup& ref, bool matches) {
  const auto& h = sweep.headline;
  std::vector<std::string> turns;
  if (method.failed > 0) {
    turns.push_back(absl::StrFormat("none of the %d failed `%s` runs had failed", method.failed,
                                    check.method()));
  }
  if (base.failing_cells == 0) {
    turns.push_back(absl::StrFormat(
        "some `%s` cell had failed in at least half its seeds (%d of its %d runs failed, none of "
        "its %d cells in half)",
        check.baseline(), base.failed, base.runs, base.cells));
  }
  if (!matches) {
    turns.push_back(absl::StrFormat("`%s`'s mean %s had reached %s of `%s`'s %s", check.method(),
                                    h.short_label(),
                                    h.higher_is_better() ? absl::StrFormat("1/%.2f", check.ratio())
                                                         : absl::StrFormat("%.2fx", check.ratio()),
                                    check.reference(), metric(sweep, ref.mean)));
  }
  if (!turns.empty()) return absl::StrCat("held had ", absl::StrJoin(turns, ", and "));
  return absl::StrFormat(
      "partly or not held had one of the %d `%s` runs failed, or no `%s` cell failed in half its "
      "seeds (%d/%d cells did)%s",
      method.runs, check.method(), check.baseline(), base.failing_cells, base.cells,
      check.reference().empty()
          ? ""
          : absl::StrFormat(", or `%s`'s mean fallen short of the reference's", check.method()));
}

void judge_robust_across_settings(const ClaimCheck& check, const SweepSummary& sweep,
                                  const std::vector<RunRecord>& runs, ClaimResult& c) {
  const auto& h = sweep.headline;
  c.rule = robust_rule(check, sweep);
  const RobustGroup base = robust_group(check.baseline(), check, sweep, runs);
  const RobustGroup method = robust_group(check.method(), check, sweep, runs);
  const RobustGroup ref = robust_group(check.reference(), check, sweep, runs);
  const bool with_reference = !check.reference().empty();
  if (base.runs == 0 || method.runs == 0 || (with_reference && ref.runs == 0)) {
    c.ours = "no finished runs of every group the claim compares";
    c.verdict = Verdict::kNotRun;
    return;
  }
  auto describe = [&](const std::string& name, const RobustGroup& g) {
    return absl::StrFormat("`%s`: %d/%d runs failed, %d/%d cells failing, mean %s %s", name,
                           g.failed, g.runs, g.failing_cells, g.cells, h.short_label(),
                           g.with_headline > 0 ? metric(sweep, g.mean) : std::string("-"));
  };
  const bool matches =
      !with_reference || (method.with_headline > 0 && ref.with_headline > 0 &&
                          (h.higher_is_better() ? method.mean >= ref.mean / check.ratio()
                                                : method.mean <= ref.mean * check.ratio()));
  c.ours = absl::StrCat(describe(check.method(), method), "; ", describe(check.baseline(), base),
                        with_reference ? "; " + describe(check.reference(), ref) : "");
  if (method.failed == 0 && base.failing_cells > 0 && matches) {
    c.verdict = Verdict::kHeld;
  } else if (method.failed == 0 && (base.failing_cells > 0 || matches)) {
    c.verdict = Verdict::kPartly;
  } else {
    c.verdict = Verdict::kNotHeld;
  }
  c.otherwise = robust_otherwise(check, sweep, method, base, ref, matches);
}

}  // namespace

const SweepCell* SweepSummary::cell(const std::string& method, double lr) const {
  for (const auto& c : cells) {
    if (c.method == method && c.lr == lr) return &c;
  }
  return nullptr;
}

SweepSummary summarize_sweep(const std::vector<RunRecord>& runs, double collapse_fraction) {
  SweepSummary s;
  s.collapse_fraction = collapse_fraction;
  std::vector<const RunRecord*> all;
  for (const RunRecord& run : runs) {
    s.log_t = std::max(s.log_t, uniform_attention_entropy(run));
    all.push_back(&run);
  }
  s.headline = headline(all);
  s.collapse_line = collapse_fraction * s.log_t;
  for (const RunGroup& group : group_runs(runs, Grouping::kVariantAndLr)) {
    SweepCell c;
    c.method = group.variant;
    c.lr = group.lr;
    c.summary = summarize(group.runs, collapse_fraction);
    if (std::find(s.methods.begin(), s.methods.end(), c.method) == s.methods.end()) {
      s.methods.push_back(c.method);
    }
    if (std::find(s.lrs.begin(), s.lrs.end(), c.lr) == s.lrs.end()) s.lrs.push_back(c.lr);
    s.cells.push_back(c);
  }
  std::sort(s.lrs.begin(), s.lrs.end());
  return s;
}

std::vector<const RunRecord*> runs_that_did_not_learn(const std::vector<RunRecord>& runs,
                                                      double fraction) {
  std::vector<const RunRecord*> out;
  for (const auto& r : runs) {
    if (r.result.status() != RunResult::COMPLETED || r.metrics.empty() || unstable(r)) continue;
    if (r.result.final_loss() >= fraction * r.metrics.front().loss()) out.push_back(&r);
  }
  return out;
}

std::string verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kHeld:
      return "held";
    case Verdict::kPartly:
      return "partly held";
    case Verdict::kNotHeld:
      return "not held";
    case Verdict::kNotRun:
      return "not run";
  }
  return "";
}

ClaimResult judge_claim(const ClaimCheck& check, const SweepSummary& sweep,
                        const std::vector<RunRecord>& runs, bool bound_held,
                        const std::string& x_label) {
  ClaimResult c;
  c.claim = check.claim();
  c.paper = check.paper();
  switch (check.rule()) {
    case ClaimCheck::COLLAPSE_HURTS:
      judge_collapse_hurts(sweep, runs, c);
      break;
    case ClaimCheck::PREVENTS_COLLAPSE:
      judge_prevents_collapse(check, sweep, c);
      break;
    case ClaimCheck::ENTROPY_BOUND:
      judge_entropy_bound(runs, bound_held, c);
      break;
    case ClaimCheck::COLLAPSE_AT_HIGH_LR:
      judge_collapse_at_high_lr(check, sweep, runs, c);
      break;
    case ClaimCheck::MATCHES_BASELINE:
      judge_against_baseline(check, sweep, /*outperforms=*/false, c);
      break;
    case ClaimCheck::OUTPERFORMS_BASELINE:
      judge_against_baseline(check, sweep, /*outperforms=*/true, c);
      break;
    case ClaimCheck::TRAINS_WHERE_BASELINE_FAILS:
      judge_trains_where_baseline_fails(check, runs, sweep.collapse_fraction, x_label, c);
      break;
    case ClaimCheck::ROBUST_ACROSS_SETTINGS:
      judge_robust_across_settings(check, sweep, runs, c);
      break;
    case ClaimCheck::RULE_UNSPECIFIED:
      c.rule = "none given";
      c.ours = "the sweep file names no rule for this claim";
      break;
  }
  return c;
}

namespace {

// "ADAMW with weight decay 0, schedule COSINE with 40 warmup steps".
std::string training_text(const sigma_reparam::ExperimentSpec& s) {
  return absl::StrCat(sigma_reparam::OptimizerSpec::Kind_Name(s.optimizer().kind()),
                      " with weight decay ", absl::StrFormat("%g", s.optimizer().weight_decay()),
                      ", schedule ", sigma_reparam::ScheduleSpec::Kind_Name(s.schedule().kind()),
                      " with ", s.schedule().warmup_steps(), " warmup steps");
}

}  // namespace

// "Transformer (`family` family) of ..." of a run's spec: the family's model message and its
// Transformer, found by reflection (any family has one).
std::string model_text(const sigma_reparam::ExperimentSpec& s, const std::string& x_label) {
  const auto* model_field = s.GetDescriptor()->FindFieldByNumber(s.model_case());
  std::string model = model_field ? model_field->name() : "model";
  if (model_field != nullptr) {
    const auto& family = s.GetReflection()->GetMessage(s, model_field);
    const auto* t_field = family.GetDescriptor()->FindFieldByName("transformer");
    if (t_field != nullptr) {
      const auto& t = static_cast<const sigma_reparam::TransformerSpec&>(
          family.GetReflection()->GetMessage(family, t_field));
      model = x_label.empty()
                  ? absl::StrFormat("Transformer (`%s` family) of %d layers, width %d, %d heads",
                                    model, t.depth(), t.width(), t.heads())
                  : absl::StrFormat(
                        "Transformer (`%s` family) of width %d, %d heads, its %s "
                        "set by each variant",
                        model, t.width(), t.heads(), x_label);
    }
  }
  return model;
}

// "N variants x M learning rates (...) x K seeds = R finished runs."
std::string grid_text(const SweepSummary& summary, size_t seeds, size_t runs) {
  std::string md;
  std::vector<std::string> lrs;
  for (double lr : summary.lrs) lrs.push_back(absl::StrFormat("%g", lr));
  // Variants with learning rates of their own do not fill the whole variant x lr grid.
  const bool full_grid = summary.cells.size() == summary.methods.size() * summary.lrs.size();
  absl::StrAppend(
      &md, full_grid
               ? absl::StrFormat("%zu variants x %zu learning rates (%s) x %zu seeds = %zu "
                                 "finished runs.",
                                 summary.methods.size(), summary.lrs.size(),
                                 absl::StrJoin(lrs, ", "), seeds, runs)
               : absl::StrFormat("%zu variants, each at its own learning rates (%zu in all: "
                                 "%s; %zu variant x lr cells) x %zu seeds = %zu finished runs.",
                                 summary.methods.size(), summary.lrs.size(),
                                 absl::StrJoin(lrs, ", "), summary.cells.size(), seeds, runs));
  return md;
}

// One line per variant of the sweep: its description, how it trains and how long where that
// differs between variants, and its spec and overrides.
std::string variant_lines(const sigma_reparam::SweepSpec& sweep,
                          const std::map<std::string, const RunRecord*>& by_variant,
                          bool same_training, bool same_shape) {
  std::string md;
  for (const auto& v : sweep.variant()) {
    const auto it = by_variant.find(v.name());
    absl::StrAppend(
        &md, "- `", v.name(),
        "`: ", it == by_variant.end() ? "(no finished run)" : it->second->spec.description(),
        it == by_variant.end() || same_training
            ? ""
            : absl::StrCat("; ", training_text(it->second->spec)),
        it == by_variant.end() || same_shape
            ? ""
            : absl::StrFormat("; batch %d, %d steps", it->second->spec.data().batch_size(),
                              it->second->result.total_steps()),
        " (`", v.spec(), "`",
        v.set_size() > 0 ? absl::StrCat(" with ", absl::StrJoin(v.set(), " ")) : "", ")\n");
  }
  return md;
}

std::string setting_markdown(const sigma_reparam::SweepSpec& sweep, const std::string& sweep_path,
                             const std::vector<RunRecord>& runs, const SweepSummary& summary) {
  // One representative run per variant, in sweep order.
  std::map<std::string, const RunRecord*> by_variant;
  std::set<int64_t> seeds;
  for (const RunRecord& run : runs) {
    by_variant.emplace(variant_name(run), &run);
    seeds.insert(run.spec.run().seed());
  }
  // Whether every variant trains alike (else each variant line says how it trains).
  bool same_training = true;
  for (const auto& [name, run] : by_variant) {
    same_training &= training_text(run->spec) == training_text(by_variant.begin()->second->spec);
  }
  // Whether every run has the same batch size and length (else the variant lines say them).
  bool same_shape = true;
  for (const RunRecord& run : runs) {
    same_shape &= run.spec.data().batch_size() == runs.front().spec.data().batch_size() &&
                  run.result.total_steps() == runs.front().result.total_steps();
  }
  std::string md = absl::StrCat(sweep.description(), " (`", sweep_path, "`).\n\n");
  absl::StrAppend(&md, grid_text(summary, seeds.size(), runs.size()));
  const RunRecord* any = runs.empty() ? nullptr : &runs.front();
  if (any != nullptr) {
    const auto& s = any->spec;
    const std::string model = model_text(s, sweep.x_label());
    const auto& d = s.data();
    absl::StrAppend(
        &md, " Every run: a ", model, " on ", sigma_reparam::DataSpec::Dataset_Name(d.dataset()),
        " (", same_shape ? absl::StrCat("batch ", d.batch_size()) : "batch size of its variant",
        d.eval_subset() > 0
            ? absl::StrCat(", evaluated on the first ", d.eval_subset(), " held-out examples")
            : "",
        "), ",
        same_training ? training_text(s) + ", "
                      : "the optimiser and schedule of its variant (below), ",
        same_shape ? absl::StrCat(any->result.total_steps(), " steps.")
                   : std::string("the number of steps of its variant."));
  }
  absl::StrAppend(
      &md, absl::StrFormat(" Headline metric: %s (%s is better). Uniform attention over the "
                           "visible keys has entropy %.2f (from the records); a run has "
                           "*collapsed* when the mean attention entropy of some layer fell below "
                           "%g%% of it (%.2f) at a logged step, or it diverged; %s "
                           "(the rule of `analysis/run_reader.h`, fixed before the runs).\n\n"
                           "Variants:\n\n",
                           summary.headline.label(),
                           summary.headline.higher_is_better() ? "higher" : "lower", summary.log_t,
                           100 * summary.collapse_fraction, summary.collapse_line,
                           instability_rule_text()));
  absl::StrAppend(&md, variant_lines(sweep, by_variant, same_training, same_shape));
  if (sweep.set_size() > 0) {
    absl::StrAppend(&md, "\nEvery run of the sweep also sets `", absl::StrJoin(sweep.set(), " "),
                    "`; the lr of each cell replaces the spec's.\n");
  }
  return md;
}

std::string sweep_markdown(const SweepSummary& sweep) {
  std::string md = "| method |";
  std::string rule = "|---|";
  for (double lr : sweep.lrs) {
    absl::StrAppend(&md, absl::StrFormat(" lr %g |", lr));
    rule += "---|";
  }
  md += "\n" + rule + "\n";
  const auto& h = sweep.headline;
  for (const auto& method : sweep.methods) {
    absl::StrAppend(&md, "| ", method, " |");
    for (double lr : sweep.lrs) {
      const SweepCell* c = sweep.cell(method, lr);
      if (c == nullptr) {
        md += " - |";
        continue;
      }
      const auto& s = c->summary;
      std::string text = "-";
      if (s.with_headline > 0) {
        text = absl::StrFormat("%s %s ± %s", h.short_label(), metric(sweep, s.headline_mean),
                               experiments::format_spread(h, s.headline_std));
      }
      absl::StrAppend(&text, absl::StrFormat("<br>ent %.2f", s.min_entropy_mean));
      if (s.collapsed > 0) absl::StrAppend(&text, absl::StrFormat(" (%d collapsed)", s.collapsed));
      if (s.diverged > 0) absl::StrAppend(&text, absl::StrFormat(", %d diverged", s.diverged));
      absl::StrAppend(&md, " ", text, " |");
    }
    md += "\n";
  }
  return md;
}

std::string claims_markdown(const std::vector<ClaimResult>& claims) {
  std::string md =
      "| claim | the paper's claim (not our result) | our result | verdict | rule | it would "
      "have come out otherwise... |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& c : claims) {
    absl::StrAppend(&md, "| ", c.claim, " | ", c.paper, " | ", c.ours, " | **",
                    verdict_name(c.verdict), "** | ", c.rule, " | ",
                    c.otherwise.empty() ? "-" : c.otherwise, " |\n");
  }
  return md;
}

}  // namespace analysis
