#include "sigma/sigma_reparam.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/module.h>

#include <cmath>

#include "sigma/power_iteration.h"

namespace sigma {

std::string to_string(GammaInit init) {
  switch (init) {
    case GammaInit::kSigma0:
      return "SIGMA0";
    case GammaInit::kOne:
      return "ONE";
  }
  return "?";
}

void SigmaReparamState::init(torch::nn::Module& owner, const at::Tensor& weight2d,
                             const SigmaReparamOptions& options) {
  TORCH_CHECK(options.power_steps() >= 1, "SigmaReparam: power_steps must be >= 1, got ",
              options.power_steps());
  TORCH_CHECK(weight2d.dim() == 2, "SigmaReparam: weight view must be 2-D, got ", weight2d.sizes());
  options_ = options;
  at::NoGradGuard no_grad;
  const double sigma0 = exact_spectral_norm(weight2d);
  u_ = owner.register_buffer("u", top_right_singular_vector(weight2d));
  sigma_ = owner.register_buffer("sigma", at::full({}, sigma0, weight2d.options()));
  at::Tensor gamma =
      at::full({}, options.gamma_init() == GammaInit::kSigma0 ? sigma0 : 1.0, weight2d.options());
  if (options.learn_gamma() && !options.stats_only()) {
    gamma_ = owner.register_parameter("gamma", gamma);
  } else {
    gamma_ = owner.register_buffer("gamma", gamma);
  }
}

at::Tensor SigmaReparamState::reparameterize(const at::Tensor& weight2d, bool training) const {
  PowerIteration p = power_iteration(weight2d, u_, options_.power_steps());
  if (training) {
    at::NoGradGuard no_grad;
    u_.copy_(p.u);
    sigma_.copy_(p.sigma.detach());
  }
  if (options_.stats_only()) return weight2d;
  return weight2d * (gamma_ / p.sigma);
}

double SigmaReparamState::effective_norm() const {
  if (options_.stats_only()) return sigma_.item<double>();
  return std::abs(gamma_.item<double>());
}

}  // namespace sigma
