// The experiment command line as a user meets it, through //experiments:train with a tiny
// σReparam ViT on a slice of Fashion-MNIST ($SIGMA_DATA):
//  - bad flags, specs, run directories and checkpoints end with exit code 2 and a message naming
//    the flag, file or value, and leave what existed before untouched;
//  - a run directory in use is refused; a DIVERGED run exits 3 and says so even with --quiet;
//  - a file size limit (a full disk) fails the run naming the file, keeps the last checkpoint,
//    and --resume then reproduces the uninterrupted metrics;
//  - SIGINT and SIGTERM stop a run after a checkpoint as INTERRUPTED (exit 4), which --resume
//    continues, also on two data-parallel ranks started by --nproc_per_node;
//  - SIGKILL at random moments, again and again, followed each time by --resume, ends with the
//    uninterrupted run's metrics exactly.
// The rows of docs/bad_input.md name these tests.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>

#include "experiments/engine/run_dir.h"
#include "tests/experiments/engine/train_binary.h"

namespace experiments {
namespace {

using sigma_reparam::RunResult;

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// 120 steps of a 2-layer width-32 ViT, a checkpoint every 10 steps, about 3 s on one thread.
constexpr const char* kSpec = R"(
name: "cli"
description: "command-line test"
vit { transformer { depth: 2 width: 32 heads: 2 reparam: SIGMA_REPARAM } }
data { batch_size: 64 train_subset: 1024 eval_subset: 200 }
optimizer { kind: ADAMW lr: 2e-3 weight_decay: 0.05 clip_grad_norm: 1.0 }
schedule { kind: COSINE warmup_steps: 5 }
run { steps: 120 log_interval: 1 eval_interval: 60 checkpoint_interval: 10 threads: 1 }
)";

const std::string& spec_file() {
  static const std::string path = [] {
    const std::string p = tmp_path("cli.textproto");
    std::ofstream(p) << kSpec;
    return p;
  }();
  return path;
}

struct Child {
  pid_t pid = -1;
  std::string log;
};

// Starts the binary with the test spec and `flags` (plus --threads=1), output into `log`; a
// positive `file_size_limit` (bytes) is set with setrlimit(RLIMIT_FSIZE) in the child.
Child start(const std::vector<std::string>& flags, const std::string& log, long file_size_limit = 0,
            bool with_spec = true) {
  std::vector<std::string> args = {train_binary()};
  if (with_spec) args.push_back("--spec=" + spec_file());
  args.push_back("--threads=1");
  for (const auto& f : flags) args.push_back(f);
  Child child;
  child.log = log;
  child.pid = fork();
  if (child.pid == 0) {
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out == nullptr || dup2(fileno(stdout), 2) < 0) _exit(126);
    if (file_size_limit > 0) {
      struct rlimit limit = {static_cast<rlim_t>(file_size_limit),
                             static_cast<rlim_t>(file_size_limit)};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return child;
}

// Whether the child has not exited yet (without reaping it: wait_for still sees its code).
bool still_running(const Child& child) {
  siginfo_t info = {};
  return waitid(P_PID, child.pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

// The exit code, or 128 + the signal that ended it.
int wait_for(const Child& child) {
  int status = 0;
  waitpid(child.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(const std::vector<std::string>& flags, const std::string& log, long file_size_limit = 0,
        bool with_spec = true) {
  return wait_for(start(flags, log, file_size_limit, with_spec));
}

// metrics.jsonl without the fields that measure time, each line as its deterministic binary
// serialisation (map entries in key order): what must match exactly across resumes.
std::vector<std::string> metrics_without_timing(const std::string& run_dir) {
  std::vector<std::string> lines;
  std::ifstream in(run_dir + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    sigma_reparam::StepMetrics m;
    if (!google::protobuf::util::JsonStringToMessage(line, &m).ok()) {
      lines.push_back("unparsable: " + line);
      continue;
    }
    m.clear_steps_per_second();
    m.clear_wall_seconds();
    std::string bytes;
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
    coded.Trim();
    lines.push_back(bytes);
  }
  return lines;
}

// An uninterrupted run of the test spec (trained once, shared by the tests that compare).
const std::string& reference_run() {
  static const std::string dir = [] {
    const std::string d = tmp_path("reference");
    EXPECT_EQ(run({"--output_dir=" + d, "--quiet"}, tmp_path("reference.log")), 0)
        << read_file(tmp_path("reference.log"));
    return d;
  }();
  return dir;
}

// Lines of metrics.jsonl (the test spec logs every step).
int metric_lines(const std::string& run_dir) {
  std::ifstream in(run_dir + "/metrics.jsonl");
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

struct BadFlag {
  std::vector<std::string> flags;
  std::string message;
};

TEST(CliTest, BadFlagsExitTwoNamingTheFlagAndTrainNothing) {
  const std::string dir = tmp_path("bad_flags");
  const std::string out = "--output_dir=" + dir;
  const std::vector<BadFlag> cases = {
      {{out, "--steps=-5"}, "--steps=-5: expected a step count >= 1"},
      {{out, "--steps=0"}, "--steps=0: expected a step count >= 1"},
      {{out, "--seed=-4"}, "--seed=-4: expected a seed >= 0"},
      {{out, "--threads=-3"}, "--threads=-3: expected >= 1, 0 for every core"},
      {{out, "--steps=abc"}, "--steps=abc: Illegal value 'abc'"},
      {{out, "--no_such_flag=1"}, "unknown flag --no_such_flag"},
      {{out, "stray"}, "unexpected argument \"stray\""},
      {{out, "--resume", "--overwrite"}, "--resume and --overwrite contradict each other"},
      {{out, "--resume"}, "holds no run to resume"},
      {{out, "--nproc_per_node=0"}, "--nproc_per_node=0: expected >= 1"},
      {{out, "--nnodes=2", "--node_rank=2"}, "--node_rank=2: expected 0 .. --nnodes - 1"},
      {{out, "--master_port=70000"}, "--master_port=70000: expected a port"},
      {{out, "--dist_timeout_s=0"}, "--dist_timeout_s=0: expected >= 1 second"},
      {{out, "--nproc_per_node=3"}, "data.batch_size 64 is not divisible by 3"},
      {{out, "--fault=1:x"}, "--fault=\"1:x\": expected RANK:STEP:kill"},
      {{out, "--set=optimizer { lr: -1 }"}, "optimizer.lr"},
      {{out, "--set=run { stepz: 3 }"}, "stepz"},
      {{out, "--set=vit { transformer { reparam: SIGMA } }"},
       "Unknown enumeration value of \"SIGMA\" for field \"reparam\""},
      {{out, "--set=run { checkpoint_seconds: -1 }"}, "run.checkpoint_seconds"},
      {{out, "--device=gpu"}, "--device: device \"gpu\": expected \"cpu\", \"cuda\" or \"cuda:N\""},
      {{out, "--device=cuda:x"}, "device \"cuda:x\": expected"},
      {{out, "--set=run { device: \"tpu\" }"}, "run.device: \"tpu\" must be"},
#ifndef SIGMA_CUDA
      // The acceptance case of a GPU request on the CPU build: a clear error, nothing written.
      {{out, "--device=cuda"}, "--device=cuda (run.device): this binary is the CPU build"},
      {{out, "--device=cuda:1"}, "--device=cuda:1 (run.device): this binary is the CPU build"},
#endif
  };
  for (const auto& c : cases) {
    const std::string log = tmp_path("bad_flags.log");
    std::string joined;
    for (const auto& f : c.flags) joined += f + " ";
    EXPECT_EQ(run(c.flags, log), 2) << joined << "\n" << read_file(log);
    EXPECT_NE(read_file(log).find(c.message), std::string::npos)
        << joined << "\nexpected: " << c.message << "\ngot: " << read_file(log);
    EXPECT_FALSE(exists(dir)) << joined << " created the run directory";
  }
}

// Abseil's usage flags pass the flag check and print the usage (Abseil exits 1 after it).
// run { precision: BF16 } trains the test spec's 120 steps under bf16 autocast on the CPU: the
// loss curve follows the float32 run's (mean over the last 20 steps within 5% relative: bf16
// rounding of every product's inputs, compounded over 120 steps of a 2-layer model), and the
// run records which precision it used.
TEST(CliTest, ABf16RunFollowsTheFloat32Run) {
  const std::string dir = tmp_path("bf16");
  const std::string log = tmp_path("bf16.log");
  ASSERT_EQ(run({"--output_dir=" + dir, "--quiet", "--set=run { precision: BF16 }"}, log), 0)
      << read_file(log);
  const auto tail_loss = [](const std::string& run_dir) {
    std::vector<double> losses;
    std::ifstream in(run_dir + "/metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
      sigma_reparam::StepMetrics m;
      if (google::protobuf::util::JsonStringToMessage(line, &m).ok()) losses.push_back(m.loss());
    }
    double sum = 0;
    for (size_t i = losses.size() - 20; i < losses.size(); ++i) sum += losses[i];
    return sum / 20;
  };
  const double fp32 = tail_loss(reference_run()), bf16 = tail_loss(dir);
  EXPECT_NEAR(bf16, fp32, 0.05 * fp32) << "bf16 " << bf16 << " vs float32 " << fp32;
  EXPECT_NE(read_file(dir + "/spec.textproto").find("precision: BF16"), std::string::npos);
}

TEST(CliTest, HelpPrintsTheUsage) {
  const std::string log = tmp_path("help.log");
  for (const char* flag : {"--help", "--helpfull"}) {
    run({flag}, log);
    EXPECT_NE(read_file(log).find("Trains an experiment from a spec"), std::string::npos)
        << flag << ": " << read_file(log);
    EXPECT_EQ(read_file(log).find("unknown flag"), std::string::npos) << read_file(log);
  }
}

TEST(CliTest, BadSpecFilesExitTwoNamingTheFile) {
  const std::string dir = tmp_path("bad_spec_run");
  const std::string missing = tmp_path("no_such.textproto");
  const std::string broken = tmp_path("broken.textproto");
  std::ofstream(broken) << "name: \"x\"\nvit { transformer { depth: two } }\n";
  const std::string empty = tmp_path("empty.textproto");
  std::ofstream(empty) << "";
  for (const auto& [spec, message] : std::vector<std::pair<std::string, std::string>>{
           {missing, missing}, {broken, broken + ":2"}, {empty, "name"}}) {
    const std::string log = tmp_path("bad_spec.log");
    EXPECT_EQ(run({"--spec=" + spec, "--output_dir=" + dir}, log, 0, /*with_spec=*/false), 2)
        << read_file(log);
    EXPECT_NE(read_file(log).find(message), std::string::npos)
        << "expected: " << message << "\ngot: " << read_file(log);
    EXPECT_FALSE(exists(dir));
  }
}

TEST(CliTest, MissingDataNamesTheFetchCommandAndExitsTwo) {
  const std::string dir = tmp_path("no_data_run"), log = tmp_path("no_data.log");
  EXPECT_EQ(
      run({"--output_dir=" + dir, "--set=data { path: \"" + tmp_path("nowhere") + "\" }"}, log), 2)
      << read_file(log);
  EXPECT_NE(read_file(log).find("tools/setup.sh"), std::string::npos) << read_file(log);
}

TEST(CliTest, AnExistingRunIsKeptWithoutOverwrite) {
  const std::string log = tmp_path("existing.log");
  const std::string before = read_file(reference_run() + "/result.textproto");
  const std::string metrics = read_file(reference_run() + "/metrics.jsonl");
  EXPECT_EQ(run({"--output_dir=" + reference_run()}, log), 2);
  EXPECT_NE(read_file(log).find("already holds a run (COMPLETED at step 120)"), std::string::npos)
      << read_file(log);
  EXPECT_EQ(read_file(reference_run() + "/result.textproto"), before);
  EXPECT_EQ(read_file(reference_run() + "/metrics.jsonl"), metrics);
  // --resume of a finished run has nothing to do.
  EXPECT_EQ(run({"--output_dir=" + reference_run(), "--resume"}, log), 0);
  EXPECT_NE(read_file(log).find("already COMPLETED"), std::string::npos) << read_file(log);
}

TEST(CliTest, ARunDirectoryInUseIsRefused) {
  const std::string dir = tmp_path("locked");
  absl::StatusOr<std::unique_ptr<RunLock>> lock = RunLock::acquire(dir);
  ASSERT_TRUE(lock.ok()) << lock.status();
  const std::string log = tmp_path("locked.log");
  EXPECT_EQ(run({"--output_dir=" + dir, "--overwrite"}, log), 2) << read_file(log);
  EXPECT_NE(read_file(log).find(dir + " is in use: another process (pid " +
                                std::to_string(getpid()) + ")"),
            std::string::npos)
      << read_file(log);
  EXPECT_FALSE(exists(dir + "/result.textproto"));
  lock->reset();
  EXPECT_EQ(run({"--output_dir=" + dir, "--steps=2"}, log), 0) << read_file(log);
}

TEST(CliTest, DivergedExitsThreeAndSaysSoWhenQuiet) {
  const std::string dir = tmp_path("diverged"), log = tmp_path("diverged.log");
  EXPECT_EQ(run({"--output_dir=" + dir, "--quiet",
                 "--set=optimizer { lr: 1e4 clip_grad_norm: 0 } schedule { warmup_steps: 0 }"},
                log),
            3)
      << read_file(log);
  EXPECT_NE(read_file(log).find("DIVERGED at step"), std::string::npos) << read_file(log);
  EXPECT_EQ(read_result(dir).status(), RunResult::DIVERGED);
  // Finished: --resume has nothing to do and says so with the same code.
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume"}, log), 3);
}

// A run killed at step 20 (after its checkpoint of step 20), for the checkpoint tests.
std::string killed_at_20(const std::string& name) {
  const std::string dir = tmp_path(name), log = tmp_path(name + ".log");
  EXPECT_EQ(run({"--output_dir=" + dir, "--quiet", "--fault=0:20:kill"}, log), 128 + SIGKILL)
      << read_file(log);
  EXPECT_EQ(read_result(dir).status(), RunResult::RUNNING);
  return dir;
}

// --resume continues a run with the spec it started with: flags that would change it (a longer
// run, another seed, another learning rate) are refused by name, never silently dropped; the
// checkpoint is not read and nothing is touched.
TEST(CliTest, ResumeRefusesFlagsThatChangeTheSpec) {
  const std::string log = tmp_path("resume_changes.log");
  const std::string before = read_file(reference_run() + "/result.textproto");
  const std::string metrics = read_file(reference_run() + "/metrics.jsonl");
  EXPECT_EQ(run({"--output_dir=" + reference_run(), "--resume", "--steps=200"}, log), 2)
      << read_file(log);
  EXPECT_NE(read_file(log).find("the flags change it"), std::string::npos) << read_file(log);
  EXPECT_NE(read_file(log).find("run.steps: 120 -> 200"), std::string::npos) << read_file(log);
  EXPECT_NE(read_file(log).find("--overwrite"), std::string::npos) << read_file(log);
  EXPECT_EQ(read_file(reference_run() + "/result.textproto"), before);
  EXPECT_EQ(read_file(reference_run() + "/metrics.jsonl"), metrics);

  const std::string dir = killed_at_20("resume_changes");
  const std::string checkpoint = read_file(dir + "/checkpoint.pt");
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume", "--set=optimizer { lr: 0.5 }"}, log), 2)
      << read_file(log);
  EXPECT_NE(read_file(log).find("optimizer.lr"), std::string::npos) << read_file(log);
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume", "--seed=7"}, log), 2) << read_file(log);
  EXPECT_NE(read_file(log).find("run.seed"), std::string::npos) << read_file(log);
  EXPECT_EQ(read_file(dir + "/checkpoint.pt"), checkpoint);
  EXPECT_EQ(read_result(dir).status(), RunResult::RUNNING);
  // The same values as the run's own, and --threads, are fine: it continues to the end.
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume", "--quiet", "--steps=120"}, log), 0)
      << read_file(log);
  EXPECT_EQ(metrics_without_timing(dir), metrics_without_timing(reference_run()));
}

TEST(CliTest, TruncatedCheckpointIsNamedAndKept) {
  const std::string dir = killed_at_20("truncated"), log = tmp_path("truncated_resume.log");
  const std::string checkpoint = dir + "/checkpoint.pt";
  const std::string full = read_file(checkpoint);
  ASSERT_GT(full.size(), 1000u);
  std::ofstream(checkpoint, std::ios::binary | std::ios::trunc) << full.substr(0, full.size() / 2);
  const std::string truncated = read_file(checkpoint), metrics = read_file(dir + "/metrics.jsonl");
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume"}, log), 2) << read_file(log);
  EXPECT_NE(read_file(log).find(checkpoint + ": cannot be read as a checkpoint, truncated or "
                                             "corrupt"),
            std::string::npos)
      << read_file(log);
  EXPECT_EQ(read_file(log).find("frame #"), std::string::npos) << "a backtrace:\n"
                                                               << read_file(log);
  EXPECT_EQ(read_file(checkpoint), truncated);
  EXPECT_EQ(read_file(dir + "/metrics.jsonl"), metrics);
  EXPECT_EQ(read_result(dir).status(), RunResult::RUNNING);
}

TEST(CliTest, CheckpointOfAnotherSpecIsRefused) {
  const std::string dir = killed_at_20("other_spec"), log = tmp_path("other_spec.log");
  // Another run's checkpoint of a wider model, copied in.
  const std::string other = tmp_path("wider");
  ASSERT_EQ(run({"--output_dir=" + other, "--quiet", "--steps=10",
                 "--set=vit { transformer { width: 48 } }"},
                log),
            0)
      << read_file(log);
  std::ofstream(dir + "/checkpoint.pt", std::ios::binary | std::ios::trunc)
      << read_file(other + "/checkpoint.pt");
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume"}, log), 2) << read_file(log);
  EXPECT_NE(read_file(log).find(dir + "/checkpoint.pt: written for another spec"),
            std::string::npos)
      << read_file(log);
  EXPECT_EQ(read_result(dir).status(), RunResult::RUNNING);
}

TEST(CliTest, ResumeWithoutACheckpointIsNamed) {
  const std::string dir = tmp_path("no_checkpoint"), log = tmp_path("no_checkpoint.log");
  EXPECT_EQ(run({"--output_dir=" + dir, "--quiet", "--fault=0:3:kill"}, log), 128 + SIGKILL);
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume"}, log), 2) << read_file(log);
  EXPECT_NE(read_file(log).find("has no checkpoint.pt"), std::string::npos) << read_file(log);
}

TEST(CliTest, AFullDiskFailsNamingTheFileAndLosesNothing) {
  const std::string dir = killed_at_20("full_disk"), log = tmp_path("full_disk.log");
  const std::string checkpoint = read_file(dir + "/checkpoint.pt");
  // Below the size of a checkpoint: the one of step 30 cannot be written.
  const long limit = static_cast<long>(checkpoint.size()) / 2;
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume", "--quiet"}, log, limit), 1) << read_file(log);
  EXPECT_NE(read_file(log).find("checkpoint.pt.tmp: write failed (File too large)"),
            std::string::npos)
      << read_file(log);
  const RunResult failed = read_result(dir);
  EXPECT_EQ(failed.status(), RunResult::FAILED);
  EXPECT_EQ(failed.step(), 20);  // the checkpoint that is there
  EXPECT_EQ(read_file(dir + "/checkpoint.pt"), checkpoint);
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume", "--quiet"}, log), 0) << read_file(log);
  EXPECT_EQ(metrics_without_timing(dir), metrics_without_timing(reference_run()));
}

TEST(CliTest, SigintAndSigtermStopAfterACheckpointAndResume) {
  for (const int signo : {SIGINT, SIGTERM}) {
    const std::string dir = tmp_path(std::string("stopped_") + strsignal(signo));
    const std::string log = dir + ".log";
    const Child child = start({"--output_dir=" + dir, "--quiet"}, log);
    while (metric_lines(dir) < 15 && still_running(child)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(child.pid, signo);
    EXPECT_EQ(wait_for(child), 4) << read_file(log);
    const RunResult stopped = read_result(dir);
    EXPECT_EQ(stopped.status(), RunResult::INTERRUPTED) << read_file(log);
    EXPECT_GE(stopped.step(), 15);
    EXPECT_LT(stopped.step(), 120);
    EXPECT_NE(stopped.reason().find(signo == SIGINT ? "SIGINT" : "SIGTERM"), std::string::npos);
    EXPECT_NE(read_file(log).find("continue it with --resume"), std::string::npos);
    EXPECT_EQ(run({"--output_dir=" + dir, "--resume", "--quiet"}, log), 0) << read_file(log);
    EXPECT_EQ(read_result(dir).status(), RunResult::COMPLETED);
    EXPECT_EQ(metrics_without_timing(dir), metrics_without_timing(reference_run()));
  }
}

// The launcher passes SIGTERM on to its ranks once; they agree (through the step's all-reduce)
// to stop after the same step, rank 0 writes the checkpoint, and the launcher exits 4.
TEST(CliTest, SigtermStopsADataParallelRunOnEveryRank) {
  const std::string dir = tmp_path("stopped_parallel"), log = dir + ".log";
  const Child child = start({"--output_dir=" + dir, "--quiet", "--nproc_per_node=2"}, log);
  while (metric_lines(dir) < 15 && still_running(child)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(child.pid, SIGTERM);
  EXPECT_EQ(wait_for(child), 4) << read_file(log);
  const RunResult stopped = read_result(dir);
  EXPECT_EQ(stopped.status(), RunResult::INTERRUPTED) << read_file(log);
  EXPECT_LT(stopped.step(), 120);
  EXPECT_EQ(run({"--output_dir=" + dir, "--resume", "--quiet"}, log), 0) << read_file(log);
  EXPECT_EQ(read_result(dir).status(), RunResult::COMPLETED);
  EXPECT_EQ(static_cast<int>(metrics_without_timing(dir).size()), 120);
}

// SIGKILL at random moments (start-up, training, evaluation, checkpoint writes) until the run
// completes, each time followed by --resume (or a fresh start when nothing was written yet). The
// moments are points in the run's work, not in time, so that every kill lands on any machine:
// the first right after the start (start-up takes a LibTorch binary over a second), the others
// once metrics.jsonl holds a seeded, increasing number of lines (5-18 more each time, so within
// the 120 steps), plus 0-30 ms to fall inside a step, an evaluation or a checkpoint write.
TEST(CliTest, SigkillAtRandomMomentsThenResumeReproducesTheUninterruptedRun) {
  const std::string dir = tmp_path("sigkill"), log = tmp_path("sigkill.log");
  std::mt19937 random(20230310);
  std::uniform_int_distribution<int> more_lines(5, 18), extra_ms(0, 30);
  constexpr int kKills = 6;
  int kills = 0, attempts = 0, target = 0;
  while (read_result(dir).status() != RunResult::COMPLETED && attempts < 20) {
    ++attempts;
    std::vector<std::string> flags = {"--output_dir=" + dir, "--quiet"};
    const RunResult previous = read_result(dir);
    if (previous.status() != RunResult::STATUS_UNSPECIFIED) {
      flags.push_back(exists(dir + "/checkpoint.pt") ? "--resume" : "--overwrite");
    }
    const Child child = start(flags, log);
    // Kill only the first few attempts, so that the run completes.
    if (kills < kKills) {
      if (kills > 0) {
        target += more_lines(random);
        while (metric_lines(dir) < target && still_running(child)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms(random)));
      if (still_running(child)) {
        kill(child.pid, SIGKILL);
        ++kills;
      }
    }
    const int code = wait_for(child);
    EXPECT_TRUE(code == 0 || code == 128 + SIGKILL) << code << "\n" << read_file(log);
  }
  EXPECT_EQ(read_result(dir).status(), RunResult::COMPLETED);
  EXPECT_EQ(kills, kKills);
  EXPECT_EQ(metrics_without_timing(dir), metrics_without_timing(reference_run()));
  EXPECT_EQ(read_result(dir).metrics().at("eval_accuracy"),
            read_result(reference_run()).metrics().at("eval_accuracy"));
  std::cout << kills << " kills in " << attempts << " starts\n";
}

}  // namespace
}  // namespace experiments
