#include "experiments/engine/layer_stats.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <cctype>

#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>

#include "experiments/engine/optimizer.h"

namespace experiments {

std::string layer_group(const std::string& parameter_name) {
  const std::vector<std::string> parts = absl::StrSplit(parameter_name, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (!p.empty() &&
        std::all_of(p.begin(), p.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return absl::StrJoin(parts.begin(), parts.begin() + i + 1, ".");
    }
  }
  return parts.front();
}

LayerStats::LayerStats(const torch::nn::Module& model) {
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    const std::string group = layer_group(item.key());
    auto it = std::find_if(groups_.begin(), groups_.end(),
                           [&](const Group& g) { return g.name == group; });
    if (it == groups_.end()) it = groups_.insert(groups_.end(), Group{group, {}, {}});
    it->parameters.push_back(item.value());
  }
}

void LayerStats::before_step(sigma_reparam::StepMetrics& m) {
  at::NoGradGuard no_grad;
  for (auto& g : groups_) {
    std::vector<at::Tensor> grads;
    g.before.clear();
    for (const auto& p : g.parameters) {
      grads.push_back(p.grad());
      g.before.push_back(p.detach().clone());
    }
    auto* s = m.add_layer_stat();
    s->set_name(g.name);
    s->set_grad_norm(global_norm(grads));
    s->set_param_norm(global_norm(g.before));
  }
}

void LayerStats::after_step(sigma_reparam::StepMetrics& m) {
  at::NoGradGuard no_grad;
  const int first = m.layer_stat_size() - static_cast<int>(groups_.size());
  for (size_t i = 0; i < groups_.size(); ++i) {
    auto& g = groups_[i];
    std::vector<at::Tensor> change;
    for (size_t k = 0; k < g.parameters.size(); ++k)
      change.push_back(g.parameters[k].detach() - g.before[k]);
    m.mutable_layer_stat(first + static_cast<int>(i))->set_update_norm(global_norm(change));
    g.before.clear();
  }
}

}  // namespace experiments
