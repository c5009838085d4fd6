// Sweeps over a setting other than the learning rate (e.g. depth): variants that declare a
// series (a line, e.g. "post_ln") and an x position (e.g. 18 layers per stack). Summaries per
// (series, x), the rule "the method trains where the baseline fails", the markdown table and
// the figure (headline and lowest entropy against x, one line per series). Nothing here knows a
// family: the headline and the attention stacks come from the records.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analysis/run_reader.h"

namespace analysis {

// Whether runs come from a series sweep (their identity names a series).
bool is_series_sweep(const std::vector<RunRecord>& runs);

struct SeriesPoint {
  double x = 0;
  std::vector<const RunRecord*> runs;
  GroupSummary summary;
  int failed = 0;         // diverged, collapsed or did not learn (summarize_series)
  double final_loss = 0;  // mean over completed runs (NaN if none)
  // With a plateau metric: mean eval_loss and mean plateau over the completed runs (NaN if none).
  double eval_loss = 0, plateau = 0;
  // Per attention stack and kind ("encoder self", "decoder cross", ...): the lowest layer mean
  // entropy seen during training as a fraction of uniform attention's (collapse: below
  // collapse_fraction), averaged over the runs that logged it.
  std::map<std::string, double> lowest_entropy;
};

struct SeriesCurve {
  std::string series;
  std::vector<SeriesPoint> points;  // ascending x
};

struct SeriesSummary {
  sigma_reparam::MetricInfo headline;
  std::vector<SeriesCurve> curves;  // in order of first appearance
  std::vector<double> xs;           // ascending
  std::vector<std::string> stacks;  // attention stacks seen, sorted
  double collapse_fraction = 0.1;
  double learn_ratio = 0.95;
  std::string plateau_metric;
  const SeriesPoint* point(const std::string& series, double x) const;
};

// A run fails when it diverged, its attention collapsed (collapsed(run, collapse_fraction)), or
// it did not learn: its final training loss is at least `learn_ratio` x its first logged loss,
// or (with a `plateau_metric`) its eval_loss is at least that metric of its own record.
SeriesSummary summarize_series(const std::vector<RunRecord>& runs, double collapse_fraction,
                               double learn_ratio, const std::string& plateau_metric = "");
bool run_failed(const RunRecord& run, const SeriesSummary& summary);

// Two markdown tables: headline ± std, final training loss and the diverged / collapsed / failed
// counts per (series, x); the lowest entropy per stack.
std::string series_markdown(const SeriesSummary& summary, const std::string& x_label);

// device: "pngcairo" or "svgcairo". Three panels against x: the final training loss and the
// headline (means over completed seeds; crosses mark points where no seed completed), and the
// lowest attention entropy relative to uniform.
void draw_series_figure(const SeriesSummary& summary, const std::string& x_label,
                        const std::string& device, const std::string& file);

}  // namespace analysis
