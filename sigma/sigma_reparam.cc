#include "sigma/sigma_reparam.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/module.h>

#include <cmath>

#include "sigma/init.h"
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
  double sigma0;
  at::Tensor u;
  if (StructureOnlyInit::active()) {  // an estimate: see StructureOnlyInit
    const PowerIteration p = power_iteration(
        weight2d,
        at::full({weight2d.size(1)}, 1.0 / std::sqrt(double(weight2d.size(1))), weight2d.options()),
        4);
    sigma0 = p.sigma.item<double>();
    u = p.u.contiguous();
  } else {
    sigma0 = exact_spectral_norm(weight2d);
    u = top_right_singular_vector(weight2d);
  }
  u_ = owner.register_buffer("u", u);
  sigma_ = owner.register_buffer("sigma", at::full({}, sigma0, weight2d.options()));
  at::Tensor gamma =
      at::full({}, options.gamma_init() == GammaInit::kSigma0 ? sigma0 : 1.0, weight2d.options());
  if (options.learn_gamma() && !options.stats_only()) {
    gamma_ = owner.register_parameter("gamma", gamma);
  } else {
    gamma_ = owner.register_buffer("gamma", gamma);
  }
}

namespace {

// The power iteration's state, passed to the autograd function as one non-tensor argument.
struct PowerState {
  at::Tensor u, sigma;
  int64_t steps;
  bool store;  // training: keep the new u and sigma

  // The power iteration from u, keeping u and sigma when `store`.
  PowerIteration run(const at::Tensor& w) const {
    // In float32 under bf16 autocast too (models/autocast.h): sigma is a norm estimate carried
    // across steps, and u the state it is carried in.
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    PowerIteration p = power_iteration(w, u, steps);
    if (store) {
      at::NoGradGuard no_grad;
      u.copy_(p.u);
      sigma.copy_(p.sigma.detach());
    }
    return p;
  }
};

// W_hat = (gamma / sigma(W)) W as one autograd node. sigma = v^T W u' with v and u' from the
// power iteration treated as constants (as the official code's torch.no_grad() does), so with
// s = sum(G o W) for the incoming gradient G:
//   dL/dgamma = s / sigma,   dL/dW = (gamma / sigma) G - (gamma s / sigma^2) v u'^T.
// Same values as the composite expression, with two operators backward instead of a dozen
// autograd nodes per layer.
class ReparamWeight : public torch::autograd::Function<ReparamWeight> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const at::Tensor& w, const at::Tensor& gamma,
                                                const PowerState& state) {
    const PowerIteration p = state.run(w);
    const at::Tensor ratio = gamma / p.sigma;
    ctx->save_for_backward({w, gamma, p.v, p.u, p.sigma, ratio});
    return {w * ratio};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &w = saved[0], &gamma = saved[1], &v = saved[2], &u = saved[3],
                     &sigma = saved[4], &ratio = saved[5];
    const at::Tensor& g = grads[0];
    const at::Tensor s = (g * w).sum();
    at::Tensor dw = at::addr(g * ratio, v, u, 1, -(ratio * s / sigma).item<double>());
    at::Tensor dgamma = gamma.requires_grad() ? s / sigma : at::Tensor();
    return {dw, dgamma, at::Tensor()};
  }
};

// y = r x W^T + b with r = gamma / sigma(W). With M = G^T x (the gradient W_hat would get) and
// s = sum(M o W):  dx = r G W,  dW = r M - (r s / sigma) v u'^T,  db = sum_rows G,
// dgamma = s / sigma. W_hat is never formed: the scalar rides in the matrix products' alpha.
class ReparamLinear : public torch::autograd::Function<ReparamLinear> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const at::Tensor& x, const at::Tensor& w,
                                                const at::Tensor& b, const at::Tensor& gamma,
                                                const PowerState& state) {
    const PowerIteration p = state.run(w);
    const double ratio = (gamma / p.sigma).item<double>();
    const at::Tensor x2 = x.reshape({-1, w.size(1)});
    at::Tensor y = at::addmm(b, x2, w.t(), 1.0, ratio);
    ctx->save_for_backward({x2, w, gamma, p.v, p.u, p.sigma});
    ctx->saved_data["ratio"] = ratio;
    ctx->saved_data["input_sizes"] = x.sizes().vec();
    std::vector<int64_t> sizes = x.sizes().vec();
    sizes.back() = w.size(0);
    return {y.view(sizes)};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x2 = saved[0], &w = saved[1], &gamma = saved[2], &v = saved[3], &u = saved[4],
                     &sigma = saved[5];
    const double ratio = ctx->saved_data["ratio"].toDouble();
    const at::Tensor g = grads[0].reshape({-1, w.size(0)});
    // dx = r G W (beta 0: the uninitialised first argument is never read).
    at::Tensor dx = at::addmm(at::empty({g.size(0), w.size(1)}, g.options()), g, w, 0.0, ratio);
    at::Tensor m = at::mm(g.t(), x2);  // (out, in)
    const double s = at::dot(m.view(-1), w.contiguous().view(-1)).item<double>();
    const double sigma_value = sigma.item<double>();
    m.addr_(v, u, ratio, -ratio * s / sigma_value);  // dW, in place
    at::Tensor dgamma;
    if (gamma.requires_grad()) dgamma = at::full({}, s / sigma_value, gamma.options());
    return {dx.view(ctx->saved_data["input_sizes"].toIntVector()), m, g.sum(0), dgamma,
            at::Tensor()};
  }
};

}  // namespace

at::Tensor SigmaReparamState::linear(const at::Tensor& input, const at::Tensor& weight,
                                     const at::Tensor& bias, bool training) const {
  const bool fused = !options_.stats_only() && at::GradMode::is_enabled() &&
                     weight.requires_grad() && bias.defined() && weight.dim() == 2 &&
                     weight.scalar_type() == at::kFloat && weight.device().is_cpu() &&
                     weight.is_contiguous() && input.scalar_type() == at::kFloat &&
                     !at::autocast::is_autocast_enabled(c10::kCPU);
  if (!fused) return at::linear(input, reparameterize(weight, training), bias);
  return ReparamLinear::apply(input, weight, bias, gamma_,
                              PowerState{u_, sigma_, options_.power_steps(), training})[0];
}

at::Tensor SigmaReparamState::reparameterize(const at::Tensor& weight2d, bool training) const {
  if (options_.stats_only() || !at::GradMode::is_enabled() || !weight2d.requires_grad()) {
    const PowerIteration p = PowerState{u_, sigma_, options_.power_steps(), training}.run(weight2d);
    if (options_.stats_only()) return weight2d;
    return weight2d * (gamma_ / p.sigma);
  }
  return ReparamWeight::apply(weight2d, gamma_,
                              PowerState{u_, sigma_, options_.power_steps(), training})[0];
}

double SigmaReparamState::effective_norm() const {
  if (options_.stats_only()) return sigma_.item<double>();
  return std::abs(gamma_.item<double>());
}

}  // namespace sigma
