// The language-model family's spec -> model configuration, and its spec checks.
#pragma once

#include <absl/status/statusor.h>

#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"
#include "models/config.h"

namespace experiments {

absl::StatusOr<models::CausalLmConfig> lm_config(const sigma_reparam::LanguageModelSpec& spec);

// Checks of a language-model spec (field paths from the spec's root).
void check_lm_spec(const sigma_reparam::ExperimentSpec& spec, SpecChecker& c);

}  // namespace experiments
