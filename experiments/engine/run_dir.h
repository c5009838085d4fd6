// The files of a run directory (docs/design.md, "One schema"):
//   spec.textproto    resolved spec (every default filled in)
//   metrics.jsonl     one StepMetrics per logged step, protobuf JSON
//   result.textproto  RunResult: RUNNING while training, then COMPLETED / DIVERGED / FAILED /
//                     INTERRUPTED
//   checkpoint.pt     model, optimiser and TrainerState, replaced atomically
//   run.lock          held (flock) by the process training the run; holds its pid
#pragma once

#include <absl/status/statusor.h>
#include <google/protobuf/message.h>

#include <memory>
#include <string>

#include "core/files.h"
#include "experiments/spec.pb.h"

namespace experiments {

// Text format of a message.
std::string to_text(const google::protobuf::Message& message);

// Creates `path` and its parents; throws if it is not a directory afterwards.
void make_dirs(const std::string& path);

// An exclusive lock on a run directory (flock on <dir>/run.lock), held while a process trains
// into it: a second run into the same directory is refused instead of clobbering the first.
// Released when destroyed or when the process ends, however it ends.
class RunLock {
 public:
  // Creates the directory if needed and takes the lock; FailedPrecondition naming the directory
  // and the holder's pid when another process holds it.
  static absl::StatusOr<std::unique_ptr<RunLock>> acquire(const std::string& run_dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_;
};

// Reads a run directory's result.textproto. NotFound if there is none; InvalidArgument naming
// the file if it does not parse; FailedPrecondition, saying how to retrain it, for a record
// written before named metrics.
absl::StatusOr<sigma_reparam::RunResult> load_result(const std::string& run_dir);

// load_result, with status UNSPECIFIED for a run directory that has no readable result.
sigma_reparam::RunResult read_result(const std::string& run_dir);

}  // namespace experiments
