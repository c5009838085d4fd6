#include "experiments/engine/optimizer.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <cmath>

#include "models/parameter_rules.h"

namespace experiments {

using sigma_reparam::OptimizerSpec;
using sigma_reparam::ScheduleSpec;

double scheduled_lr(const ScheduleSpec& s, double base_lr, int64_t step, int64_t total) {
  const int64_t warmup = s.warmup_steps();
  if (step < warmup) return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const double floor = s.final_lr_fraction();
  const double span = std::max<int64_t>(1, total - warmup);
  const double progress = std::min(1.0, static_cast<double>(step - warmup) / span);
  switch (s.kind()) {
    case ScheduleSpec::COSINE:
      return base_lr * (floor + (1 - floor) * 0.5 * (1 + std::cos(M_PI * progress)));
    case ScheduleSpec::LINEAR:
      return base_lr * (floor + (1 - floor) * (1 - progress));
    case ScheduleSpec::CONSTANT:
      return base_lr;
    case ScheduleSpec::KIND_UNSPECIFIED:
      break;  // rejected by validation
  }
  TORCH_CHECK(false, "schedule.kind: unsupported value ", ScheduleSpec::Kind_Name(s.kind()));
}

bool is_no_decay_parameter(const std::string& name, const at::Tensor& p,
                           const std::set<std::string>& declared) {
  // Biases, norm weights and gamma are 0-D or 1-D; the model declares the others.
  return p.dim() <= 1 || declared.count(name) > 0;
}

bool is_lars_adapted_parameter(const at::Tensor& p) { return p.dim() >= 2; }

Optimizer::Optimizer(const OptimizerSpec& spec, const torch::nn::Module& model) : spec_(spec) {
  const std::set<std::string> declared = models::no_decay_names(model);
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    const bool no_decay = is_no_decay_parameter(item.key(), item.value(), declared);
    (no_decay ? no_decay_ : decay_).push_back(item.value());
    if (is_lars_adapted_parameter(item.value())) lars_.emplace_back(item.value(), !no_decay);
  }
  const double lr = spec.lr(), wd = spec.weight_decay();
  std::vector<torch::optim::OptimizerParamGroup> groups;
  switch (spec.kind()) {
    case OptimizerSpec::ADAMW: {
      auto opts = [&](double decay) {
        return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(lr)
                                                                .betas({spec.beta1(), spec.beta2()})
                                                                .eps(spec.eps())
                                                                .weight_decay(decay));
      };
      groups.emplace_back(decay_, opts(wd));
      groups.emplace_back(no_decay_, opts(0.0));
      optimizer_ = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(lr));
      break;
    }
    case OptimizerSpec::SGD:
    case OptimizerSpec::LARS: {
      // LARS folds weight decay into the gradient before the trust ratio (apply_lars).
      const double sgd_wd = spec.kind() == OptimizerSpec::LARS ? 0.0 : wd;
      auto opts = [&](double decay) {
        return std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(lr)
                                                              .momentum(spec.momentum())
                                                              .nesterov(spec.nesterov())
                                                              .weight_decay(decay));
      };
      groups.emplace_back(decay_, opts(sgd_wd));
      groups.emplace_back(no_decay_, opts(0.0));
      optimizer_ = std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(lr));
      break;
    }
    case OptimizerSpec::ADAGRAD: {
      auto opts = [&](double decay) {
        return std::make_unique<torch::optim::AdagradOptions>(
            torch::optim::AdagradOptions(lr).eps(spec.eps()).weight_decay(decay));
      };
      groups.emplace_back(decay_, opts(wd));
      groups.emplace_back(no_decay_, opts(0.0));
      optimizer_ =
          std::make_unique<torch::optim::Adagrad>(groups, torch::optim::AdagradOptions(lr));
      break;
    }
    case OptimizerSpec::KIND_UNSPECIFIED:  // rejected by validation
      TORCH_CHECK(false, "optimizer.kind: unsupported value ",
                  OptimizerSpec::Kind_Name(spec.kind()));
  }
}

void Optimizer::zero_grad() { optimizer_->zero_grad(); }

void Optimizer::apply_lars() {
  // You et al. 2017: g <- eta * ||w|| / ||g + wd w|| * (g + wd w) per tensor; SGD momentum then
  // applies the global lr. Position embeddings and the class token are adapted without decay.
  at::NoGradGuard no_grad;
  for (const auto& [w, decays] : lars_) {
    if (!w.grad().defined()) continue;
    at::Tensor g = w.grad();
    if (decays && spec_.weight_decay() > 0) g.add_(w, spec_.weight_decay());
    const double w_norm = w.norm().item<double>(), g_norm = g.norm().item<double>();
    if (w_norm > 0 && g_norm > 0) g.mul_(spec_.lars_eta() * w_norm / g_norm);
  }
}

void Optimizer::step(double lr) {
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
  if (spec_.kind() == OptimizerSpec::LARS) apply_lars();
  optimizer_->step();
}

void Optimizer::save(torch::serialize::OutputArchive& archive) const { optimizer_->save(archive); }

void Optimizer::load(torch::serialize::InputArchive& archive) { optimizer_->load(archive); }

double global_norm(const std::vector<at::Tensor>& tensors) {
  // Summed as a float64 tensor on the tensors' device and read once: one .item() per call
  // instead of one per tensor.
  at::Tensor sum;
  for (const auto& t : tensors) {
    if (!t.defined()) continue;
    const at::Tensor term = t.detach().to(at::kDouble).pow(2).sum();
    sum = sum.defined() ? sum + term : term;
  }
  return sum.defined() ? std::sqrt(sum.item<double>()) : 0.0;
}

double global_grad_norm(const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> grads;
  grads.reserve(parameters.size());
  for (const auto& p : parameters) grads.push_back(p.grad());
  return global_norm(grads);
}

void clip_grad_norm(const std::vector<at::Tensor>& parameters, double norm, double max_norm) {
  if (max_norm <= 0 || norm <= max_norm) return;
  at::NoGradGuard no_grad;
  const double scale = max_norm / (norm + 1e-6);
  for (const auto& p : parameters) {
    if (p.grad().defined()) p.grad().mul_(scale);
  }
}

}  // namespace experiments
