// `--nproc_per_node=N`: an experiment binary starts N copies of itself as the ranks of one
// data-parallel run (experiments/engine/distributed.h), as torchrun would, and watches them.
//
// When a rank dies (a crash, a kill, an error), the others stop by themselves at their next
// all-reduce; whatever has not exited `grace` later is killed. The run directory's
// result.textproto is then FAILED with the first failure as its reason, and `--resume`
// continues from the last checkpoint, with any world size that divides the batch.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace experiments {

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;  // 0: a free port (one machine only)
  std::chrono::milliseconds grace{30000};
  std::string run_dir;  // whose result.textproto records a failure
};

// Runs `args` (argv without argv[0]) in nproc_per_node child processes of /proc/self/exe with
// the rank environment set. Returns 0 if every rank exited 0, else 1 (after printing which rank
// failed and how).
int launch_local_ranks(const LaunchOptions& options, const std::vector<std::string>& args);

}  // namespace experiments
