#include "experiments/engine/run_dir.h"

#include "core/files.h"

#include <google/protobuf/text_format.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace experiments {

absl::StatusOr<std::unique_ptr<RunLock>> RunLock::acquire(const std::string& run_dir) {
  try {
    make_dirs(run_dir);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(e.what());
  }
  const std::string path = run_dir + "/run.lock";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(path + ": cannot open (" + std::strerror(errno) + ")");
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {0};
    const ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
    close(fd);
    std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return absl::FailedPreconditionError(
        run_dir + " is in use: another process" + (holder.empty() ? "" : " (pid " + holder + ")") +
        " is training into it. Wait for it to finish, stop it (SIGINT or SIGTERM stop it after a "
        "checkpoint), or train into another directory with --run_name or --output_dir");
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; only the message of a refused run is poorer.
  }
  return std::unique_ptr<RunLock>(new RunLock(fd));
}

RunLock::~RunLock() { close(fd_); }

std::string to_text(const google::protobuf::Message& m) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(m, &text);
  return text;
}

void make_dirs(const std::string& path) {
  std::string partial;
  std::stringstream ss(path);
  std::string piece;
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(ss, piece, '/')) {
    if (piece.empty()) continue;
    partial += piece + "/";
    mkdir(partial.c_str(), 0755);
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw std::runtime_error(path + ": cannot create run directory");
  }
}

absl::StatusOr<sigma_reparam::RunResult> load_result(const std::string& run_dir) {
  const std::string path = run_dir + "/result.textproto";
  const std::optional<std::string> bytes = core::try_read_file(path);
  if (!bytes) return absl::NotFoundError(path + ": cannot read");
  const std::string& text = *bytes;
  sigma_reparam::RunResult result;
  const bool parsed = google::protobuf::TextFormat::ParseFromString(text, &result);
  // Records of the format before named metrics carry fields that are now reserved (the parser
  // skips them): such a result has no headline.
  if (!parsed || !result.has_headline()) {
    for (const char* old :
         {"eval_accuracy:", "eval_loss:", "min_entropy_per_layer:", "eval_word_perplexity:"}) {
      if (text.find(old) != std::string::npos) {
        return absl::FailedPreconditionError(
            path + ": written by an earlier version of this suite (before named metrics, `" + old +
            "`); retrain it: the sweep with --redo, or its binary with --overwrite");
      }
    }
  }
  if (!parsed) return absl::InvalidArgumentError(path + ": not a valid RunResult text proto");
  return result;
}

sigma_reparam::RunResult read_result(const std::string& run_dir) {
  absl::StatusOr<sigma_reparam::RunResult> result = load_result(run_dir);
  return result.ok() ? *result : sigma_reparam::RunResult();
}

}  // namespace experiments
