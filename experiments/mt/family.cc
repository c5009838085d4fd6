// Registers the translation family with the engine (experiments/engine/family.h).
#include "experiments/engine/family.h"
#include "experiments/mt/mt_config.h"
#include "experiments/mt/mt_task.h"

namespace experiments {
namespace {

const bool registered = register_family({
    /*name=*/"mt",
    /*model=*/sigma_reparam::ExperimentSpec::kMt,
    /*validate=*/check_mt_spec,
    /*make_task=*/
    [](const sigma_reparam::ExperimentSpec& spec) -> std::unique_ptr<Task> {
      return std::make_unique<MtTask>(spec);
    },
});

}  // namespace
}  // namespace experiments
