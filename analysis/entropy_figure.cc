#include "analysis/entropy_figure.h"

#include <algorithm>
#include <cmath>

#include "analysis/plot_style.h"

namespace analysis {

EntropySeries entropy_series(const RunRecord& run) {
  EntropySeries s;
  s.label = run.spec.name();
  if (unstable(run)) s.label += " (DIVERGED)";
  for (const auto& m : run.metrics) {
    if (!std::isfinite(m.loss())) continue;
    s.step.push_back(static_cast<PLFLT>(m.step()));
    s.loss.push_back(m.loss());
    if (m.entropy_size() == 0) continue;
    s.entropy_step.push_back(static_cast<PLFLT>(m.step()));
    if (s.entropy.size() < static_cast<size_t>(m.entropy_size()))
      s.entropy.resize(m.entropy_size());
    if (s.layer_names.size() < static_cast<size_t>(m.entropy_size()))
      s.layer_names.resize(m.entropy_size());
    for (int l = 0; l < m.entropy_size(); ++l) {
      const auto& e = m.entropy(l);
      s.entropy[l].push_back(e.mean());
      s.layer_names[l] =
          e.stack() + " " + e.kind() + "-attention layer " + std::to_string(e.layer());
    }
  }
  s.log_t = uniform_attention_entropy(run);
  // Several stacks (an encoder-decoder): one panel per stack and kind, its lowest layer.
  std::vector<std::string> stacks;
  std::vector<int> stack_of(s.layer_names.size());
  for (size_t l = 0; l < s.layer_names.size(); ++l) {
    const std::string name = s.layer_names[l].substr(0, s.layer_names[l].find(" layer "));
    auto it = std::find(stacks.begin(), stacks.end(), name);
    if (it == stacks.end()) it = stacks.insert(stacks.end(), name);
    stack_of[l] = static_cast<int>(it - stacks.begin());
  }
  if (stacks.size() > 1) {
    std::vector<std::vector<double>> lowest(stacks.size(),
                                            std::vector<double>(s.entropy_step.size(), INFINITY));
    for (size_t l = 0; l < s.entropy.size(); ++l) {
      for (size_t i = 0; i < s.entropy[l].size() && i < s.entropy_step.size(); ++i) {
        lowest[stack_of[l]][i] = std::min(lowest[stack_of[l]][i], s.entropy[l][i]);
      }
    }
    s.entropy = std::move(lowest);
    s.layer_names.clear();
    for (const auto& name : stacks) s.layer_names.push_back(name + ", lowest layer");
  }
  return s;
}

namespace {

// Layer l's panel (its axes set): the uniform-attention line, then each series' entropy.
void draw_layer_entropy(plstream& pls, const std::vector<EntropySeries>& series, int l, int layers,
                        double max_step, double max_log_t) {
  std::string title = "layer " + std::to_string(l);
  for (const auto& s : series) {
    if (static_cast<size_t>(l) < s.layer_names.size() && !s.layer_names[l].empty()) {
      title = s.layer_names[l];
      break;
    }
  }
  pls.lab(l == layers - 1 ? "step" : "", "entropy", title.c_str());
  if (max_log_t > 0) {  // uniform attention
    PLFLT xs[2] = {0, max_step}, ys[2] = {max_log_t, max_log_t};
    pls.lsty(2);
    pls.line(2, xs, ys);
    pls.lsty(1);
  }
  for (size_t i = 0; i < series.size(); ++i) {
    if (static_cast<int>(series[i].entropy.size()) <= l) continue;
    pls.col0(line_colour(i));
    pls.width(2);
    pls.lsty(line_style(i));
    const size_t n = std::min(series[i].entropy_step.size(), series[i].entropy[l].size());
    pls.line(static_cast<PLINT>(n), series[i].entropy_step.data(), series[i].entropy[l].data());
    pls.lsty(1);
    pls.width(1);
  }
}

}  // namespace

void draw_entropy_figure(const std::vector<EntropySeries>& series, int max_layers,
                         const std::string& device, const std::string& file) {
  int layers = 0;
  for (const auto& s : series) layers = std::max(layers, static_cast<int>(s.entropy.size()));
  layers = std::max(1, std::min(layers, max_layers));
  plstream pls;
  open_figure(pls, device, file, "1000x1100", 1 + layers);
  double max_step = 1, max_loss = 0, max_log_t = 0, max_entropy = 0;
  for (const auto& s : series) {
    for (double x : s.step) max_step = std::max(max_step, x);
    for (double y : s.loss) max_loss = std::max(max_loss, y);
    max_log_t = std::max(max_log_t, s.log_t);
    for (const auto& layer : s.entropy) {
      for (double e : layer) {
        if (std::isfinite(e)) max_entropy = std::max(max_entropy, e);
      }
    }
  }
  // Loss panel with the legend (beside the panels when there are many lines).
  const bool side_legend = series.size() > 4;
  auto viewport = [&] {
    if (side_legend) {
      pls.vpor(0.07, 0.67, 0.18, 0.84);
    } else {
      pls.vsta();
    }
  };
  pls.adv(0);
  viewport();
  pls.col0(1);
  pls.wind(0, max_step, 0, std::max(0.1, 1.05 * max_loss));
  pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
  pls.lab("step", "training loss",
          "Training loss and mean attention entropy per layer (dashed: log T, uniform attention)");
  for (size_t i = 0; i < series.size(); ++i) {
    pls.col0(line_colour(i));
    pls.width(2);
    pls.lsty(line_style(i));
    pls.line(static_cast<PLINT>(series[i].step.size()), series[i].step.data(),
             series[i].loss.data());
    pls.lsty(1);
  }
  pls.width(1);
  std::vector<std::string> labels;
  for (const auto& s : series) labels.push_back(s.label);
  line_legend(pls, labels,
              side_legend ? PL_POSITION_RIGHT | PL_POSITION_OUTSIDE
                          : PL_POSITION_BOTTOM | PL_POSITION_LEFT);
  for (int l = 0; l < layers; ++l) {
    pls.adv(0);
    viewport();
    pls.col0(1);
    pls.wind(0, max_step, 0, std::max({0.5, 1.08 * max_log_t, 1.05 * max_entropy}));
    pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
    draw_layer_entropy(pls, series, l, layers, max_step, max_log_t);
  }
}

}  // namespace analysis
