#include "experiments/engine/experiment_main.h"

#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/stubs/common.h>
#include <sys/stat.h>
#include <torch/version.h>
#include <unistd.h>

#include <signal.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

#include "core/paths.h"
#include "experiments/engine/distributed.h"
#include "experiments/engine/launcher.h"
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
ABSL_FLAG(int32_t, nproc_per_node, 1,
          "data-parallel ranks to start on this machine (each with --threads threads)");
ABSL_FLAG(int32_t, nnodes, 1, "machines taking part (each starts --nproc_per_node ranks)");
ABSL_FLAG(int32_t, node_rank, 0, "this machine's index, 0 .. nnodes - 1 (0 hosts the store)");
ABSL_FLAG(std::string, master_addr, "127.0.0.1", "address of node 0 (several machines)");
ABSL_FLAG(int32_t, master_port, 0, "port of node 0's store (0: a free port; one machine only)");
ABSL_FLAG(int32_t, dist_timeout_s, 600,
          "seconds a rank waits for the others before the run fails (also the rendezvous)");
ABSL_FLAG(std::string, fault, "",
          "fault injection for testing: RANK:STEP:kill or RANK:STEP:hang after that step");

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


// The launcher's own flags, which the ranks it starts must not see again.
std::vector<std::string> rank_arguments(const std::vector<std::string>& args) {
  static const char* const kLauncherFlags[] = {"nproc_per_node", "nnodes", "node_rank",
                                               "master_addr", "master_port"};
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    bool drop = false;
    for (const char* flag : kLauncherFlags) {
      const std::string name = std::string("--") + flag;
      if (args[i].rfind(name + "=", 0) == 0) drop = true;
      if (args[i] == name) {
        drop = true;
        ++i;  // its value
      }
    }
    if (!drop) out.push_back(args[i]);
  }
  return out;
}

// --fault=RANK:STEP:kill|hang as a step hook for this rank (empty when it is not this rank's).
absl::StatusOr<std::function<void(int64_t)>> fault_hook(const std::string& fault, int rank) {
  if (fault.empty()) return std::function<void(int64_t)>();
  int fault_rank = 0;
  long step = 0;
  char kind[8] = {0};
  if (std::sscanf(fault.c_str(), "%d:%ld:%7s", &fault_rank, &step, kind) != 3 ||
      (std::strcmp(kind, "kill") != 0 && std::strcmp(kind, "hang") != 0)) {
    return absl::InvalidArgumentError("--fault=\"" + fault +
                                      "\": expected RANK:STEP:kill or RANK:STEP:hang");
  }
  if (fault_rank != rank) return std::function<void(int64_t)>();
  const bool kill = std::strcmp(kind, "kill") == 0;
  return std::function<void(int64_t)>([step, kill](int64_t s) {
    if (s != step) return;
    raise(kill ? SIGKILL : SIGSTOP);
  });
}

// The batch must split evenly over the ranks.
bool check_batch_divides(const ExperimentSpec& spec, int ranks) {
  if (spec.data().batch_size() % ranks == 0) return true;
  std::cerr << "error: data.batch_size " << spec.data().batch_size()
            << " is not divisible by " << ranks
            << " data-parallel ranks: pick --nproc_per_node (x --nnodes) dividing it, or "
               "--set='data { batch_size: N }'\n";
  return false;
}

}  // namespace

int experiment_main(int argc, char** argv, const ExperimentBinary& binary) {
  absl::SetProgramUsageMessage(absl::StrCat(
      "Trains an experiment from a spec.\n  ", argv[0],
      " [--spec=FILE] [--set='text proto fragment']... [--steps=N] [--seed=N] [--threads=N]\n"
      "  [--output_dir=DIR] [--run_name=NAME] [--resume] [--overwrite] [--quiet]\n"
      "  [--nproc_per_node=N] [--nnodes=M --node_rank=I --master_addr=HOST --master_port=P]"));
  const std::vector<std::string> all_args(argv + 1, argv + argc);
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
  const std::chrono::milliseconds timeout(1000LL * absl::GetFlag(FLAGS_dist_timeout_s));
  const int nproc = absl::GetFlag(FLAGS_nproc_per_node), nnodes = absl::GetFlag(FLAGS_nnodes);
  if (nproc < 1 || nnodes < 1 || absl::GetFlag(FLAGS_node_rank) < 0 ||
      absl::GetFlag(FLAGS_node_rank) >= nnodes) {
    std::cerr << "error: --nproc_per_node and --nnodes must be >= 1 and --node_rank in [0, "
                 "nnodes)\n";
    return 2;
  }
  if (nproc * nnodes > 1) {
    // The launcher: checks what it can, then starts this machine's ranks.
    if (std::getenv("WORLD_SIZE") != nullptr) {
      std::cerr << "error: --nproc_per_node with WORLD_SIZE already set: start ranks either "
                   "with --nproc_per_node or with torchrun's environment, not both\n";
      return 2;
    }
    if (!check_batch_divides(*spec, nproc * nnodes)) return 2;
    if (absl::GetFlag(FLAGS_node_rank) == 0) {
      ExperimentSpec copy = *spec;
      if (const int code = check_run_directory(run_dir, resume, &copy); code >= 0) return code;
    }
    if (nnodes > 1 && absl::GetFlag(FLAGS_master_port) == 0) {
      std::cerr << "error: --nnodes > 1 needs --master_port (and --master_addr) of node 0\n";
      return 2;
    }
    LaunchOptions launch;
    launch.nproc_per_node = nproc;
    launch.nnodes = nnodes;
    launch.node_rank = absl::GetFlag(FLAGS_node_rank);
    launch.master_addr = absl::GetFlag(FLAGS_master_addr);
    launch.master_port = absl::GetFlag(FLAGS_master_port);
    launch.grace = timeout + std::chrono::seconds(5);
    launch.run_dir = launch.node_rank == 0 ? run_dir : "";
    return launch_local_ranks(launch, rank_arguments(all_args));
  }

  absl::StatusOr<RankInfo> rank = rank_from_environment();
  if (!rank.ok()) {
    std::cerr << "error: " << rank.status().message() << "\n";
    return 2;
  }
  const std::string who = rank->world_size > 1 ? absl::StrCat("rank ", rank->rank, ": ") : "";
  absl::StatusOr<std::function<void(int64_t)>> fault =
      fault_hook(absl::GetFlag(FLAGS_fault), rank->rank);
  if (!fault.ok()) {
    std::cerr << "error: " << fault.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<DataParallel> parallel;
  if (rank->world_size > 1) {
    if (!check_batch_divides(*spec, rank->world_size)) return 2;
    try {
      parallel = std::make_unique<DataParallel>(*rank, timeout);
      // Rank 0 decides (run directory checks, the resumed spec) and every rank trains its
      // spec: "exit <code>" or the spec as text.
      std::string decision;
      if (rank->rank == 0) {
        const int code = check_run_directory(run_dir, resume, &*spec);
        decision = code >= 0 ? absl::StrCat("exit ", code) : spec_to_text(*spec);
      }
      decision = parallel->broadcast_bytes(decision);
      if (decision.rfind("exit ", 0) == 0) return std::atoi(decision.c_str() + 5);
      if (rank->rank != 0) {
        absl::StatusOr<ExperimentSpec> shared = parse_spec(decision, "rank 0's spec");
        if (!shared.ok()) throw std::runtime_error(std::string(shared.status().message()));
        *spec = *shared;
      }
    } catch (const std::exception& e) {
      std::cerr << "error: " << who << e.what() << "\n";
      return 1;
    }
  } else if (const int code = check_run_directory(run_dir, resume, &*spec); code >= 0) {
    return code;
  }

  const core::RuntimeInfo runtime = core::configure_runtime(spec->run().threads());
  RunOptions options;
  options.run_dir = run_dir;
  options.resume = resume;
  options.progress = !absl::GetFlag(FLAGS_quiet) && rank->rank == 0;
  options.environment = environment(runtime);
  options.parallel = parallel.get();
  options.after_step = *fault;

  try {
    if (options.progress) {
      std::cout << spec->name() << ": " << spec->description() << "\n"
                << "run directory " << run_dir << " | threads " << runtime.threads
                << (rank->world_size > 1 ? absl::StrCat(" per rank | ", rank->world_size,
                                                         " data-parallel ranks")
                                         : std::string())
                << " | loading data and building the model..." << std::endl;
    }
    std::unique_ptr<Task> task = family->make_task(*spec);
    if (options.progress && !task->data_summary().empty()) {
      std::cout << task->data_summary() << std::endl;
    }
    sigma_reparam::RunResult result = train(*spec, *task, options);
    return result.status() == sigma_reparam::RunResult::FAILED ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << who << e.what() << "\n";
    return 1;
  }
}

}  // namespace experiments
