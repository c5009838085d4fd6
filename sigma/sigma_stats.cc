#include "sigma/sigma_stats.h"

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
