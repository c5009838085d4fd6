// Registers the speech family with the engine (experiments/engine/family.h).
#include "experiments/engine/family.h"
#include "experiments/speech/speech_config.h"
#include "experiments/speech/speech_task.h"

namespace experiments {
namespace {

const bool registered = register_family({
    /*name=*/"speech",
    /*model=*/sigma_reparam::ExperimentSpec::kSpeech,
    /*validate=*/check_speech_spec,
    /*make_task=*/
    [](const sigma_reparam::ExperimentSpec& spec) -> std::unique_ptr<Task> {
      return std::make_unique<SpeechTask>(spec);
    },
});

}  // namespace
}  // namespace experiments
