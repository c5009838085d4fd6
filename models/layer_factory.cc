#include "models/layer_factory.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "models/norms.h"
#include "sigma/init.h"
#include "sigma/sigma_reparam_conv2d.h"
#include "sigma/sigma_reparam_linear.h"

namespace models {
namespace {

sigma::SigmaReparamOptions reparam_options(const LayerConfig& c, double gain) {
  sigma::SigmaReparamOptions o = c.sigma_reparam;
  o.init_gain(o.init_gain() * gain);
  switch (c.reparam) {
    case Reparam::kSpectralNorm:
      o.gamma_init(sigma::GammaInit::kOne).learn_gamma(false);
      break;
    case Reparam::kSigmaReparam:
    case Reparam::kNone:
      break;
  }
  return o;
}

}  // namespace

double LayerFactory::role_gain(Role role) const {
  switch (role) {
    case Role::kV:
    case Role::kOut:
    case Role::kFc1:
    case Role::kFc2:
      return config_.residual_branch_gain;
    case Role::kQ:
    case Role::kK:
    case Role::kQk:
    case Role::kQkv:
    case Role::kEmbed:
    case Role::kHead:
      return 1.0;
  }
  return 1.0;
}

torch::nn::AnyModule LayerFactory::linear(Role role, int64_t in, int64_t out, bool bias) const {
  const double gain = role_gain(role);
  switch (config_.reparam) {
    case Reparam::kSigmaReparam:
    case Reparam::kSpectralNorm:
      return torch::nn::AnyModule(
          sigma::SigmaReparamLinear(sigma::SigmaReparamLinearOptions(in, out).bias(bias).reparam(
              reparam_options(config_, gain))));
    case Reparam::kNone:
      break;
  }
  torch::nn::Linear layer(torch::nn::LinearOptions(in, out).bias(bias));
  sigma::trunc_normal_(layer->weight, 0.02 * config_.sigma_reparam.init_gain() * gain);
  if (bias) {
    torch::NoGradGuard no_grad;
    layer->bias.zero_();
  }
  return torch::nn::AnyModule(layer);
}

torch::nn::AnyModule LayerFactory::patch_conv(int64_t in, int64_t out, int64_t patch) const {
  switch (config_.reparam) {
    case Reparam::kSigmaReparam:
    case Reparam::kSpectralNorm:
      return torch::nn::AnyModule(
          sigma::SigmaReparamConv2d(sigma::SigmaReparamConv2dOptions(in, out, patch)
                                        .stride(patch)
                                        .reparam(reparam_options(config_, 1.0))));
    case Reparam::kNone:
      break;
  }
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(in, out, patch).stride(patch));
  sigma::trunc_normal_(conv->weight, 0.02 * config_.sigma_reparam.init_gain());
  torch::NoGradGuard no_grad;
  conv->bias.zero_();
  return torch::nn::AnyModule(conv);
}

torch::nn::AnyModule LayerFactory::norm(int64_t dim) const {
  switch (config_.norm) {
    case NormPlacement::kNoNorm:
      return torch::nn::AnyModule(torch::nn::Identity());
    case NormPlacement::kPreLN:
    case NormPlacement::kPostLN:
    case NormPlacement::kDeepNorm:
      return norm_of_kind(dim);
  }
  return norm_of_kind(dim);
}

torch::nn::AnyModule LayerFactory::norm_of_kind(int64_t dim) const {
  switch (config_.norm_kind) {
    case NormKind::kLayerNorm:
      return torch::nn::AnyModule(
          torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(config_.layer_norm_eps)));
    case NormKind::kRmsNorm:
      return torch::nn::AnyModule(RmsNorm(dim, config_.layer_norm_eps));
    case NormKind::kDyT:
      return torch::nn::AnyModule(DyT(dim, config_.dyt_alpha));
  }
  return torch::nn::AnyModule(torch::nn::Identity());
}

}  // namespace models
