// The ViT family's spec -> model configuration, and its spec checks.
#pragma once

#include <absl/status/statusor.h>

#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"
#include "models/config.h"

namespace experiments {

absl::StatusOr<models::VitConfig> vit_config(const sigma_reparam::VitSpec& spec);

// The ViT backbone of any image family (VitSpec, SimclrSpec): its model configuration without the
// head's size, and the checks of its image fields and data set (under `prefix`, e.g. "simclr"):
// image and patch sizes, an image data set (`family` names who needs it in the message), a path
// for IMAGENET_FOLDER, 28 x 28 single-channel images for FASHION_MNIST.
absl::StatusOr<models::VitConfig> vit_backbone_config(const sigma_reparam::TransformerSpec& t,
                                                      int image_size, int patch_size, int channels);
void check_image_backbone(const sigma_reparam::ExperimentSpec& s, const std::string& prefix,
                          const std::string& family, int image_size, int patch_size, int channels,
                          SpecChecker& c);

// Checks of a ViT spec (field paths from the spec's root).
void check_vit_spec(const sigma_reparam::ExperimentSpec& spec, SpecChecker& c);

}  // namespace experiments
