#include "experiments/engine/experiment_main.h"

#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/stubs/common.h>
#include <sys/stat.h>
#include <torch/version.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

#include "core/paths.h"
#include "core/runtime.h"
#include "experiments/engine/family.h"
#include "experiments/engine/spec_io.h"

ABSL_FLAG(std::string, spec, "", "experiment spec (text proto); default: the binary's own");
ABSL_FLAG(int64_t, steps, -1, "override run.steps (-1: keep the spec's)");
ABSL_FLAG(int64_t, seed, -1, "override run.seed (-1: keep the spec's)");
ABSL_FLAG(int32_t, threads, -1, "override run.threads (0 = all cores, -1: keep the spec's)");
ABSL_FLAG(std::string, output_dir, "", "run directory (default runs/<experiment>/<run name>)");
ABSL_FLAG(std::string, run_name, "", "run name (default: the spec's name)");
ABSL_FLAG(bool, resume, false, "continue the run in the run directory from its checkpoint");
ABSL_FLAG(bool, overwrite, false, "replace an existing run in the run directory");
ABSL_FLAG(bool, quiet, false, "no progress display");

namespace experiments {
namespace {

// --set may be repeated, which Abseil flags do not allow: take them out first.
std::vector<std::string> extract_set_flags(int& argc, char** argv) {
  std::vector<std::string> sets;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--set=", 6) == 0) {
      sets.emplace_back(argv[i] + 6);
    } else if (std::strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
      sets.emplace_back(argv[++i]);
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  return sets;
}

// What a run records about the machine and libraries it ran with.
sigma_reparam::Environment environment(const core::RuntimeInfo& runtime) {
  sigma_reparam::Environment env;
  env.set_threads(runtime.threads);
  env.set_blas(runtime.blas);
  env.set_torch_version(TORCH_VERSION);
  env.set_protobuf_version(google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
  env.set_compiler(absl::StrCat("gcc ", __VERSION__));
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) env.set_hostname(host);
  return env;
}

// Whether the run directory may be trained into: a resumed run takes the spec it started with;
// an existing run is never overwritten without --overwrite. Returns an exit code to end with,
// or -1 to train.
int check_run_directory(const std::string& run_dir, bool resume, ExperimentSpec* spec) {
  const sigma_reparam::RunResult previous = read_result(run_dir);
  if (resume) {
    if (previous.status() == sigma_reparam::RunResult::COMPLETED) {
      std::cout << run_dir << " is already COMPLETED (" << previous.step()
                << " steps); nothing to resume.\n";
      return 0;
    }
    // A resumed run continues with exactly the spec it started with.
    absl::StatusOr<ExperimentSpec> saved = load_spec(run_dir + "/spec.textproto");
    if (!saved.ok()) {
      std::cerr << "error: --resume: " << saved.status().message() << "\n";
      return 2;
    }
    *spec = *saved;
  } else if (previous.status() != sigma_reparam::RunResult::STATUS_UNSPECIFIED &&
             !absl::GetFlag(FLAGS_overwrite)) {
    std::cerr << "error: " << run_dir << " already holds a run ("
              << sigma_reparam::RunResult::Status_Name(previous.status()) << " at step "
              << previous.step() << "). Pass --resume to continue it, --overwrite to start again, "
              << "or --run_name=NAME for a new run.\n";
    return 2;
  }
  return -1;
}

}  // namespace

int experiment_main(int argc, char** argv, const ExperimentBinary& binary) {
  absl::SetProgramUsageMessage(absl::StrCat(
      "Trains an experiment from a spec.\n  ", argv[0],
      " [--spec=FILE] [--set='text proto fragment']... [--steps=N] [--seed=N] [--threads=N]\n"
      "  [--output_dir=DIR] [--run_name=NAME] [--resume] [--overwrite] [--quiet]"));
  std::vector<std::string> sets = extract_set_flags(argc, argv);
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_steps) >= 0)
    sets.push_back(absl::StrCat("run { steps: ", absl::GetFlag(FLAGS_steps), " }"));
  if (absl::GetFlag(FLAGS_seed) >= 0)
    sets.push_back(absl::StrCat("run { seed: ", absl::GetFlag(FLAGS_seed), " }"));
  if (absl::GetFlag(FLAGS_threads) >= 0)
    sets.push_back(absl::StrCat("run { threads: ", absl::GetFlag(FLAGS_threads), " }"));

  const std::string spec_flag = absl::GetFlag(FLAGS_spec);
  if (spec_flag.empty() && binary.default_spec.empty()) {
    std::cerr << "error: --spec: name a spec file, e.g. "
                 "--spec=experiments/vit/specs/sigma_reparam.textproto\n";
    return 2;
  }
  const std::string spec_path =
      core::resolve_input(spec_flag.empty() ? binary.default_spec : spec_flag);
  absl::StatusOr<ExperimentSpec> spec = load_spec(spec_path, sets);
  if (!spec.ok()) {
    std::cerr << "error: " << spec.status().message() << "\n";
    return 2;
  }
  const Family* family = find_family(spec->model_case());  // validated: never null here
  const std::string run_name =
      absl::GetFlag(FLAGS_run_name).empty() ? spec->name() : absl::GetFlag(FLAGS_run_name);
  const std::string run_dir = absl::GetFlag(FLAGS_output_dir).empty()
                                  ? core::workspace_path("runs/" + family->name + "/" + run_name)
                                  : core::workspace_path(absl::GetFlag(FLAGS_output_dir));

  if (binary.instead_of_training) {
    const int code = binary.instead_of_training(*spec, run_dir);
    if (code >= 0) return code;
  }
  const bool resume = absl::GetFlag(FLAGS_resume);
  if (const int code = check_run_directory(run_dir, resume, &*spec); code >= 0) return code;

  const core::RuntimeInfo runtime = core::configure_runtime(spec->run().threads());
  RunOptions options;
  options.run_dir = run_dir;
  options.resume = resume;
  options.progress = !absl::GetFlag(FLAGS_quiet);
  options.environment = environment(runtime);

  try {
    if (options.progress) {
      std::cout << spec->name() << ": " << spec->description() << "\n"
                << "run directory " << run_dir << " | threads " << runtime.threads
                << " | loading data and building the model..." << std::endl;
    }
    std::unique_ptr<Task> task = family->make_task(*spec);
    if (options.progress && !task->data_summary().empty()) {
      std::cout << task->data_summary() << std::endl;
    }
    sigma_reparam::RunResult result = train(*spec, *task, options);
    return result.status() == sigma_reparam::RunResult::FAILED ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace experiments
