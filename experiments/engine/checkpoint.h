// checkpoint.pt: the model, the optimiser and the TrainerState, written to a temporary file and
// renamed over the old one, so that a kill leaves either the old or the new checkpoint.
#pragma once

#include <torch/nn/module.h>

#include <stdexcept>
#include <string>

#include "experiments/engine/optimizer.h"
#include "experiments/spec.pb.h"

namespace experiments {

// A checkpoint that cannot be resumed: missing, truncated, corrupt, of another spec or model.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws naming the file, its old version left intact, when it cannot be written in full.
void save_checkpoint(const std::string& run_dir, torch::nn::Module& model,
                     const Optimizer& optimizer, const sigma_reparam::TrainerState& state);

// Restores model and optimizer; throws naming the file if there is none, if it is truncated or
// corrupt, if it was written for another spec (`expected_digest`, when both are known) or if it
// does not fit the model.
sigma_reparam::TrainerState load_checkpoint(const std::string& run_dir, torch::nn::Module& model,
                                            Optimizer& optimizer,
                                            const std::string& expected_digest = "");

// The bytes of a run directory's checkpoint.pt (throws naming the file if there is none), and
// load_checkpoint from such bytes: data-parallel ranks restore what rank 0 read.
std::string read_checkpoint_bytes(const std::string& run_dir);
sigma_reparam::TrainerState load_checkpoint_bytes(const std::string& bytes,
                                                  const std::string& origin,
                                                  torch::nn::Module& model, Optimizer& optimizer,
                                                  const std::string& expected_digest = "");

// Loads the model weights of a run directory's checkpoint.pt into `model` (same architecture).
void load_model_weights(const std::string& run_dir, torch::nn::Module& model);

}  // namespace experiments
