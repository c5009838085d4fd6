// Vision Transformer (Dosovitskiy et al. 2021) as in the paper's ViT experiments: patch
// embedding, class token, learned positions, encoder blocks, final norm (pre-LN only) and a
// linear head on the class token. Every linear layer and the patch embedding come from the
// LayerFactory, so σReparam covers all of them (docs/method.md).
//
//   models::VisionTransformer vit(models::VitConfig{});
//   at::Tensor logits = vit(images);                // (B, 1, 28, 28) -> (B, 10)
//   models::AttentionObservation obs;
//   vit->forward(images, &obs);                     // obs.records: one per block, stack "encoder"
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/config.h"
#include "models/parameter_rules.h"
#include "models/transformer.h"

namespace models {

class VisionTransformerImpl : public torch::nn::Module, public ParameterRules {
 public:
  explicit VisionTransformerImpl(const VitConfig& config);

  // images: (B, C, H, W) -> logits (B, num_classes), or features (B, width) when num_classes is 0
  at::Tensor forward(const at::Tensor& images, AttentionObservation* observation = nullptr);

  const VitConfig& config() const { return config_; }
  int64_t tokens() const { return num_patches_ + 1; }
  // The class token and position embedding take no weight decay (as in timm and DeiT).
  std::vector<std::string> no_decay_parameters() const override {
    return {"cls_token", "pos_embed"};
  }

 private:
  VitConfig config_;
  int64_t num_patches_;
  torch::nn::AnyModule patch_embed_;
  at::Tensor cls_token_;  // (1, 1, d)
  at::Tensor pos_embed_;  // (1, T, d)
  std::vector<TransformerBlock> blocks_;
  torch::nn::AnyModule norm_;
  torch::nn::AnyModule head_;
};
TORCH_MODULE(VisionTransformer);

}  // namespace models
