// Registers the SimCLR family with the engine (experiments/engine/family.h).
#include "experiments/engine/family.h"
#include "experiments/simclr/simclr_config.h"
#include "experiments/simclr/simclr_task.h"

namespace experiments {
namespace {

const bool registered = register_family({
    /*name=*/"simclr",
    /*model=*/sigma_reparam::ExperimentSpec::kSimclr,
    /*validate=*/check_simclr_spec,
    /*make_task=*/
    [](const sigma_reparam::ExperimentSpec& spec) -> std::unique_ptr<Task> {
      return std::make_unique<SimclrTask>(spec);
    },
});

}  // namespace
}  // namespace experiments
