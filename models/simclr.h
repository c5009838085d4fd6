// SimCLR's network (Chen et al. 2020) with a ViT backbone, as in the paper's self-supervised
// experiments: the backbone's class-token features, then a projection MLP
// Linear(width, hidden) - ReLU - Linear(hidden, dim) whose output the contrastive loss compares.
// The projection's layers come from the same LayerFactory, so σReparam covers them too.
//
//   models::SimclrNetwork net(models::SimclrConfig{});
//   at::Tensor z = net(views);                // (2B, 1, 28, 28) -> (2B, projection_dim)
//   at::Tensor f = net->features(images);      // (B, width): what the linear probe reads
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include "models/config.h"
#include "models/vit.h"

namespace models {

struct SimclrConfig {
  VitConfig backbone = {};  // num_classes is ignored (no head)
  int64_t projection_hidden = 256;
  int64_t projection_dim = 64;
};

class SimclrNetworkImpl : public torch::nn::Module {
 public:
  explicit SimclrNetworkImpl(const SimclrConfig& config);

  // images (B, C, H, W) -> projections (B, projection_dim)
  at::Tensor forward(const at::Tensor& images, AttentionObservation* observation = nullptr);
  // images (B, C, H, W) -> backbone features (B, width)
  at::Tensor features(const at::Tensor& images, AttentionObservation* observation = nullptr);

  const SimclrConfig& config() const { return config_; }

 private:
  SimclrConfig config_;
  VisionTransformer backbone_{nullptr};
  torch::nn::AnyModule fc1_, fc2_;
};
TORCH_MODULE(SimclrNetwork);

}  // namespace models
