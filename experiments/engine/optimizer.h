// Optimisers of the experiment matrix (AdamW, SGD with momentum/Nesterov, LARS, Adagrad), the
// learning-rate schedules, and the parameter groups that keep biases, norm parameters, gamma,
// position embeddings and class tokens out of weight decay and LARS adaptation.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/archive.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "experiments/spec.pb.h"

namespace experiments {

// lr at 0-based step `step` of `total`: linear warmup from 0 over warmup_steps, then cosine /
// linear decay to final_lr_fraction * lr, or constant.
double scheduled_lr(const sigma_reparam::ScheduleSpec& schedule, double base_lr, int64_t step,
                    int64_t total);

// True for parameters that are exempt from weight decay: biases, norms and gamma (0-D or 1-D),
// and those the model declares (`declared`, from models::no_decay_names: e.g. a ViT's position
// embedding and class token).
bool is_no_decay_parameter(const std::string& name, const at::Tensor& parameter,
                           const std::set<std::string>& declared);

// True for parameters LARS scales by their trust ratio: every tensor of two or more dimensions
// (weight matrices, convolution kernels, position embeddings, the class token), as MoCo v3's and
// SimCLR's LARS; biases, norms and gamma (0-D or 1-D) take plain SGD steps.
bool is_lars_adapted_parameter(const at::Tensor& parameter);

class Optimizer {
 public:
  Optimizer(const sigma_reparam::OptimizerSpec& spec, const torch::nn::Module& model);

  void zero_grad();
  // Sets lr on every group, applies the LARS trust ratio if configured, and steps.
  void step(double lr);

  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

  int64_t decay_parameters() const { return static_cast<int64_t>(decay_.size()); }
  int64_t no_decay_parameters() const { return static_cast<int64_t>(no_decay_.size()); }

 private:
  void apply_lars();

  sigma_reparam::OptimizerSpec spec_;
  std::vector<at::Tensor> decay_, no_decay_;
  std::vector<std::pair<at::Tensor, bool>> lars_;  // adapted tensors, with whether they decay
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
};

// L2 norm of the tensors taken together, summed in float64 and read once (undefined ones skipped).
double global_norm(const std::vector<at::Tensor>& tensors);
// Global L2 norm of all gradients (0 for parameters without one).
double global_grad_norm(const std::vector<at::Tensor>& parameters);

// Scales gradients so that their global norm is at most max_norm.
void clip_grad_norm(const std::vector<at::Tensor>& parameters, double norm, double max_norm);

}  // namespace experiments
