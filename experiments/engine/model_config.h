// Spec -> model configuration (models/config.h) for the Transformer every family shares. The
// only place that maps spec enums to model choices, so that models never see a spec. Every
// enum is switched exhaustively (no `default:`; a new value fails to compile until handled),
// and a value with no model choice (UNSPECIFIED) is an error naming the field, which
// validation reports before training.
#pragma once

#include <absl/status/statusor.h>

#include "experiments/transformer.pb.h"
#include "models/config.h"

namespace experiments {

absl::StatusOr<models::TransformerConfig> transformer_config(
    const sigma_reparam::TransformerSpec& spec);

}  // namespace experiments
