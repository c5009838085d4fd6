// The registry of experiment families. The engine (trainer, sweeps, the shared command line)
// never names a family: it looks one up here by the spec's `model` case. A family registers
// itself from its own folder, in a library linked with alwayslink:
//
//   // experiments/vit/family.cc
//   const bool registered = experiments::register_family(
//       {/*name=*/"vit", /*model=*/ExperimentSpec::kVit, /*validate=*/check_vit_spec,
//        /*make_task=*/[](const ExperimentSpec& s) { return std::make_unique<VitTask>(s); }});
//
// Adding a family is therefore its folder plus one entry in experiments/families.bzl and one
// line in the `model` oneof of experiments/spec.proto.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"

namespace experiments {

class Task;  // experiments/engine/task.h

struct Family {
  std::string name;                                // runs/<name>/... for single runs
  sigma_reparam::ExperimentSpec::ModelCase model;  // the spec's `model` case it trains
  // Family-specific checks of a spec whose model is this family (field paths from the root,
  // e.g. "vit.patch_size"), including that the model builder handles every enum value.
  std::function<void(const sigma_reparam::ExperimentSpec&, SpecChecker&)> validate;
  // Loads the data and builds the model (errors as exceptions naming the data set and the
  // command that fetches it).
  std::function<std::unique_ptr<Task>(const sigma_reparam::ExperimentSpec&)> make_task;
  // Whether its task moves every batch to the training device (Task::to_device), so that it
  // can train on a GPU (run.device "cuda"); families without it train on the CPU only.
  bool gpu = false;
};

// Registers a family; a second family for the same model case aborts at start-up.
bool register_family(Family family);

// The family that trains `model`, or nullptr if none is linked into this binary.
const Family* find_family(sigma_reparam::ExperimentSpec::ModelCase model);

// Every registered family, in registration order.
std::vector<const Family*> families();

// The spec's `model` field name ("vit", "lm", ...) or "no model".
std::string model_name(sigma_reparam::ExperimentSpec::ModelCase model);

}  // namespace experiments
