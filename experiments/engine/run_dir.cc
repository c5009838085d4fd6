#include "experiments/engine/run_dir.h"

#include <google/protobuf/text_format.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace experiments {

void write_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) throw std::runtime_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

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
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path + ": cannot read");
  std::stringstream stream;
  stream << in.rdbuf();
  const std::string text = stream.str();
  sigma_reparam::RunResult result;
  const bool parsed = google::protobuf::TextFormat::ParseFromString(text, &result);
  // Records of the format before named metrics carry fields that are now reserved (the parser
  // skips them): such a result has no headline.
  if (!parsed || !result.has_headline()) {
    for (const char* old : {"eval_accuracy:", "eval_loss:", "min_entropy_per_layer:",
                            "eval_word_perplexity:"}) {
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
