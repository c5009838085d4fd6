// The files of a run directory (docs/design.md, "One schema"):
//   spec.textproto    resolved spec (every default filled in)
//   metrics.jsonl     one StepMetrics per logged step, protobuf JSON
//   result.textproto  RunResult: RUNNING while training, then COMPLETED / DIVERGED / FAILED
//   checkpoint.pt     model, optimiser and TrainerState, replaced atomically
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "experiments/spec.pb.h"

namespace experiments {

// Writes `contents` to path.tmp and renames it over `path`.
void write_atomically(const std::string& path, const std::string& contents);

// Text format of a message.
std::string to_text(const google::protobuf::Message& message);

// Creates `path` and its parents; throws if it is not a directory afterwards.
void make_dirs(const std::string& path);

// Reads a run directory's result.textproto (status UNSPECIFIED if absent or unreadable).
sigma_reparam::RunResult read_result(const std::string& run_dir);

}  // namespace experiments
