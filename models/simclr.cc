#include "models/simclr.h"

#include <ATen/ATen.h>

#include "models/layer_factory.h"

namespace models {

namespace {
VitConfig without_head(VitConfig c) {
  c.num_classes = 0;
  return c;
}
}  // namespace

SimclrNetworkImpl::SimclrNetworkImpl(const SimclrConfig& c) : config_(c) {
  backbone_ = register_module("backbone", VisionTransformer(without_head(c.backbone)));
  LayerFactory make(c.backbone.transformer.layers);
  fc1_ = make.linear(Role::kHead, c.backbone.transformer.width, c.projection_hidden);
  fc2_ = make.linear(Role::kHead, c.projection_hidden, c.projection_dim);
  register_module("projection_fc1", fc1_.ptr());
  register_module("projection_fc2", fc2_.ptr());
}

at::Tensor SimclrNetworkImpl::features(const at::Tensor& images,
                                       AttentionObservation* observation) {
  return backbone_->forward(images, observation);
}

at::Tensor SimclrNetworkImpl::forward(const at::Tensor& images, AttentionObservation* observation) {
  at::Tensor h = at::relu(fc1_.forward<at::Tensor>(features(images, observation)));
  return fc2_.forward<at::Tensor>(h);
}

}  // namespace models
