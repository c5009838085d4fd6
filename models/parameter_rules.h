// Per-parameter optimiser rules that a model declares for its own parameters, so that the
// optimiser need not guess from names. Biases, norm weights and gamma (0-D or 1-D tensors) are
// exempt from weight decay whatever the model; a module adds the tensors of more dimensions
// that are too: a ViT's class token and position embedding (as in timm and DeiT), a language
// model's position embedding.
//
//   class MyModelImpl : public torch::nn::Module, public models::ParameterRules {
//     std::vector<std::string> no_decay_parameters() const override { return {"pos_embed"}; }
//   };
//   models::no_decay_names(model);  // {"pos_embed", "encoder.pos_embed", ...} in any submodule
#pragma once

#include <torch/nn/module.h>

#include <set>
#include <string>
#include <vector>

namespace models {

class ParameterRules {
 public:
  virtual ~ParameterRules() = default;
  // This module's own parameters (by their registered names, not its submodules') that are
  // exempt from weight decay.
  virtual std::vector<std::string> no_decay_parameters() const = 0;
};

// The full names (as model.named_parameters() gives them) of the parameters that `model` and
// its submodules declare exempt from weight decay.
inline std::set<std::string> no_decay_names(const torch::nn::Module& model) {
  std::set<std::string> names;
  const auto add = [&](const torch::nn::Module& module, const std::string& prefix) {
    const auto* rules = dynamic_cast<const ParameterRules*>(&module);
    if (rules == nullptr) return;
    for (const std::string& name : rules->no_decay_parameters()) {
      names.insert(prefix.empty() ? name : prefix + "." + name);
    }
  };
  add(model, "");  // the model itself need not be held in a shared_ptr
  for (const auto& item : model.named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
    add(*item.value(), item.key());
  }
  return names;
}

}  // namespace models
