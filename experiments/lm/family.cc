// Registers the causal language-model family with the engine (experiments/engine/family.h).
#include "experiments/engine/family.h"
#include "experiments/lm/lm_config.h"
#include "experiments/lm/lm_task.h"

namespace experiments {
namespace {

const bool registered = register_family({
    /*name=*/"lm",
    /*model=*/sigma_reparam::ExperimentSpec::kLm,
    /*validate=*/check_lm_spec,
    /*make_task=*/
    [](const sigma_reparam::ExperimentSpec& spec) -> std::unique_ptr<Task> {
      return std::make_unique<LmTask>(spec);
    },
    /*gpu=*/true,
});

}  // namespace
}  // namespace experiments
