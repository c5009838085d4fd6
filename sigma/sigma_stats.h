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

}  // namespace sigma
