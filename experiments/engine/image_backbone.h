// The ViT image backbone that the image families share (vit, simclr): its model configuration
// from the spec and the checks of its image fields and data set. It lives below the families so
// that neither depends on the other.
#pragma once

#include <string>

#include <absl/status/statusor.h>

#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"
#include "models/config.h"

namespace experiments {

// The ViT backbone of an image family (VitSpec, SimclrSpec): its model configuration without the
// head's size, and the checks of its image fields and data set (under `prefix`, e.g. "simclr"):
// image and patch sizes, an image data set (`family` names who needs it in the message), a path
// for IMAGENET_FOLDER, 28 x 28 single-channel images for FASHION_MNIST.
absl::StatusOr<models::VitConfig> vit_backbone_config(const sigma_reparam::TransformerSpec& t,
                                                      int image_size, int patch_size, int channels);
void check_image_backbone(const sigma_reparam::ExperimentSpec& s, const std::string& prefix,
                          const std::string& family, int image_size, int patch_size, int channels,
                          SpecChecker& c);

}  // namespace experiments
