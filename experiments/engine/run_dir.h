// The files of a run directory (docs/design.md, "One schema"):
//   spec.textproto    resolved spec (every default filled in)
//   metrics.jsonl     one StepMetrics per logged step, protobuf JSON
//   result.textproto  RunResult: RUNNING while training, then COMPLETED / DIVERGED / FAILED
//   checkpoint.pt     model, optimiser and TrainerState, replaced atomically
#pragma once

#include <absl/status/statusor.h>
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

// Reads a run directory's result.textproto. NotFound if there is none; InvalidArgument naming
// the file if it does not parse; FailedPrecondition, saying how to retrain it, for a record
// written before named metrics.
absl::StatusOr<sigma_reparam::RunResult> load_result(const std::string& run_dir);

// load_result, with status UNSPECIFIED for a run directory that has no readable result.
sigma_reparam::RunResult read_result(const std::string& run_dir);

}  // namespace experiments
