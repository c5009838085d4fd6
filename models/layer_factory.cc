#include "models/layer_factory.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "sigma/init.h"
#include "sigma/sigma_reparam_conv2d.h"
#include "sigma/sigma_reparam_linear.h"

namespace models {
namespace {

sigma::SigmaReparamOptions reparam_options(const LayerConfig& c) {
  sigma::SigmaReparamOptions o = c.sigma_reparam;
  if (c.reparam == Reparam::kSpectralNorm) {
    o.gamma_init(sigma::GammaInit::kOne).learn_gamma(false);
  }
  return o;
}

double init_std(const LayerConfig& c) { return 0.02 * c.sigma_reparam.init_gain(); }

}  // namespace

torch::nn::AnyModule LayerFactory::linear(int64_t in, int64_t out, bool bias) const {
  if (config_.reparam != Reparam::kNone) {
    return torch::nn::AnyModule(sigma::SigmaReparamLinear(
        sigma::SigmaReparamLinearOptions(in, out).bias(bias).reparam(reparam_options(config_))));
  }
  torch::nn::Linear layer(torch::nn::LinearOptions(in, out).bias(bias));
  sigma::trunc_normal_(layer->weight, init_std(config_));
  if (bias) {
    torch::NoGradGuard no_grad;
    layer->bias.zero_();
  }
  return torch::nn::AnyModule(layer);
}

torch::nn::AnyModule LayerFactory::patch_conv(int64_t in, int64_t out, int64_t patch) const {
  if (config_.reparam != Reparam::kNone) {
    return torch::nn::AnyModule(
        sigma::SigmaReparamConv2d(sigma::SigmaReparamConv2dOptions(in, out, patch)
                                      .stride(patch)
                                      .reparam(reparam_options(config_))));
  }
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(in, out, patch).stride(patch));
  sigma::trunc_normal_(conv->weight, init_std(config_));
  torch::NoGradGuard no_grad;
  conv->bias.zero_();
  return torch::nn::AnyModule(conv);
}

torch::nn::AnyModule LayerFactory::norm(int64_t dim) const {
  if (config_.norm == NormPlacement::kNoNorm) return torch::nn::AnyModule(torch::nn::Identity());
  return layer_norm(dim);
}

torch::nn::AnyModule LayerFactory::layer_norm(int64_t dim) const {
  return torch::nn::AnyModule(
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(config_.layer_norm_eps)));
}

}  // namespace models
