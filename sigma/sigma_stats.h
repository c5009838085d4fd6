// Model-wide σReparam statistics and folding for inference.
//
//   for (const auto& s : sigma::collect_sigma_reparam_stats(*model)) ...  // s.name, s.gamma
//   torch::nn::Linear plain = sigma::fold(layer);  // same outputs, no power iteration
//
// At inference gamma / sigma(W) is a constant, so a trained layer can be replaced by a plain
// layer whose weight is W_hat (docs/method.md, "Definitions").
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <string>
#include <vector>

#include "sigma/sigma_reparam_conv2d.h"
#include "sigma/sigma_reparam_linear.h"

namespace sigma {

struct SigmaReparamLayerStats {
  std::string name;       // module path, e.g. "blocks.0.attn.qkv"
  double sigma;           // last sigma(W) estimate (power iteration, training mode)
  double gamma;           // learned scale
  double effective_norm;  // spectral norm the layer computes with (|gamma|, or sigma)
};

// Every σReparam layer under `root` (root included), in registration order.
std::vector<SigmaReparamLayerStats> collect_sigma_reparam_stats(const torch::nn::Module& root);

// A plain layer with W_hat (as eval mode computes it) and the same bias.
torch::nn::Linear fold(const SigmaReparamLinear& layer);
torch::nn::Conv2d fold(const SigmaReparamConv2d& layer);

// Folds a whole model: `plain` is the same architecture built without σReparam (same module
// paths). Each σReparam layer's W_hat and bias go into `plain`'s layer of the same path, every
// other parameter and buffer of `plain` is copied by name. Afterwards `plain` computes what
// `reparam` computes in eval mode, at the plain model's cost. Throws naming a path that `plain`
// has and `reparam` lacks, or a shape that differs.
void fold_into(const torch::nn::Module& reparam, torch::nn::Module& plain);

}  // namespace sigma
