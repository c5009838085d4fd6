// Reading run directories (experiments/trainer.h writes them) for tables, figures and reports.
// analysis/ reads run directories only: it never trains and never builds a model.
//
//   auto runs = analysis::read_runs("runs/vit", /*with_metrics=*/false);
//   for (const auto& group : analysis::group_by_variant(*runs)) ...
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "experiments/spec.pb.h"

namespace analysis {

struct RunRecord {
  std::string dir;
  sigma_reparam::ExperimentSpec spec;               // spec.textproto (resolved)
  sigma_reparam::RunResult result;                  // result.textproto
  std::vector<sigma_reparam::StepMetrics> metrics;  // metrics.jsonl, if asked for
};

// A user path: absolute as given, else relative to the workspace under `bazel run`
// (BUILD_WORKSPACE_DIRECTORY), else to the working directory.
std::string workspace_path(const std::string& path);

// One run directory. Errors name the file and the line.
absl::StatusOr<RunRecord> read_run(const std::string& dir, bool with_metrics);

// Every run directory at any depth under `root` (a directory holding result.textproto), sorted by
// path. A root that does not exist is an error naming it.
absl::StatusOr<std::vector<RunRecord>> read_runs(const std::string& root, bool with_metrics);

// Runs whose resolved specs are equal apart from run.seed form one variant, named by the spec's
// name; groups keep the order in which their first run appears.
struct RunGroup {
  std::string name;
  std::vector<const RunRecord*> runs;
};
std::vector<RunGroup> group_by_variant(const std::vector<RunRecord>& runs);

// The method a sweep run belongs to: its spec name up to "_lr" ("baseline_lr3e-2" -> "baseline").
std::string method_name(const std::string& run_name);

// Mean attention entropy of uniform attention in the spec's model, the line entropies are
// compared to: ViT, log T over all T tokens; causal LM, the mean over queries of log(i + 1)
// (query i sees i + 1 keys). 0 if the spec has neither.
double uniform_attention_entropy(const sigma_reparam::ExperimentSpec& spec);

// What a table row shows for one variant.
struct VariantSummary {
  int runs = 0, completed = 0, diverged = 0, failed = 0;
  int with_accuracy = 0;
  double accuracy_mean = 0, accuracy_std = 0;  // over completed runs (sample std; 0 for one run)
  double min_entropy_mean = 0;                 // over runs that logged entropy
  double final_loss_mean = 0;                  // over completed runs
  // Language models: validation perplexity per token and per word over completed runs.
  int with_perplexity = 0;
  double perplexity_mean = 0, perplexity_std = 0;
  double word_perplexity_mean = 0, word_perplexity_std = 0;
};
VariantSummary summarize(const RunGroup& group);

}  // namespace analysis
