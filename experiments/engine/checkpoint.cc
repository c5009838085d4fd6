#include "experiments/engine/checkpoint.h"

#include <sys/stat.h>
#include <torch/serialize/archive.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace experiments {
namespace {

std::string checkpoint_path(const std::string& run_dir, const char* what) {
  const std::string path = run_dir + "/checkpoint.pt";
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw std::runtime_error(path + ": " + what);
  return path;
}

}  // namespace

void save_checkpoint(const std::string& dir, torch::nn::Module& model, const Optimizer& optimizer,
                     const sigma_reparam::TrainerState& state) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("trainer_state", c10::IValue(state.SerializeAsString()));
  const std::string path = dir + "/checkpoint.pt", tmp = path + ".tmp";
  archive.save_to(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

namespace {

sigma_reparam::TrainerState restore(torch::serialize::InputArchive& archive,
                                    const std::string& origin, torch::nn::Module& model,
                                    Optimizer& optimizer) {
  torch::serialize::InputArchive model_archive, optimizer_archive;
  archive.read("model", model_archive);
  archive.read("optimizer", optimizer_archive);
  model.load(model_archive);
  optimizer.load(optimizer_archive);
  c10::IValue state_value;
  archive.read("trainer_state", state_value);
  sigma_reparam::TrainerState state;
  if (!state.ParseFromString(state_value.toStringRef())) {
    throw std::runtime_error(origin + ": corrupt trainer state");
  }
  return state;
}

}  // namespace

sigma_reparam::TrainerState load_checkpoint(const std::string& dir, torch::nn::Module& model,
                                            Optimizer& optimizer) {
  const std::string path = checkpoint_path(dir, "no checkpoint to resume from");
  torch::serialize::InputArchive archive;
  archive.load_from(path);
  return restore(archive, path, model, optimizer);
}

std::string read_checkpoint_bytes(const std::string& dir) {
  const std::string path = checkpoint_path(dir, "no checkpoint to resume from");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw std::runtime_error(path + ": cannot read");
  return bytes.str();
}

sigma_reparam::TrainerState load_checkpoint_bytes(const std::string& bytes,
                                                  const std::string& origin,
                                                  torch::nn::Module& model, Optimizer& optimizer) {
  torch::serialize::InputArchive archive;
  archive.load_from(bytes.data(), bytes.size());
  return restore(archive, origin, model, optimizer);
}

void load_model_weights(const std::string& run_dir, torch::nn::Module& model) {
  const std::string path = checkpoint_path(run_dir, "no checkpoint (train the run first)");
  torch::serialize::InputArchive archive, model_archive;
  archive.load_from(path);
  archive.read("model", model_archive);
  model.load(model_archive);
}

}  // namespace experiments
