// σReparam (Zhai et al. 2023, docs/method.md "Definitions"): W_hat = (gamma / sigma(W)) * W.
//
// This file holds what the σReparam layers share: their options and the reparameterisation
// state (the power-iteration vector u, the last sigma estimate, the learned scale gamma).
// The layers themselves are SigmaReparamLinear (sigma_reparam_linear.h) and
// SigmaReparamConv2d (sigma_reparam_conv2d.h).
//
// Naming: `gamma` is the learned scalar, `sigma` is always the spectral norm of W. (The
// official code calls the learned scalar "sigma"; we do not.)
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <string>

namespace torch {
namespace nn {
class Module;
}
}  // namespace torch

namespace sigma {

// How gamma starts. kSigma0 is the official PyTorch code: gamma = sigma(W0) computed exactly,
// so W_hat == W at step 0. kOne is the paper's pseudocode and the JAX speech code: gamma = 1,
// so W_hat starts with spectral norm 1.
enum class GammaInit { kSigma0, kOne };

std::string to_string(GammaInit init);

struct SigmaReparamOptions {
  // Initial value of the learned scale gamma.
  TORCH_ARG(GammaInit, gamma_init) = GammaInit::kSigma0;
  // Weights start as trunc_normal(0, 0.02 * init_gain) (official code).
  TORCH_ARG(double, init_gain) = 1.0;
  // Track sigma(W) but compute with W itself (official `stats_only`): a baseline that reports
  // the same statistics as σReparam.
  TORCH_ARG(bool, stats_only) = false;
  // gamma is a trained parameter; false with kOne is plain spectral normalisation W / sigma(W)
  // (Miyato et al. 2018).
  TORCH_ARG(bool, learn_gamma) = true;
  // Power-iteration steps per forward pass (the paper uses 1).
  TORCH_ARG(int64_t, power_steps) = 1;
};

// The reparameterisation of one weight matrix. Not a module: the owning layer registers the
// tensors (so they are saved, loaded and moved with it) and calls reparameterize().
class SigmaReparamState {
 public:
  // Registers on `owner`: buffer "u" (in,), buffer "sigma" (), and "gamma" () as a parameter
  // (or a buffer when !learn_gamma or stats_only). `weight2d` is the (out, in) view of the
  // initialised weight; u starts as its exact first right singular vector.
  void init(torch::nn::Module& owner, const at::Tensor& weight2d,
            const SigmaReparamOptions& options);

  // W_hat for the (out, in) weight view. One power step from u per call; u and the sigma
  // buffer are stored only when `training` (eval does an unstored step: deterministic).
  at::Tensor reparameterize(const at::Tensor& weight2d, bool training) const;
  // linear(input, reparameterize(weight, training), bias), as one autograd node that never
  // forms W_hat: y = (gamma / sigma) x W^T + b with the scalar in the matrix product. Same
  // values (up to float rounding) and gradients as the composite expression.
  at::Tensor linear(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                    bool training) const;

  const SigmaReparamOptions& options() const { return options_; }
  const at::Tensor& u() const { return u_; }
  // Last sigma(W) estimate stored in training mode (exact at construction).
  const at::Tensor& sigma() const { return sigma_; }
  const at::Tensor& gamma() const { return gamma_; }
  // Spectral norm of the weight the layer computes with: |gamma| for σReparam (W_hat has
  // spectral norm |gamma| up to the power-iteration error), sigma(W) when stats_only.
  double effective_norm() const;

 private:
  SigmaReparamOptions options_;
  at::Tensor u_;
  at::Tensor sigma_;
  at::Tensor gamma_;
};

// Implemented by every σReparam layer, so that tools can find them in any module tree.
class SigmaReparamLayer {
 public:
  virtual ~SigmaReparamLayer() = default;
  virtual const SigmaReparamState& reparam_state() const = 0;
  // W_hat as eval mode computes it, without gradient, in the layer's own weight shape.
  virtual at::Tensor effective_weight() const = 0;
};

}  // namespace sigma
