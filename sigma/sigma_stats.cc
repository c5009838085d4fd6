#include "sigma/sigma_stats.h"

#include <map>

#include <torch/csrc/autograd/grad_mode.h>

namespace sigma {

std::vector<SigmaReparamLayerStats> collect_sigma_reparam_stats(const torch::nn::Module& root) {
  std::vector<SigmaReparamLayerStats> out;
  for (const auto& item : root.named_modules(/*name_prefix=*/"", /*include_self=*/true)) {
    const auto* layer = dynamic_cast<const SigmaReparamLayer*>(item.value().get());
    if (layer == nullptr) continue;
    const SigmaReparamState& state = layer->reparam_state();
    out.push_back({item.key(), state.sigma().item<double>(), state.gamma().item<double>(),
                   state.effective_norm()});
  }
  return out;
}

torch::nn::Linear fold(const SigmaReparamLinear& layer) {
  const auto& opts = layer->options;
  torch::nn::Linear plain(
      torch::nn::LinearOptions(opts.in_features(), opts.out_features()).bias(opts.bias()));
  plain->to(layer->weight.scalar_type());
  torch::NoGradGuard no_grad;
  plain->weight.copy_(layer->effective_weight());
  if (opts.bias()) plain->bias.copy_(layer->bias);
  return plain;
}

void fold_into(const torch::nn::Module& reparam, torch::nn::Module& plain) {
  torch::NoGradGuard no_grad;
  // W_hat of every σReparam layer, by its weight's path.
  std::map<std::string, at::Tensor> folded;
  for (const auto& item : reparam.named_modules()) {
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    if (const auto* l = item.value()->as<SigmaReparamLinearImpl>()) {
      folded[prefix + "weight"] = l->effective_weight();
    } else if (const auto* c = item.value()->as<SigmaReparamConv2dImpl>()) {
      folded[prefix + "weight"] = c->effective_weight();
    }
  }
  const auto source = reparam.named_parameters();
  const auto source_buffers = reparam.named_buffers();
  const auto copy = [&](const std::string& name, at::Tensor& target) {
    at::Tensor value;
    if (auto it = folded.find(name); it != folded.end()) {
      value = it->second;
    } else if (const at::Tensor* p = source.find(name)) {
      value = *p;
    } else if (const at::Tensor* b = source_buffers.find(name)) {
      value = *b;
    } else {
      TORCH_CHECK(false, "fold_into: the σReparam model has no ", name);
    }
    TORCH_CHECK(value.sizes() == target.sizes(), "fold_into: ", name, " has shape ", value.sizes(),
                " in the σReparam model and ", target.sizes(), " in the plain one");
    target.copy_(value);
  };
  for (auto& p : plain.named_parameters()) copy(p.key(), p.value());
  for (auto& b : plain.named_buffers()) copy(b.key(), b.value());
}

torch::nn::Conv2d fold(const SigmaReparamConv2d& layer) {
  const auto& opts = layer->options;
  torch::nn::Conv2d plain(
      torch::nn::Conv2dOptions(opts.in_channels(), opts.out_channels(), opts.kernel_size())
          .stride(opts.stride())
          .padding(opts.padding())
          .dilation(opts.dilation())
          .bias(opts.bias()));
  plain->to(layer->weight.scalar_type());
  torch::NoGradGuard no_grad;
  plain->weight.copy_(layer->effective_weight());
  if (opts.bias()) plain->bias.copy_(layer->bias);
  return plain;
}

}  // namespace sigma
