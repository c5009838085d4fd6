#include "experiments/engine/experiment_main.h"

#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/reflection.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/message_differencer.h>
#include <sys/stat.h>
#include <torch/version.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

#include "core/paths.h"
#include "experiments/engine/device.h"
#include "experiments/engine/distributed.h"
#include "experiments/engine/launcher.h"
#include "core/runtime.h"
#include "experiments/engine/family.h"
#include "experiments/engine/run_dir.h"
#include "experiments/engine/spec_io.h"
#include "experiments/engine/stop_signal.h"

ABSL_FLAG(std::string, spec, "", "experiment spec (text proto); default: the binary's own");
ABSL_FLAG(int64_t, steps, -1, "override run.steps, >= 1 (-1: keep the spec's)");
ABSL_FLAG(int64_t, seed, -1, "override run.seed, >= 0 (-1: keep the spec's)");
ABSL_FLAG(int32_t, threads, -1,
          "override run.threads (0 = OMP_NUM_THREADS if set, else all cores; -1: keep the spec's)");
ABSL_FLAG(std::string, device, "",
          "override run.device: cpu, cuda (each rank its LOCAL_RANK's GPU) or cuda:N "
          "(empty: keep the spec's)");
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

// Set by a launcher that holds the run directory's lock for the ranks it starts.
constexpr const char* kLockHeldVariable = "SIGMA_RUN_LOCK_HELD";

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

// Every --flag names a flag of this binary and every value parses, checked before Abseil's
// parser (which exits with status 1 and no hint): the message names the flag and what is
// expected, and the exit code is kExitBadInput.
absl::Status check_flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') {
      return absl::InvalidArgumentError("unexpected argument \"" + arg +
                                        "\": every argument is a --flag (see --help)");
    }
    const size_t dashes = arg[1] == '-' ? 2 : 1;
    const size_t eq = arg.find('=');
    std::string name =
        arg.substr(dashes, eq == std::string::npos ? std::string::npos : eq - dashes);
    // Abseil's usage flags are handled by its parser, not registered.
    static const char* const kUsageFlags[] = {"help",        "helpfull",       "helpshort",
                                              "helppackage", "helpon",         "helpmatch",
                                              "version",     "only_check_args"};
    const std::string bare = name.substr(0, name.find('='));
    if (std::find(std::begin(kUsageFlags), std::end(kUsageFlags), bare) != std::end(kUsageFlags)) {
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    bool negated = false;
    if (flag == nullptr && name.rfind("no", 0) == 0) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      negated = flag != nullptr && flag->IsOfType<bool>();
      if (!negated) flag = nullptr;
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError("unknown flag --" + name + " (" + argv[0] +
                                        " --help lists the flags)");
    }
    if (negated || flag->Name() == "help" || flag->Name() == "helpfull") continue;
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (flag->IsOfType<bool>()) {
      continue;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError("--" + name + " needs a value");
    }
    std::string error;
    const std::string before = flag->CurrentValue();
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError("--" + name + "=" + value + ": " + error);
    }
    flag->ParseFrom(before, &error);  // Abseil's parser sets it for real
  }
  return absl::OkStatus();
}

// Values the flags' types allow but this program does not.
absl::Status check_flag_values() {
  const auto bad = [](const std::string& flag, int64_t value, const std::string& expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", value, ": expected ", expected));
  };
  const int64_t steps = absl::GetFlag(FLAGS_steps), seed = absl::GetFlag(FLAGS_seed);
  const int32_t threads = absl::GetFlag(FLAGS_threads);
  if (steps != -1 && steps < 1) return bad("steps", steps, "a step count >= 1 (or -1: the spec's)");
  if (seed != -1 && seed < 0) return bad("seed", seed, "a seed >= 0 (or -1: the spec's)");
  if (threads < -1) return bad("threads", threads, ">= 1, 0 for every core, or -1 for the spec's");
  if (absl::GetFlag(FLAGS_nproc_per_node) < 1)
    return bad("nproc_per_node", absl::GetFlag(FLAGS_nproc_per_node), ">= 1");
  if (absl::GetFlag(FLAGS_nnodes) < 1) return bad("nnodes", absl::GetFlag(FLAGS_nnodes), ">= 1");
  if (absl::GetFlag(FLAGS_node_rank) < 0 ||
      absl::GetFlag(FLAGS_node_rank) >= absl::GetFlag(FLAGS_nnodes))
    return bad("node_rank", absl::GetFlag(FLAGS_node_rank), "0 .. --nnodes - 1");
  if (absl::GetFlag(FLAGS_master_port) < 0 || absl::GetFlag(FLAGS_master_port) > 65535)
    return bad("master_port", absl::GetFlag(FLAGS_master_port),
               "a port 1 .. 65535 (0: a free one)");
  if (absl::GetFlag(FLAGS_dist_timeout_s) < 1)
    return bad("dist_timeout_s", absl::GetFlag(FLAGS_dist_timeout_s), ">= 1 second");
  if (absl::GetFlag(FLAGS_resume) && absl::GetFlag(FLAGS_overwrite)) {
    return absl::InvalidArgumentError(
        "--resume and --overwrite contradict each other: --resume continues the run in the "
        "directory, --overwrite starts it again");
  }
  return absl::OkStatus();
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

// With --resume, whether --steps, --seed or --set (`changes`) would change the spec the run
// started with: a resumed run cannot take them (its schedule, data order and checkpoint belong
// to that spec), so rather than ignore them, the command is refused naming the fields. Threads
// change the speed, not the run: --threads is taken (as the sweep's resumed runs do).
// Returns an exit code to end with, or -1.
int refuse_spec_changes_on_resume(const std::string& run_dir,
                                  const std::vector<std::string>& changes) {
  if (changes.empty()) return -1;
  const std::string saved_path = run_dir + "/spec.textproto";
  const absl::StatusOr<ExperimentSpec> saved = load_spec(saved_path);
  if (!saved.ok()) return -1;  // reported by the caller
  absl::StatusOr<ExperimentSpec> changed = load_spec(saved_path, changes);
  if (changed.ok()) {
    changed->mutable_run()->set_threads(saved->run().threads());
    changed->mutable_run()->set_device(saved->run().device());
  }
  if (!changed.ok()) {
    std::cerr << "error: --resume: " << changed.status().message() << "\n";
    return kExitBadInput;
  }
  std::string differences;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&differences);
  if (differ.Compare(*saved, *changed)) return -1;
  std::cerr << "error: --resume continues " << run_dir << " with the spec it started with ("
            << saved_path << "), but the flags change it:\n"
            << differences
            << "A run cannot be resumed with another spec (its learning-rate schedule, data order "
               "and checkpoint belong to the one it started with). Train it again with "
               "--overwrite, or into another --output_dir; or drop the flags to continue it as "
               "it was.\n";
  return kExitBadInput;
}

// Whether the run directory may be trained into: a resumed run takes the spec it started with
// (and refuses flags that would change it); an existing run is never overwritten without
// --overwrite. Returns an exit code to end with, or -1 to train.
int check_run_directory(const std::string& run_dir, bool resume,
                        const std::vector<std::string>& changes, ExperimentSpec* spec) {
  const absl::StatusOr<sigma_reparam::RunResult> loaded = load_result(run_dir);
  if (!loaded.ok() && !absl::IsNotFound(loaded.status())) {
    std::cerr << "error: " << loaded.status().message() << "\n";
    return kExitBadInput;
  }
  const sigma_reparam::RunResult previous = loaded.ok() ? *loaded : sigma_reparam::RunResult();
  if (resume) {
    if (loaded.ok()) {
      if (const int code = refuse_spec_changes_on_resume(run_dir, changes); code >= 0) {
        return code;
      }
    }
    if (previous.status() == sigma_reparam::RunResult::COMPLETED) {
      std::cout << run_dir << " is already COMPLETED (" << previous.step()
                << " steps); nothing to resume.\n";
      return kExitCompleted;
    }
    if (previous.status() == sigma_reparam::RunResult::DIVERGED) {
      std::cout << run_dir << " DIVERGED at step " << previous.step()
                << "; a finished run, nothing to resume.\n";
      return kExitDiverged;
    }
    if (!loaded.ok()) {
      std::cerr << "error: --resume: " << run_dir
                << " holds no run to resume (no result.textproto); train it without --resume\n";
      return kExitBadInput;
    }
    struct stat st;
    if (stat((run_dir + "/checkpoint.pt").c_str(), &st) != 0) {
      std::cerr << "error: --resume: " << run_dir << " ("
                << sigma_reparam::RunResult::Status_Name(previous.status())
                << ") has no checkpoint.pt: it stopped before its first checkpoint. Start it "
                   "again with --overwrite\n";
      return kExitBadInput;
    }
    // A resumed run continues with exactly the spec it started with.
    absl::StatusOr<ExperimentSpec> saved = load_spec(run_dir + "/spec.textproto");
    if (!saved.ok()) {
      std::cerr << "error: --resume: " << saved.status().message() << "\n";
      return kExitBadInput;
    }
    const int32_t threads = spec->run().threads();  // --threads applies to a resumed run
    *spec = *saved;
    if (absl::GetFlag(FLAGS_threads) >= 0) spec->mutable_run()->set_threads(threads);
  } else if (previous.status() != sigma_reparam::RunResult::STATUS_UNSPECIFIED &&
             !absl::GetFlag(FLAGS_overwrite)) {
    std::cerr << "error: " << run_dir << " already holds a run ("
              << sigma_reparam::RunResult::Status_Name(previous.status()) << " at step "
              << previous.step() << "). Pass --resume to continue it, --overwrite to start again, "
              << "or --run_name=NAME for a new run.\n";
    return kExitBadInput;
  }
  return -1;
}

// check_run_directory, then the run directory's lock (unless a launcher holds it for this
// rank): the exit code to end with, or -1 to train holding `lock`.
int claim_run_directory(const std::string& run_dir, bool resume,
                        const std::vector<std::string>& changes, ExperimentSpec* spec,
                        std::unique_ptr<RunLock>* lock) {
  if (const int code = check_run_directory(run_dir, resume, changes, spec); code >= 0) {
    return code;
  }
  if (std::getenv(kLockHeldVariable) != nullptr) return -1;
  absl::StatusOr<std::unique_ptr<RunLock>> locked = RunLock::acquire(run_dir);
  if (!locked.ok()) {
    std::cerr << "error: " << locked.status().message() << "\n";
    return kExitBadInput;
  }
  *lock = std::move(*locked);
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
  std::cerr << "error: data.batch_size " << spec.data().batch_size() << " is not divisible by "
            << ranks
            << " data-parallel ranks: pick --nproc_per_node (x --nnodes) dividing it, or "
               "--set='data { batch_size: N }'\n";
  return false;
}

// The command line: the flags checked and parsed, then --steps, --seed, --threads and
// --device appended to the --set fragments (`sets`) as spec overrides. Returns an exit code to
// end with, or -1.
int parse_command_line(int argc, char** argv, std::vector<std::string>* sets) {
  *sets = extract_set_flags(argc, argv);
  if (absl::Status flags = check_flags(argc, argv); !flags.ok()) {
    std::cerr << "error: " << flags.message() << "\n";
    return kExitBadInput;
  }
  absl::ParseCommandLine(argc, argv);
  if (absl::Status values = check_flag_values(); !values.ok()) {
    std::cerr << "error: " << values.message() << "\n";
    return kExitBadInput;
  }
  if (absl::GetFlag(FLAGS_steps) >= 0)
    sets->push_back(absl::StrCat("run { steps: ", absl::GetFlag(FLAGS_steps), " }"));
  if (absl::GetFlag(FLAGS_seed) >= 0)
    sets->push_back(absl::StrCat("run { seed: ", absl::GetFlag(FLAGS_seed), " }"));
  if (absl::GetFlag(FLAGS_threads) >= 0)
    sets->push_back(absl::StrCat("run { threads: ", absl::GetFlag(FLAGS_threads), " }"));
  if (!absl::GetFlag(FLAGS_device).empty()) {
    absl::StatusOr<DeviceName> device = parse_device(absl::GetFlag(FLAGS_device));
    if (!device.ok()) {
      std::cerr << "error: --device: " << device.status().message() << "\n";
      return kExitBadInput;
    }
    sets->push_back(absl::StrCat("run { device: \"", absl::GetFlag(FLAGS_device), "\" }"));
  }
  return -1;
}

// The spec named by --spec (or the binary's own) with the overrides applied and validated.
absl::StatusOr<ExperimentSpec> load_run_spec(const ExperimentBinary& binary,
                                             const std::vector<std::string>& sets) {
  const std::string spec_flag = absl::GetFlag(FLAGS_spec);
  if (spec_flag.empty() && binary.default_spec.empty()) {
    return absl::InvalidArgumentError(
        "--spec: name a spec file, e.g. --spec=experiments/vit/specs/sigma_reparam.textproto");
  }
  return load_spec(core::resolve_input(spec_flag.empty() ? binary.default_spec : spec_flag), sets);
}

// --output_dir, else runs/<family>/<--run_name or the spec's name>.
std::string run_directory(const ExperimentSpec& spec, const Family& family) {
  const std::string run_name =
      absl::GetFlag(FLAGS_run_name).empty() ? spec.name() : absl::GetFlag(FLAGS_run_name);
  return absl::GetFlag(FLAGS_output_dir).empty()
             ? core::workspace_path("runs/" + family.name + "/" + run_name)
             : core::workspace_path(absl::GetFlag(FLAGS_output_dir));
}

// A device or precision this binary, machine or family cannot train with stops here, before
// the run directory is touched. Each rank checks its own GPU again when it starts.
absl::Status check_family_supports(const ExperimentSpec& spec, const Family& family) {
  absl::StatusOr<c10::Device> device =
      resolve_device(spec.run().device(), 0, absl::GetFlag(FLAGS_nproc_per_node));
  if (!device.ok()) return device.status();
  if (!device->is_cpu() && !family.gpu) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--device=", spec.run().device(), " (run.device): the ", family.name,
        " family trains on the CPU only (its batches are not moved to a GPU yet; the vit and lm "
        "families train on GPUs); use --device=cpu"));
  }
  if (spec.run().precision() != sigma_reparam::RunSpec::FP32 && !family.gpu) {
    return absl::InvalidArgumentError(absl::StrCat(
        "run.precision BF16: the ", family.name,
        " family trains in FP32 only (bf16 autocast is checked for the vit and lm families)"));
  }
  return absl::OkStatus();
}

// The launcher (--nproc_per_node x --nnodes > 1): checks what it can, claims the run
// directory on node 0 for its ranks, then starts this machine's ranks and waits for them.
int launch_ranks(const ExperimentSpec& spec, const std::string& run_dir,
                 const std::vector<std::string>& sets, const std::vector<std::string>& all_args) {
  const int nproc = absl::GetFlag(FLAGS_nproc_per_node), nnodes = absl::GetFlag(FLAGS_nnodes);
  if (std::getenv("WORLD_SIZE") != nullptr) {
    std::cerr << "error: --nproc_per_node with WORLD_SIZE already set: start ranks either "
                 "with --nproc_per_node or with torchrun's environment, not both\n";
    return kExitBadInput;
  }
  if (!check_batch_divides(spec, nproc * nnodes)) return kExitBadInput;
  if (nnodes > 1 && absl::GetFlag(FLAGS_master_port) == 0) {
    std::cerr << "error: --nnodes > 1 needs --master_port (and --master_addr) of node 0\n";
    return kExitBadInput;
  }
  // Node 0's launcher holds the run directory's lock for its ranks (which skip it).
  std::unique_ptr<RunLock> lock;
  if (absl::GetFlag(FLAGS_node_rank) == 0) {
    ExperimentSpec copy = spec;
    if (const int code =
            claim_run_directory(run_dir, absl::GetFlag(FLAGS_resume), sets, &copy, &lock);
        code >= 0) {
      return code;
    }
    setenv(kLockHeldVariable, "1", 1);
  }
  LaunchOptions launch;
  launch.nproc_per_node = nproc;
  launch.nnodes = nnodes;
  launch.node_rank = absl::GetFlag(FLAGS_node_rank);
  launch.master_addr = absl::GetFlag(FLAGS_master_addr);
  launch.master_port = absl::GetFlag(FLAGS_master_port);
  launch.grace = std::chrono::milliseconds(1000LL * absl::GetFlag(FLAGS_dist_timeout_s)) +
                 std::chrono::seconds(5);
  launch.run_dir = launch.node_rank == 0 ? run_dir : "";
  return launch_local_ranks(launch, rank_arguments(all_args));
}

// "rank R: " before a rank's messages when there are several, else nothing.
std::string rank_prefix(const RankInfo& rank) {
  return rank.world_size > 1 ? absl::StrCat("rank ", rank.rank, ": ") : "";
}

// A data-parallel rank joins the others; rank 0 claims the run directory and decides for all
// (an exit code, or the spec every rank trains: a resumed run's own). A lone run claims the
// directory itself. Returns an exit code to end with, or -1 to train `spec`.
int join_run(const RankInfo& rank, const std::string& run_dir, const std::vector<std::string>& sets,
             ExperimentSpec* spec, std::unique_ptr<DataParallel>* parallel,
             std::unique_ptr<RunLock>* lock) {
  const bool resume = absl::GetFlag(FLAGS_resume);
  if (rank.world_size == 1) return claim_run_directory(run_dir, resume, sets, spec, lock);
  if (!check_batch_divides(*spec, rank.world_size)) return kExitBadInput;
  try {
    *parallel = std::make_unique<DataParallel>(
        rank, std::chrono::milliseconds(1000LL * absl::GetFlag(FLAGS_dist_timeout_s)));
    std::string decision;  // "exit <code>" or the spec as text
    if (rank.rank == 0) {
      const int code = claim_run_directory(run_dir, resume, sets, spec, lock);
      decision = code >= 0 ? absl::StrCat("exit ", code) : spec_to_text(*spec);
    }
    decision = (*parallel)->broadcast_bytes(decision);
    if (decision.rfind("exit ", 0) == 0) return std::atoi(decision.c_str() + 5);
    if (rank.rank != 0) {
      absl::StatusOr<ExperimentSpec> shared = parse_spec(decision, "rank 0's spec");
      if (!shared.ok()) throw std::runtime_error(std::string(shared.status().message()));
      *spec = *shared;
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << rank_prefix(rank) << e.what() << "\n";
    return kExitFailed;
  }
  return -1;
}

// The exit code of a finished run; with the progress display off, rank 0 says on stderr how
// a run that did not complete ended (the display said it already otherwise).
int exit_code(const sigma_reparam::RunResult& result, const RunOptions& options, int rank) {
  const bool say = !options.progress && rank == 0;
  switch (result.status()) {
    case sigma_reparam::RunResult::COMPLETED:
      return kExitCompleted;
    case sigma_reparam::RunResult::DIVERGED:
      if (say) {
        std::cerr << options.run_dir << ": DIVERGED at step " << result.step() << ": "
                  << result.reason() << "\n";
      }
      return kExitDiverged;
    case sigma_reparam::RunResult::INTERRUPTED:
      if (say) {
        std::cerr << options.run_dir << ": INTERRUPTED after step " << result.step()
                  << " (checkpoint written); continue it with --resume\n";
      }
      return kExitInterrupted;
    default:
      return kExitFailed;
  }
}

// This rank's device, threads and options; the family's task (its data), then training.
int train_rank(const ExperimentSpec& spec, const Family& family, const std::string& run_dir,
               const RankInfo& rank, DataParallel* parallel,
               std::function<void(int64_t)> after_step) {
  const std::string who = rank_prefix(rank);
  const core::RuntimeInfo runtime = core::configure_runtime(spec.run().threads());
  // Ranks on this machine: torchrun's (and our launcher's) LOCAL_WORLD_SIZE, else all of them.
  int local_ranks = rank.world_size;
  if (const char* v = std::getenv("LOCAL_WORLD_SIZE"); v != nullptr && std::atoi(v) > 0) {
    local_ranks = std::atoi(v);
  }
  absl::StatusOr<c10::Device> device =
      resolve_device(spec.run().device(), rank.local_rank, local_ranks);
  if (!device.ok()) {
    std::cerr << "error: " << who << device.status().message() << "\n";
    return kExitBadInput;
  }
  RunOptions options;
  options.device = *device;
  options.run_dir = run_dir;
  options.resume = absl::GetFlag(FLAGS_resume);
  options.progress = !absl::GetFlag(FLAGS_quiet) && rank.rank == 0;
  options.environment = environment(runtime);
  options.parallel = parallel;
  options.after_step = std::move(after_step);
  try {
    if (options.progress) {
      std::cout << spec.name() << ": " << spec.description() << "\n"
                << "run directory " << run_dir << " | threads " << runtime.threads
                << (rank.world_size > 1
                        ? absl::StrCat(" per rank | ", rank.world_size, " data-parallel ranks")
                        : std::string())
                << " | loading data and building the model..." << std::endl;
    }
    std::unique_ptr<Task> task;
    try {
      task = family.make_task(spec);  // the data: a missing or bad data set stops it here
    } catch (const std::exception& e) {
      std::cerr << "error: " << who << e.what() << "\n";
      return kExitBadInput;
    }
    if (options.progress && !task->data_summary().empty()) {
      std::cout << task->data_summary() << std::endl;
    }
    install_stop_handlers();
    return exit_code(train(spec, *task, options), options, rank.rank);
  } catch (const CheckpointError& e) {
    std::cerr << "error: " << who << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "error: " << who << e.what() << "\n";
    return kExitFailed;
  }
}

// Prints "error: <message>" and returns kExitBadInput.
int bad_input(const absl::Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return kExitBadInput;
}

}  // namespace

int experiment_main(int argc, char** argv, const ExperimentBinary& binary) {
  absl::SetProgramUsageMessage(absl::StrCat(
      "Trains an experiment from a spec.\n  ", argv[0],
      " [--spec=FILE] [--set='text proto fragment']... [--steps=N] [--seed=N] [--threads=N]\n"
      "  [--device=cpu|cuda|cuda:N]"
      "  [--output_dir=DIR] [--run_name=NAME] [--resume] [--overwrite] [--quiet]\n"
      "  [--nproc_per_node=N] [--nnodes=M --node_rank=I --master_addr=HOST --master_port=P]"));
  // A file size limit (ulimit -f) must fail the write that exceeds it, with a message, rather
  // than kill the process with SIGXFSZ halfway through a file.
  signal(SIGXFSZ, SIG_IGN);
  const std::vector<std::string> all_args(argv + 1, argv + argc);
  std::vector<std::string> sets;
  if (const int code = parse_command_line(argc, argv, &sets); code >= 0) return code;
  absl::StatusOr<ExperimentSpec> spec = load_run_spec(binary, sets);
  if (!spec.ok()) return bad_input(spec.status());
  const Family& family = *find_family(spec->model_case());  // validated: never null here
  const std::string run_dir = run_directory(*spec, family);
  if (absl::Status supported = check_family_supports(*spec, family); !supported.ok()) {
    return bad_input(supported);
  }
  if (binary.instead_of_training) {
    const int code = binary.instead_of_training(*spec, run_dir);
    if (code >= 0) return code;
  }
  if (absl::GetFlag(FLAGS_nproc_per_node) * absl::GetFlag(FLAGS_nnodes) > 1) {
    return launch_ranks(*spec, run_dir, sets, all_args);
  }
  absl::StatusOr<RankInfo> rank = rank_from_environment();
  if (!rank.ok()) return bad_input(rank.status());
  absl::StatusOr<std::function<void(int64_t)>> fault =
      fault_hook(absl::GetFlag(FLAGS_fault), rank->rank);
  if (!fault.ok()) return bad_input(fault.status());
  std::unique_ptr<DataParallel> parallel;
  std::unique_ptr<RunLock> lock;  // rank 0's (or a lone run's) hold on the run directory
  if (const int code = join_run(*rank, run_dir, sets, &*spec, &parallel, &lock); code >= 0) {
    return code;
  }
  return train_rank(*spec, family, run_dir, *rank, parallel.get(), *fault);
}

}  // namespace experiments
