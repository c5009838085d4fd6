#include "experiments/engine/launcher.h"

#include <absl/strings/str_cat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "experiments/engine/distributed.h"
#include "experiments/engine/experiment_main.h"
#include "experiments/engine/run_dir.h"

namespace experiments {
namespace {

using Clock = std::chrono::steady_clock;

// SIGINT or SIGTERM received by the launcher, to be passed on to the ranks once each.
volatile sig_atomic_t pending_signal = 0;
void on_signal(int signo) { pending_signal = signo; }

// A port nothing listens on now (the kernel's choice for port 0).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port on 127.0.0.1");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    return absl::StrCat("was killed by signal ", WTERMSIG(status), " (",
                        strsignal(WTERMSIG(status)), ")");
  }
  return absl::StrCat("exited with status ", WEXITSTATUS(status));
}

// The run's record names the first failure; rank 0's own reason, if it wrote one, follows.
void record_failure(const std::string& run_dir, const std::string& reason) {
  if (run_dir.empty()) return;
  sigma_reparam::RunResult result = read_result(run_dir);
  if (result.status() == sigma_reparam::RunResult::STATUS_UNSPECIFIED ||
      result.status() == sigma_reparam::RunResult::COMPLETED ||
      result.status() == sigma_reparam::RunResult::DIVERGED) {
    return;
  }
  std::string full = reason;
  if (result.status() == sigma_reparam::RunResult::FAILED && !result.reason().empty() &&
      result.reason() != reason) {
    absl::StrAppend(&full, "; rank 0: ", result.reason());
  }
  result.set_status(sigma_reparam::RunResult::FAILED);
  result.set_reason(full);
  core::write_atomically(run_dir + "/result.textproto", to_text(result));
}

// Says the run FAILED and records it; returns the launcher's exit code, 1.
int report_failure(const std::string& run_dir, const std::string& failure) {
  std::cerr << "error: data-parallel run FAILED: " << failure << "\n";
  record_failure(run_dir, failure);
  if (!run_dir.empty()) {
    std::cerr << "resume it from its last checkpoint with --resume (any --nproc_per_node that "
                 "divides the batch)\n";
  }
  return 1;
}

// The launcher forwards SIGINT and SIGTERM to the ranks (in its wait loop).
void forward_signals() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// In the child: becomes rank `info` running this binary with `args`; never returns.
[[noreturn]] void exec_rank(const RankInfo& info, int nproc_per_node,
                            const std::vector<std::string>& args) {
  // The ranks get the terminal's signals through the launcher only (once each), and SIGTERM
  // if the launcher dies; exec restores the default handlers.
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  export_rank_environment(info);
  setenv("LOCAL_WORLD_SIZE", std::to_string(nproc_per_node).c_str(), 1);
  std::vector<char*> argv;
  std::string self = "/proc/self/exe";
  argv.push_back(self.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  std::perror("cannot start a rank");
  _exit(127);
}

}  // namespace

int launch_local_ranks(const LaunchOptions& options, const std::vector<std::string>& args) {
  RankInfo info;
  info.world_size = options.nproc_per_node * options.nnodes;
  info.master_addr = options.master_addr;
  info.master_port = options.master_port > 0 ? options.master_port : free_port();
  std::map<pid_t, int> ranks;  // pid -> rank
  forward_signals();
  for (int local = 0; local < options.nproc_per_node; ++local) {
    info.rank = options.node_rank * options.nproc_per_node + local;
    info.local_rank = local;
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      for (const auto& [p, r] : ranks) kill(p, SIGKILL);
      return 1;
    }
    if (pid == 0) exec_rank(info, options.nproc_per_node, args);
    ranks[pid] = info.rank;
  }
  std::string failure;
  bool signalled = false;
  std::set<pid_t> killed;  // by the launcher, after the grace period
  Clock::time_point deadline = Clock::time_point::max();
  int outcome = kExitCompleted;  // DIVERGED or INTERRUPTED, which every rank ends with alike
  while (!ranks.empty()) {
    if (const int signo = pending_signal; signo != 0) {
      pending_signal = 0;
      for (const auto& [p, r] : ranks) kill(p, signo);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      auto it = ranks.find(pid);
      if (it == ranks.end()) continue;
      const int rank = it->second;
      ranks.erase(it);
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      // Outcomes of the run, not failures.
      const bool ok = code == kExitCompleted || code == kExitDiverged || code == kExitInterrupted;
      if (code == kExitDiverged || code == kExitInterrupted) outcome = code;
      if (killed.count(pid) > 0) {
        absl::StrAppend(&failure, "; rank ", rank, " (pid ", pid, ") did not stop within ",
                        options.grace.count() / 1000.0, " s and was killed");
        continue;
      }
      // A rank killed by a signal is the cause rather than a rank that stopped because its
      // peer was gone, whichever is reaped first.
      if (!ok && (failure.empty() || (WIFSIGNALED(status) && !signalled))) {
        failure = absl::StrCat("rank ", rank, " (pid ", pid, ") ", describe_exit(status));
        signalled = WIFSIGNALED(status);
        if (deadline == Clock::time_point::max()) deadline = Clock::now() + options.grace;
      }
      continue;
    }
    if (pid < 0) break;
    if (Clock::now() > deadline) {
      for (const auto& [p, r] : ranks) {
        kill(p, SIGKILL);
        killed.insert(p);
      }
      deadline = Clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return failure.empty() ? outcome : report_failure(options.run_dir, failure);
}

}  // namespace experiments
