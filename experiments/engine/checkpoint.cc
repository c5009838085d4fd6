#include "experiments/engine/checkpoint.h"

#include "core/files.h"

#include <sys/stat.h>
#include <torch/serialize/archive.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "experiments/engine/run_dir.h"

namespace experiments {
namespace {

std::string checkpoint_path(const std::string& run_dir, const char* what) {
  const std::string path = run_dir + "/checkpoint.pt";
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw CheckpointError(path + ": " + what);
  return path;
}

// LibTorch's message without its C++ backtrace.
std::string what_of(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) {
    return c10_error->what_without_backtrace();
  }
  return e.what();
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
  // Serialised in memory, then written with checked POSIX writes and renamed: a full disk or a
  // kill leaves the previous checkpoint.
  std::string bytes;
  archive.save_to([&bytes](const void* data, size_t size) -> size_t {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  core::write_atomically(dir + "/checkpoint.pt", bytes);
}

namespace {

sigma_reparam::TrainerState restore(torch::serialize::InputArchive& archive,
                                    const std::string& origin, torch::nn::Module& model,
                                    Optimizer& optimizer, const std::string& expected_digest) {
  sigma_reparam::TrainerState state;
  try {
    c10::IValue state_value;
    archive.read("trainer_state", state_value);
    if (!state.ParseFromString(state_value.toStringRef())) {
      throw std::runtime_error("corrupt trainer state");
    }
  } catch (const std::exception& e) {
    throw CheckpointError(origin + ": not a checkpoint of this suite (" + what_of(e) + ")");
  }
  if (!expected_digest.empty() && !state.spec_digest().empty() &&
      state.spec_digest() != expected_digest) {
    throw CheckpointError(origin + ": written for another spec (digest " + state.spec_digest() +
                          ", this run's spec.textproto has " + expected_digest +
                          "); it cannot be resumed here. Start the run again with --overwrite");
  }
  try {
    torch::serialize::InputArchive model_archive, optimizer_archive;
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    model.load(model_archive);
    optimizer.load(optimizer_archive);
  } catch (const std::exception& e) {
    throw CheckpointError(origin + ": does not fit this spec's model and optimiser (" + what_of(e) +
                          "); it was written for another model");
  }
  return state;
}

// Where the model's tensors live: a checkpoint's tensors are mapped there as they load, so a
// checkpoint written on a GPU resumes on a CPU-only machine and back.
c10::Device model_device(const torch::nn::Module& model) {
  for (const auto& p : model.parameters()) return p.device();
  return c10::Device(c10::kCPU);
}

// An archive from `path` or `bytes`, with a message naming the file when it cannot be read.
void open_archive(torch::serialize::InputArchive& archive, const std::string& origin,
                  const std::function<void()>& load) {
  try {
    load();
  } catch (const std::exception& e) {
    throw CheckpointError(origin + ": cannot be read as a checkpoint, truncated or corrupt (" +
                          what_of(e) +
                          "). The run cannot resume from it; --overwrite "
                          "starts it again");
  }
}

}  // namespace

sigma_reparam::TrainerState load_checkpoint(const std::string& dir, torch::nn::Module& model,
                                            Optimizer& optimizer,
                                            const std::string& expected_digest) {
  const std::string path = checkpoint_path(dir, "no checkpoint to resume from");
  torch::serialize::InputArchive archive;
  open_archive(archive, path, [&] { archive.load_from(path, model_device(model)); });
  return restore(archive, path, model, optimizer, expected_digest);
}

std::string read_checkpoint_bytes(const std::string& dir) {
  const std::string path = checkpoint_path(dir, "no checkpoint to resume from");
  std::optional<std::string> bytes = core::try_read_file(path);
  if (!bytes) throw std::runtime_error(path + ": cannot read");
  return *std::move(bytes);
}

sigma_reparam::TrainerState load_checkpoint_bytes(const std::string& bytes,
                                                  const std::string& origin,
                                                  torch::nn::Module& model, Optimizer& optimizer,
                                                  const std::string& expected_digest) {
  torch::serialize::InputArchive archive;
  open_archive(archive, origin,
               [&] { archive.load_from(bytes.data(), bytes.size(), model_device(model)); });
  return restore(archive, origin, model, optimizer, expected_digest);
}

void load_model_weights(const std::string& run_dir, torch::nn::Module& model) {
  const std::string path = checkpoint_path(run_dir, "no checkpoint (train the run first)");
  torch::serialize::InputArchive archive, model_archive;
  open_archive(archive, path, [&] { archive.load_from(path, model_device(model)); });
  try {
    archive.read("model", model_archive);
    model.load(model_archive);
  } catch (const std::exception& e) {
    throw CheckpointError(path + ": does not fit this spec's model (" + what_of(e) + ")");
  }
}

}  // namespace experiments
