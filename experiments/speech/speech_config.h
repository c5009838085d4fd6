// The speech family's spec -> model configuration, its split folders, and its spec checks.
#pragma once

#include <absl/status/statusor.h>

#include <string>

#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"
#include "models/speech_ctc.h"

namespace experiments {

absl::StatusOr<models::SpeechCtcConfig> speech_config(const sigma_reparam::SpeechSpec& spec);

// The corpus folder and the four split folders a spec names (its own or the data set's defaults).
struct SpeechSplits {
  std::string root, train, valid, test, second_test;
};
SpeechSplits speech_splits(const sigma_reparam::ExperimentSpec& spec);

// Checks of a speech spec (field paths from the spec's root).
void check_speech_spec(const sigma_reparam::ExperimentSpec& spec, SpecChecker& c);

}  // namespace experiments
