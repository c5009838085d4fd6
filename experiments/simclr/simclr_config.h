// The SimCLR family's spec -> model configuration, and its spec checks.
#pragma once

#include <absl/status/statusor.h>

#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"
#include "models/simclr.h"

namespace experiments {

absl::StatusOr<models::SimclrConfig> simclr_config(const sigma_reparam::SimclrSpec& spec);

// Checks of a SimCLR spec (field paths from the spec's root).
void check_simclr_spec(const sigma_reparam::ExperimentSpec& spec, SpecChecker& c);

}  // namespace experiments
