// Spec -> model configuration (models/config.h). The only place that maps spec enums to model
// choices, so that models never see a spec.
#pragma once

#include "experiments/spec.pb.h"
#include "models/config.h"

namespace experiments {

models::TransformerConfig transformer_config(const sigma_reparam::TransformerSpec& spec);
models::VitConfig vit_config(const sigma_reparam::VitSpec& spec);
models::CausalLmConfig lm_config(const sigma_reparam::LanguageModelSpec& spec);

}  // namespace experiments
