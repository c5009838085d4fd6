// The ViT family's spec -> model configuration, and its spec checks.
#pragma once

#include <absl/status/statusor.h>

#include "experiments/engine/image_backbone.h"
#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"
#include "models/config.h"

namespace experiments {

absl::StatusOr<models::VitConfig> vit_config(const sigma_reparam::VitSpec& spec);

// Checks of a ViT spec (field paths from the spec's root).
void check_vit_spec(const sigma_reparam::ExperimentSpec& spec, SpecChecker& c);

}  // namespace experiments
