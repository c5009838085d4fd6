// Trains every run of a sweep (experiments/spec.proto, SweepSpec): variants x learning rates x
// seeds, a few at a time, each as its own process of //experiments:train (every family) with its
// output in <run dir>/train.log. Runs that already finished (COMPLETED or DIVERGED) are skipped
// unless --redo; a run that was killed, interrupted or failed continues from its checkpoint when
// it has one of the same spec; the whole plan is validated before anything trains.
//
//   bazel run //experiments:sweep -- --sweep=experiments/vit/sweeps/collapse.textproto
//       [--jobs=2] [--threads=1] [--nproc_per_node=1] [--runs_root=runs] [--redo] [--dry_run]
//       [--describe]
// With --nproc_per_node=N every run is data parallel over N local ranks, one run at a time.
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/format.h"
#include "core/paths.h"
#include "core/runtime.h"
#include "experiments/engine/metric_format.h"
#include "experiments/engine/run_dir.h"
#include "experiments/engine/spec_io.h"
#include "experiments/engine/sweep.h"

ABSL_FLAG(std::string, sweep, "",
          "sweep file (workspace-relative or absolute), e.g. "
          "experiments/<family>/sweeps/<name>.textproto");
ABSL_FLAG(std::string, runs_root, "runs", "runs go to <runs_root>/<sweep name>/<run>/");
ABSL_FLAG(int32_t, jobs, 0, "runs trained at once (0: cores / threads)");
ABSL_FLAG(int32_t, threads, 1, "threads per run (per rank)");
ABSL_FLAG(int32_t, nproc_per_node, 1,
          "data-parallel ranks per run (> 1: one run at a time, each over this many ranks)");
ABSL_FLAG(bool, redo, false, "train finished runs again");
ABSL_FLAG(bool, dry_run, false, "print the plan and stop");
ABSL_FLAG(bool, describe, false,
          "print 'name <sweep name>' and one 'claim <rule>' line per claim check (for scripts) "
          "and stop");

namespace {

using sigma_reparam::RunResult;
using Clock = std::chrono::steady_clock;

bool finished(const RunResult& r) {
  return r.status() == RunResult::COMPLETED || r.status() == RunResult::DIVERGED;
}

// "COMPLETED  acc 87.3%  min entropy 1.234": the status and the family's headline metric.
std::string outcome(const RunResult& r) {
  std::string s = RunResult::Status_Name(r.status());
  const auto headline = r.metrics().find(r.headline().name());
  if (r.status() == RunResult::COMPLETED && headline != r.metrics().end()) {
    absl::StrAppend(&s, "  ", r.headline().short_label(), " ",
                    experiments::format_metric(r.headline(), headline->second));
  } else if (r.status() == RunResult::DIVERGED) {
    absl::StrAppend(&s, " at step ", r.step());
  }
  if (r.has_min_entropy())
    absl::StrAppend(&s, absl::StrFormat("  min entropy %.3f", r.min_entropy()));
  return s;
}

// Whether the run directory holds a run of the spec the plan has for it now (threads aside).
bool same_spec(const experiments::PlannedRun& run) {
  auto saved = experiments::load_spec(run.dir + "/spec.textproto");
  return saved.ok() && experiments::spec_digest(*saved) == experiments::spec_digest(run.spec);
}

// An unfinished run (killed, INTERRUPTED or FAILED) with a checkpoint of the planned spec:
// --resume continues it instead of starting again.
bool resumable(const experiments::PlannedRun& run) {
  struct stat st;
  return stat((run.dir + "/checkpoint.pt").c_str(), &st) == 0 && same_spec(run);
}

// Starts `binary` for `run` with its output in <run dir>/train.log; returns the child's pid.
pid_t launch(const std::string& binary, const experiments::PlannedRun& run, int threads, int ranks,
             bool redo) {
  std::filesystem::create_directories(run.dir);
  std::vector<std::string> args = {binary, "--spec=" + run.spec_path};
  for (const auto& s : run.sets) args.push_back("--set=" + s);
  args.push_back(absl::StrCat("--threads=", threads));
  if (ranks > 1) args.push_back(absl::StrCat("--nproc_per_node=", ranks));
  args.push_back("--output_dir=" + run.dir);
  const bool resume = !redo && resumable(run);
  args.push_back(resume ? "--resume" : "--overwrite");
  args.push_back("--quiet");
  const std::string log = run.dir + "/train.log";
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | (resume ? O_APPEND : O_TRUNC), 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    std::perror(("cannot start " + binary).c_str());
    _exit(127);
  }
  return pid;
}

// Trains the runs `todo` of `plan`, `jobs` at a time, printing a line per finished run with its
// outcome and an estimate of the time left. Returns the number of runs that did not finish
// (COMPLETED or DIVERGED), or -1 if a process could not be started.
int train_runs(const std::vector<experiments::PlannedRun>& plan, std::deque<size_t> todo,
               int done_before, const std::string& train_binary, int jobs, int threads, int ranks,
               bool redo) {
  const auto start = Clock::now();
  std::map<pid_t, std::pair<size_t, Clock::time_point>> running;
  size_t finished_now = 0;
  double run_seconds = 0;
  int failed = 0;
  const size_t to_train = todo.size(), total = plan.size();
  while (!todo.empty() || !running.empty()) {
    while (!todo.empty() && static_cast<int>(running.size()) < jobs) {
      const size_t i = todo.front();
      todo.pop_front();
      const pid_t pid = launch(train_binary, plan[i], threads, ranks, redo);
      if (pid < 0) {
        std::perror("fork");
        return -1;
      }
      running[pid] = {i, Clock::now()};
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const auto& run = plan[it->second.first];
    const double took = std::chrono::duration<double>(Clock::now() - it->second.second).count();
    running.erase(it);
    ++finished_now;
    const RunResult r = experiments::read_result(run.dir);
    std::string what = outcome(r);
    if (!finished(r)) {
      ++failed;
      what = absl::StrCat(r.status() == RunResult::STATUS_UNSPECIFIED
                              ? "FAILED to start"
                              : RunResult::Status_Name(r.status()),
                          " (exit ", WIFEXITED(status) ? WEXITSTATUS(status) : -1, "; see ",
                          run.dir, "/train.log)");
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    // Runs still to finish, at the mean run time so far, spread over the jobs.
    run_seconds += took;
    const double left =
        run_seconds / finished_now * static_cast<double>(to_train - finished_now) / jobs;
    std::cout << absl::StrFormat(
                     "[%*zu/%zu] %-34s seed %ld  %-48s %4.0f s | %s elapsed, ~%s left\n",
                     std::to_string(total).size(), done_before + finished_now, total, run.name,
                     static_cast<long>(run.seed), what, took, core::clock_time(elapsed),
                     core::clock_time(left))
              << std::flush;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << absl::StrFormat("trained %zu runs in %s; %d failed; results under %s\n",
                               finished_now, core::clock_time(elapsed), failed,
                               std::filesystem::path(plan[0].dir).parent_path().string());
  return failed;
}

// --describe: the facts //tools:reproduce reads (name, learning rates, claim rules).
int describe_sweep(const std::string& sweep_path) {
  const auto sweep = experiments::load_sweep(sweep_path);  // loaded by plan_sweep already
  std::cout << "name " << sweep->name() << "\n"
            << "learning_rates " << experiments::distinct_learning_rates(*sweep) << "\n";
  // The most learning rates one variant trains at (1: no lr-sensitivity figure to draw).
  int most = 0;
  for (const auto& v : sweep->variant()) {
    most = std::max(most, v.lr_size() > 0 ? v.lr_size() : sweep->lr_size());
  }
  std::cout << "learning_rates_per_variant " << most << "\n";
  for (const auto& claim : sweep->claim()) {
    std::cout << "claim " << sigma_reparam::ClaimCheck::Rule_Name(claim.rule()) << "\n";
  }
  return 0;
}

// The runs of a plan still to train, and how many are finished (current) or stale.
struct Pending {
  std::deque<size_t> todo;
  int done_before = 0;
  int stale = 0;  // finished with another spec (an earlier version of the sweep file)
};

Pending pending_runs(const std::vector<experiments::PlannedRun>& plan, bool redo) {
  Pending p;
  for (size_t i = 0; i < plan.size(); ++i) {
    const bool done = finished(experiments::read_result(plan[i].dir));
    // A finished run of an earlier version of the sweep file (another spec) trains again.
    const bool current = done && same_spec(plan[i]);
    p.stale += done && !current;
    if (!redo && current) {
      ++p.done_before;
    } else {
      p.todo.push_back(i);
    }
  }
  return p;
}

// Run directories beside the plan's (an earlier version of the sweep file had them): the
// tables and the report read every run under the folder.
std::vector<std::string> stray_runs(const std::vector<experiments::PlannedRun>& plan,
                                    const std::filesystem::path& sweep_dir) {
  std::set<std::string> planned_dirs;
  for (const auto& run : plan) planned_dirs.insert(std::filesystem::path(run.dir).filename());
  std::vector<std::string> strays;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sweep_dir, ec)) {
    if (entry.is_directory() && planned_dirs.count(entry.path().filename().string()) == 0) {
      strays.push_back(entry.path().filename().string());
    }
  }
  return strays;
}

void print_plan_summary(const std::string& sweep_path, size_t total, const Pending& p, int jobs,
                        int ranks, int threads, const std::filesystem::path& sweep_dir,
                        const std::vector<std::string>& strays) {
  std::cout << absl::StrFormat(
                   "%s: %zu runs; %d already finished (skipped; --redo trains them again), %zu "
                   "to train, %d at a time x %s%d thread%s\n",
                   sweep_path, total, p.done_before, p.todo.size(), jobs,
                   ranks > 1 ? absl::StrCat(ranks, " ranks x ") : "", threads,
                   threads == 1 ? "" : "s")
            << std::flush;
  if (p.stale > 0) {
    std::cout << p.stale
              << " finished run(s) were trained with another spec (an earlier version of "
                 "the sweep file): they train again\n";
  }
  if (!strays.empty()) {
    std::cout << "warning: " << sweep_dir.string() << " also holds " << strays.size()
              << " run(s) that this sweep file does not plan (e.g. " << strays.front()
              << "); the tables and report read every run there: move them elsewhere\n";
  }
}

void print_dry_run(const std::vector<experiments::PlannedRun>& plan) {
  for (const auto& run : plan) {
    std::cout << "  " << run.dir << "  (train --spec=" << run.spec_path;
    for (const auto& s : run.sets) std::cout << " --set='" << s << "'";
    std::cout << ")\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Trains every variant x lr x seed of a sweep file, a few runs at a time.\n"
      "  sweep --sweep=experiments/vit/sweeps/collapse.textproto [--jobs=N] [--threads=N] "
      "[--redo] [--dry_run]");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_sweep).empty()) {
    std::cerr << "error: --sweep: name a sweep file, e.g. "
                 "--sweep=experiments/vit/sweeps/collapse.textproto (every family's are under "
                 "experiments/*/sweeps/)\n";
    return 2;
  }
  const std::string ws = core::workspace();
  std::string sweep_path = absl::GetFlag(FLAGS_sweep);
  if (!sweep_path.empty() && sweep_path[0] != '/') sweep_path = ws + "/" + sweep_path;
  auto plan = experiments::plan_sweep(sweep_path, ws, absl::GetFlag(FLAGS_runs_root));
  if (!plan.ok()) {
    std::cerr << "error: " << plan.status().message() << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_describe)) return describe_sweep(sweep_path);
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  const int ranks = std::max(1, absl::GetFlag(FLAGS_nproc_per_node));
  if (ranks > 1 && absl::GetFlag(FLAGS_jobs) > 1) {
    std::cerr << "error: --nproc_per_node > 1 trains one multi-rank run at a time: drop --jobs\n";
    return 2;
  }
  const int jobs = ranks > 1                       ? 1
                   : absl::GetFlag(FLAGS_jobs) > 0 ? absl::GetFlag(FLAGS_jobs)
                                                   : std::max(1, core::available_cores() / threads);
  const Pending pending = pending_runs(*plan, absl::GetFlag(FLAGS_redo));
  const std::filesystem::path sweep_dir = std::filesystem::path(plan->front().dir).parent_path();
  print_plan_summary(sweep_path, plan->size(), pending, jobs, ranks, threads, sweep_dir,
                     stray_runs(*plan, sweep_dir));
  if (absl::GetFlag(FLAGS_dry_run)) {
    print_dry_run(*plan);
    return 0;
  }
  // The family binaries sit beside this one (bazel-bin/experiments/).
  const std::string here = std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
  const std::string train_binary = here + "/train";
  if (!pending.todo.empty() && access(train_binary.c_str(), X_OK) != 0) {
    std::cerr << "error: " << train_binary
              << " is missing: build it with bazel build //experiments:train\n";
    return 2;
  }
  const int failed = train_runs(*plan, pending.todo, pending.done_before, train_binary, jobs,
                                threads, ranks, absl::GetFlag(FLAGS_redo));
  if (failed < 0) return 1;
  return failed == 0 ? 0 : 1;
}
