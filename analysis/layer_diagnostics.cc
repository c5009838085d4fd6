#include "analysis/layer_diagnostics.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <algorithm>
#include <map>

namespace analysis {
namespace {

// "decoder.17" -> {"decoder", 17}; false for a group outside a layer list ("embedding").
bool split_layer(const std::string& group, std::string* stack, int* index) {
  const size_t dot = group.rfind('.');
  if (dot == std::string::npos) return false;
  *stack = group.substr(0, dot);
  return absl::SimpleAtoi(group.substr(dot + 1), index);
}

struct RunDiagnostics {
  bool ok = false;
  int steps = 0;
  std::vector<std::string> stacks;
  std::map<std::string, std::pair<double, double>> grads;  // stack -> lowest, highest layer
  double largest_move = 0, smallest_move = 0;
};

RunDiagnostics of_run(const RunRecord& run) {
  RunDiagnostics d;
  std::map<std::string, double> move;                       // group -> summed relative update
  std::map<std::string, std::pair<int, double>> low, high;  // stack -> (index, step-1 grad)
  bool first = true;
  for (const auto& m : run.metrics) {
    if (m.layer_stat_size() == 0) continue;
    ++d.steps;
    for (const auto& s : m.layer_stat()) {
      std::string stack;
      int index = 0;
      if (!split_layer(s.name(), &stack, &index)) continue;
      if (s.param_norm() > 0) move[s.name()] += s.update_norm() / s.param_norm();
      if (!first) continue;
      if (std::find(d.stacks.begin(), d.stacks.end(), stack) == d.stacks.end()) {
        d.stacks.push_back(stack);
        low[stack] = high[stack] = {index, s.grad_norm()};
      }
      if (index < low[stack].first) low[stack] = {index, s.grad_norm()};
      if (index > high[stack].first) high[stack] = {index, s.grad_norm()};
    }
    first = false;
  }
  if (move.empty()) return d;
  d.ok = true;
  for (const auto& stack : d.stacks) d.grads[stack] = {low[stack].second, high[stack].second};
  d.largest_move = d.smallest_move = move.begin()->second;
  for (const auto& [group, value] : move) {
    d.largest_move = std::max(d.largest_move, value);
    d.smallest_move = std::min(d.smallest_move, value);
  }
  return d;
}

}  // namespace

std::vector<LayerDiagnostics> layer_diagnostics(const std::vector<RunRecord>& runs) {
  std::vector<LayerDiagnostics> out;
  for (const auto& group : group_runs(runs, Grouping::kVariant)) {
    LayerDiagnostics row;
    row.variant = group.variant;
    for (const RunRecord* run : group.runs) {
      const RunDiagnostics d = of_run(*run);
      if (!d.ok) continue;
      if (row.runs == 0) {
        row.stacks = d.stacks;
        row.steps = d.steps;
        row.lowest_grad.assign(d.stacks.size(), 0);
        row.highest_grad.assign(d.stacks.size(), 0);
      }
      for (size_t i = 0; i < row.stacks.size(); ++i) {
        const auto it = d.grads.find(row.stacks[i]);
        if (it == d.grads.end()) continue;
        row.lowest_grad[i] += it->second.first;
        row.highest_grad[i] += it->second.second;
      }
      row.largest_move += d.largest_move;
      row.smallest_move += d.smallest_move;
      ++row.runs;
    }
    if (row.runs == 0) continue;
    for (size_t i = 0; i < row.stacks.size(); ++i) {
      row.lowest_grad[i] /= row.runs;
      row.highest_grad[i] /= row.runs;
    }
    row.largest_move /= row.runs;
    row.smallest_move /= row.runs;
    out.push_back(row);
  }
  return out;
}

std::string layer_diagnostics_markdown(const std::vector<RunRecord>& runs) {
  const auto rows = layer_diagnostics(runs);
  if (rows.empty()) return "";
  const auto& stacks = rows.front().stacks;
  std::string md = absl::StrFormat(
      "Early-training diagnostics (per layer, over the first %d steps; mean over seeds): the "
      "gradient norm at step 1 of each stack's lowest and highest layer, and how far the layers "
      "moved: the sum over those steps of ||update|| / ||parameters|| of a layer, the largest "
      "and the smallest over every layer.\n\n| variant | runs |",
      rows.front().steps);
  for (const auto& s : stacks)
    absl::StrAppend(&md, " ", s, " grad, lowest layer | ", s, " grad, highest layer |");
  absl::StrAppend(&md, " largest move | smallest move |\n|---|---|");
  for (size_t i = 0; i < stacks.size(); ++i) absl::StrAppend(&md, "---|---|");
  absl::StrAppend(&md, "---|---|\n");
  for (const auto& r : rows) {
    absl::StrAppend(&md, "| ", r.variant, " | ", r.runs, " |");
    for (size_t i = 0; i < stacks.size(); ++i) {
      const auto it = std::find(r.stacks.begin(), r.stacks.end(), stacks[i]);
      if (it == r.stacks.end()) {
        absl::StrAppend(&md, " - | - |");
        continue;
      }
      const size_t k = static_cast<size_t>(it - r.stacks.begin());
      absl::StrAppend(&md, absl::StrFormat(" %.3g | %.3g |", r.lowest_grad[k], r.highest_grad[k]));
    }
    absl::StrAppend(&md, absl::StrFormat(" %.3f | %.3f |\n", r.largest_move, r.smallest_move));
  }
  return md;
}

}  // namespace analysis
