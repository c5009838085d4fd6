#include "analysis/run_reader.h"

#include "core/files.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/format.h"
#include "experiments/engine/metric_format.h"
#include "experiments/engine/run_dir.h"

namespace analysis {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> read_file(const std::string& path) {
  std::optional<std::string> text = core::try_read_file(path);
  if (!text) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return *std::move(text);
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

absl::StatusOr<RunRecord> read_run(const std::string& dir, bool with_metrics) {
  RunRecord run;
  run.dir = dir;
  if (absl::Status s = parse_text(dir + "/spec.textproto", &run.spec); !s.ok()) return s;
  absl::StatusOr<sigma_reparam::RunResult> result = experiments::load_result(dir);
  if (!result.ok()) return result.status();
  run.result = std::move(*result);
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

std::vector<RunRecord> finished_runs(const std::vector<RunRecord>& runs) {
  std::vector<RunRecord> out;
  for (const auto& r : runs) {
    if (r.result.status() == sigma_reparam::RunResult::COMPLETED ||
        r.result.status() == sigma_reparam::RunResult::DIVERGED) {
      out.push_back(r);
    }
  }
  return out;
}

std::string variant_name(const RunRecord& run) {
  return run.result.has_identity() ? run.result.identity().variant() : run.spec.name();
}

double run_lr(const RunRecord& run) {
  return run.result.has_identity() ? run.result.identity().lr() : run.spec.optimizer().lr();
}

std::vector<RunGroup> group_runs(const std::vector<RunRecord>& runs, Grouping grouping) {
  std::vector<RunGroup> groups;
  std::map<std::string, size_t> index;
  for (const RunRecord& run : runs) {
    std::string key;
    RunGroup group;
    group.variant = variant_name(run);
    group.lr = run_lr(run);
    group.name = group.variant;
    if (grouping == Grouping::kVariant) {
      key = "v:" + group.variant;
    } else if (run.result.has_identity()) {
      const auto& id = run.result.identity();
      key = absl::StrCat("s:", id.sweep(), "/", id.variant(), "/", id.lr());
      group.name = absl::StrCat(id.variant(), "_lr", core::format_lr(id.lr()));
    } else {
      // Outside a sweep: runs whose resolved specs are equal apart from the seed.
      sigma_reparam::ExperimentSpec spec = run.spec;
      spec.mutable_run()->clear_seed();
      key = "p:" + spec.SerializeAsString();
    }
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back(group);
    groups[it->second].runs.push_back(&run);
  }
  return groups;
}

double uniform_attention_entropy(const RunRecord& run) {
  double uniform = 0;
  for (const auto& e : run.result.lowest_entropy()) uniform = std::max(uniform, e.uniform());
  return uniform;
}

Instability instability(const RunRecord& run) {
  if (run.result.status() == sigma_reparam::RunResult::DIVERGED) return Instability::kNonFinite;
  if (!run.result.has_loss_curve()) return Instability::kNone;
  const auto& c = run.result.loss_curve();
  if (!(c.first() > 0)) return Instability::kNone;  // a loss that can start at 0 has no scale
  if (c.has_highest() && c.highest() >= kSpikeFactor * c.first()) return Instability::kSpike;
  if (c.lowest() <= kLearnedFraction * c.first() && c.last() >= kRelapseFraction * c.first()) {
    return Instability::kRelapse;
  }
  return Instability::kNone;
}

std::string instability_text(const RunRecord& run) {
  const auto& c = run.result.loss_curve();
  switch (instability(run)) {
    case Instability::kNone:
      return "";
    case Instability::kNonFinite:
      return absl::StrCat("non-finite at step ", run.result.step());
    case Instability::kSpike:
      return absl::StrFormat("loss spike to %.3g (%.1fx the first loss %.3g) at step %d",
                             c.highest(), c.highest() / c.first(), c.first(), c.highest_step());
    case Instability::kRelapse:
      return absl::StrFormat("relapse: loss %.3g -> lowest %.3g -> last %.3g", c.first(),
                             c.lowest(), c.last());
  }
  return "";
}

std::string instability_rule_text() {
  return absl::StrFormat(
      "*diverged* means unstable: a non-finite loss, a log interval whose mean training loss "
      "is at least %gx the first step's, or a relapse (the loss fell to %g%% of the first "
      "step's or below, and its last interval is back at %g%% of it or above)",
      kSpikeFactor, 100 * kLearnedFraction, 100 * kRelapseFraction);
}

bool collapsed(const RunRecord& run, double fraction) {
  if (unstable(run)) return true;
  for (const auto& e : run.result.lowest_entropy()) {
    if (e.mean() < fraction * e.uniform()) return true;
  }
  return false;
}

sigma_reparam::MetricInfo headline(const std::vector<const RunRecord*>& runs) {
  for (const RunRecord* run : runs) {
    if (run->result.has_headline()) return run->result.headline();
  }
  return {};
}

GroupSummary summarize(const std::vector<const RunRecord*>& runs, double collapse_fraction) {
  GroupSummary s;
  s.headline = headline(runs);
  std::vector<double> values;
  double entropy_sum = 0, loss_sum = 0;
  int entropy_runs = 0;
  for (const RunRecord* run : runs) {
    const auto& r = run->result;
    ++s.runs;
    s.collapsed += collapsed(*run, collapse_fraction);
    // Finished runs only: DIVERGED (non-finite) and COMPLETED runs that the loss-curve rule calls
    // unstable; unstable() covers both.
    const bool finished = r.status() == sigma_reparam::RunResult::COMPLETED ||
                          r.status() == sigma_reparam::RunResult::DIVERGED;
    s.diverged += finished && unstable(*run);
    switch (r.status()) {
      case sigma_reparam::RunResult::COMPLETED: {
        ++s.completed;
        loss_sum += r.final_loss();
        const auto it = r.metrics().find(s.headline.name());
        if (it != r.metrics().end()) values.push_back(it->second);
        break;
      }
      case sigma_reparam::RunResult::DIVERGED:
        break;
      case sigma_reparam::RunResult::FAILED:
        ++s.failed;
        break;
      case sigma_reparam::RunResult::RUNNING:
      case sigma_reparam::RunResult::INTERRUPTED:
      case sigma_reparam::RunResult::STATUS_UNSPECIFIED:
        break;
    }
    if (r.has_min_entropy()) {
      entropy_sum += r.min_entropy();
      ++entropy_runs;
    }
  }
  s.with_headline = static_cast<int>(values.size());
  mean_and_std(values, &s.headline_mean, &s.headline_std);
  if (entropy_runs > 0) s.min_entropy_mean = entropy_sum / entropy_runs;
  if (s.completed > 0) s.final_loss_mean = loss_sum / s.completed;
  return s;
}

std::string headline_text(const GroupSummary& s) {
  if (s.with_headline == 0) return "-";
  std::string text = experiments::format_metric(s.headline, s.headline_mean);
  if (s.with_headline > 1) {
    absl::StrAppend(&text, " ± ", experiments::format_spread(s.headline, s.headline_std));
  }
  return absl::StrCat(text, " (n=", s.with_headline, ")");
}

}  // namespace analysis
