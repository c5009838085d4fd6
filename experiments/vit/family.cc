// Registers the supervised ViT family with the engine (experiments/engine/family.h).
#include "experiments/engine/family.h"
#include "experiments/vit/vit_config.h"
#include "experiments/vit/vit_task.h"

namespace experiments {
namespace {

const bool registered = register_family({
    /*name=*/"vit",
    /*model=*/sigma_reparam::ExperimentSpec::kVit,
    /*validate=*/check_vit_spec,
    /*make_task=*/
    [](const sigma_reparam::ExperimentSpec& spec) -> std::unique_ptr<Task> {
      return std::make_unique<VitTask>(spec);
    },
    /*gpu=*/true,
});

}  // namespace
}  // namespace experiments
