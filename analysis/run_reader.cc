#include "analysis/run_reader.h"

#include <absl/strings/str_cat.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace analysis {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status parse_text(const std::string& path, google::protobuf::Message* message) {
  absl::StatusOr<std::string> text = read_file(path);
  if (!text.ok()) return text.status();
  if (!google::protobuf::TextFormat::ParseFromString(*text, message)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a valid ", message->GetDescriptor()->name(), " text proto"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string workspace_path(const std::string& path) {
  const char* w = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (path.empty() || path[0] == '/' || w == nullptr) return path;
  return std::string(w) + "/" + path;
}

absl::StatusOr<RunRecord> read_run(const std::string& dir, bool with_metrics) {
  RunRecord run;
  run.dir = dir;
  if (absl::Status s = parse_text(dir + "/spec.textproto", &run.spec); !s.ok()) return s;
  if (absl::Status s = parse_text(dir + "/result.textproto", &run.result); !s.ok()) return s;
  if (with_metrics) {
    const std::string path = dir + "/metrics.jsonl";
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (line.empty()) continue;
      sigma_reparam::StepMetrics m;
      auto status = google::protobuf::util::JsonStringToMessage(line, &m);
      if (!status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":", number, ": not a StepMetrics JSON line: ", status.ToString()));
      }
      run.metrics.push_back(std::move(m));
    }
  }
  return run;
}

absl::StatusOr<std::vector<RunRecord>> read_runs(const std::string& root, bool with_metrics) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return absl::NotFoundError(absl::StrCat(root, ": no such run directory"));
  }
  std::vector<std::string> dirs;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file() && it->path().filename() == "result.textproto") {
      dirs.push_back(it->path().parent_path().string());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  std::vector<RunRecord> runs;
  for (const std::string& dir : dirs) {
    absl::StatusOr<RunRecord> run = read_run(dir, with_metrics);
    if (!run.ok()) return run.status();
    runs.push_back(std::move(*run));
  }
  return runs;
}

std::vector<RunGroup> group_by_variant(const std::vector<RunRecord>& runs) {
  std::vector<RunGroup> groups;
  std::map<std::string, size_t> index;  // spec without seed -> group
  for (const RunRecord& run : runs) {
    sigma_reparam::ExperimentSpec key = run.spec;
    key.mutable_run()->clear_seed();
    const std::string bytes = key.SerializeAsString();
    auto [it, inserted] = index.emplace(bytes, groups.size());
    if (inserted) groups.push_back({run.spec.name(), {}});
    groups[it->second].runs.push_back(&run);
  }
  return groups;
}

double uniform_attention_entropy(const sigma_reparam::ExperimentSpec& spec) {
  if (spec.has_lm()) {
    const int T = spec.lm().context();
    double sum = 0;
    for (int i = 1; i <= T; ++i) sum += std::log(static_cast<double>(i));
    return T > 0 ? sum / T : 0;
  }
  if (!spec.has_vit() || spec.vit().patch_size() <= 0) return 0;
  const double g = spec.vit().image_size() / spec.vit().patch_size();
  return std::log(g * g + 1);
}

std::string method_name(const std::string& run_name) {
  const size_t at = run_name.rfind("_lr");
  return at == std::string::npos ? run_name : run_name.substr(0, at);
}

namespace {

// Mean and sample standard deviation (0 for one value; both 0 for none).
void mean_and_std(const std::vector<double>& x, double* mean, double* std) {
  *mean = *std = 0;
  if (x.empty()) return;
  for (double v : x) *mean += v;
  *mean /= static_cast<double>(x.size());
  double var = 0;
  for (double v : x) var += (v - *mean) * (v - *mean);
  *std = x.size() > 1 ? std::sqrt(var / static_cast<double>(x.size() - 1)) : 0.0;
}

}  // namespace

VariantSummary summarize(const RunGroup& group) {
  VariantSummary s;
  std::vector<double> accuracy, perplexity, word_perplexity;
  double entropy_sum = 0, loss_sum = 0;
  int entropy_runs = 0;
  for (const RunRecord* run : group.runs) {
    const auto& r = run->result;
    ++s.runs;
    switch (r.status()) {
      case sigma_reparam::RunResult::COMPLETED:
        ++s.completed;
        loss_sum += r.final_loss();
        if (r.has_eval_accuracy()) accuracy.push_back(r.eval_accuracy());
        if (r.has_eval_perplexity()) perplexity.push_back(r.eval_perplexity());
        if (r.has_eval_word_perplexity()) word_perplexity.push_back(r.eval_word_perplexity());
        break;
      case sigma_reparam::RunResult::DIVERGED:
        ++s.diverged;
        break;
      case sigma_reparam::RunResult::FAILED:
        ++s.failed;
        break;
      default:
        break;
    }
    if (r.has_min_entropy()) {
      entropy_sum += r.min_entropy();
      ++entropy_runs;
    }
  }
  s.with_accuracy = static_cast<int>(accuracy.size());
  mean_and_std(accuracy, &s.accuracy_mean, &s.accuracy_std);
  s.with_perplexity = static_cast<int>(perplexity.size());
  mean_and_std(perplexity, &s.perplexity_mean, &s.perplexity_std);
  mean_and_std(word_perplexity, &s.word_perplexity_mean, &s.word_perplexity_std);
  if (entropy_runs > 0) s.min_entropy_mean = entropy_sum / entropy_runs;
  if (s.completed > 0) s.final_loss_mean = loss_sum / s.completed;
  return s;
}

}  // namespace analysis
