// Per-layer gradient and update sizes over a run's first steps (run.layer_diagnostics_steps):
// the quantities DeepNet (Wang et al. 2022, Sections 2-3) uses to explain why deep post-LN
// Transformers fail early, for any family's model.
//
// Parameters are grouped by layer: the module path up to its first numeric component
// ("encoder.3", "decoder.17", "blocks.0"); parameters outside a layer list group by their first
// component ("embed", "head", "encoder_norm"). For each group and step the trainer records the
// gradient norm (before clipping), the parameter norm before the step and the norm of the
// step's change ||theta_after - theta_before||.
//
//   LayerStats stats(model);
//   stats.before_step(m);   // after backward, before the optimiser step
//   optimizer.step(lr);
//   stats.after_step(m);    // fills m.layer_stat
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "experiments/spec.pb.h"

namespace torch::nn {
class Module;
}

namespace experiments {

// "encoder.3.self_attn.q.weight" -> "encoder.3"; "embed.weight" -> "embed".
std::string layer_group(const std::string& parameter_name);

class LayerStats {
 public:
  explicit LayerStats(const torch::nn::Module& model);
  void before_step(sigma_reparam::StepMetrics& m);
  void after_step(sigma_reparam::StepMetrics& m);

 private:
  struct Group {
    std::string name;
    std::vector<at::Tensor> parameters;
    std::vector<at::Tensor> before;
  };
  std::vector<Group> groups_;
};

}  // namespace experiments
