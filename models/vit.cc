#include "models/vit.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/modules/linear.h>

#include <string>

#include "models/norms.h"
#include "sigma/init.h"

namespace models {

VisionTransformerImpl::VisionTransformerImpl(const VitConfig& c) : config_(c) {
  TORCH_CHECK(c.image_size % c.patch_size == 0, "VisionTransformer: patch_size ", c.patch_size,
              " must divide image_size ", c.image_size);
  const int64_t d = c.transformer.width;
  const int64_t grid = c.image_size / c.patch_size;
  num_patches_ = grid * grid;
  const int64_t depth = c.transformer.depth;
  const TransformerConfig t =
      with_deep_norm_scales(c.transformer, DeepNormStack::kEncoderOnly, depth, depth);
  LayerFactory make(t.layers);
  patch_embed_ = make.patch_conv(c.channels, d, c.patch_size);
  register_module("patch_embed", patch_embed_.ptr());
  if (c.frozen_patch_embed) {
    for (auto& p : patch_embed_.ptr()->parameters()) p.requires_grad_(false);
  }
  cls_token_ = register_parameter("cls_token", at::empty({1, 1, d}));
  pos_embed_ = register_parameter("pos_embed", at::empty({1, num_patches_ + 1, d}));
  sigma::trunc_normal_(cls_token_, 0.02);
  sigma::trunc_normal_(pos_embed_, 0.02);
  torch::nn::ModuleList blocks;
  for (int64_t i = 0; i < t.depth; ++i) {
    blocks_.push_back(
        TransformerBlock(t, make, BlockSite{"encoder", i, /*cross_attention=*/false}));
    blocks->push_back(blocks_.back());
  }
  register_module("blocks", blocks);  // names blocks.0, blocks.1, ...
  // Post-LN blocks already end in a norm; pre-LN needs the final one.
  norm_ = c.transformer.layers.norm == NormPlacement::kPreLN
              ? make.norm(d)
              : torch::nn::AnyModule(torch::nn::Identity());
  register_module("norm", norm_.ptr());
  head_ = c.num_classes > 0 ? make.linear(Role::kHead, d, c.num_classes)
                            : torch::nn::AnyModule(torch::nn::Identity());
  register_module("head", head_.ptr());
}

at::Tensor VisionTransformerImpl::forward(const at::Tensor& images,
                                          AttentionObservation* observation) {
  const int64_t B = images.size(0);
  at::Tensor x = patch_embed_.forward<at::Tensor>(images);  // (B, d, g, g)
  x = x.flatten(2).transpose(1, 2);                         // (B, N, d)
  x = at::cat({cls_token_.expand({B, -1, -1}), x}, 1);      // (B, N+1, d)
  x = x + pos_embed_;
  for (auto& block : blocks_) x = block(x, /*mask=*/nullptr, observation);
  x = norm_.forward<at::Tensor>(x);
  return head_.forward<at::Tensor>(x.select(1, 0));  // (B, classes) from the class token
}

}  // namespace models
