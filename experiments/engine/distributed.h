// Data-parallel training over LibTorch's c10d (ProcessGroupGloo on CPU): one process per rank,
// rendezvous through a TCPStore, parameters and buffers broadcast from rank 0, gradients
// averaged by c10d's Reducer (the engine of PyTorch's DistributedDataParallel), which
// all-reduces them in buckets from autograd hooks while the backward pass is still running.
//
// Ranks find each other by torchrun's environment convention:
//   WORLD_SIZE  ranks in all          RANK        this process's rank, 0 .. WORLD_SIZE - 1
//   LOCAL_RANK  rank on this machine  MASTER_ADDR / MASTER_PORT  where rank 0's store listens
// `--nproc_per_node=N` (experiments/engine/launcher.h) sets them for N local processes; on
// several machines start each machine's processes with the same MASTER_ADDR/MASTER_PORT (or
// with torchrun --no_python). GLOO_SOCKET_IFNAME picks the network interface as in PyTorch.
#pragma once

#include <ATen/core/Tensor.h>
#include <absl/status/statusor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace experiments {

struct RankInfo {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // torchrun's agent already serves the store on MASTER_PORT (TORCHELASTIC_USE_AGENT_STORE):
  // every rank connects as a client.
  bool agent_store = false;
};

// The rank from the environment; world size 1 when WORLD_SIZE is unset. Errors name the
// variable and the value that is wrong.
absl::StatusOr<RankInfo> rank_from_environment();

// Sets the environment rank_from_environment() reads (for launched children).
void export_rank_environment(const RankInfo& info);

class DataParallel {
 public:
  // Connects to the other ranks (blocks until all have joined, at most `timeout`). Every
  // collective afterwards fails with an exception, never a hang, when a peer has died or has
  // not answered within `timeout`.
  DataParallel(const RankInfo& info, std::chrono::milliseconds timeout);
  // In-process ranks (tests): the ranks share `store_key`'s in-memory store instead of a TCP
  // rendezvous; each runs on its own thread.
  DataParallel(int rank, int world_size, const std::string& store_key,
               std::chrono::milliseconds timeout);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

  // Rank 0's parameters and buffers (σReparam's u and sigma included) onto every rank.
  void broadcast_module(torch::nn::Module& module);
  // Rank 0's `bytes` on every rank (e.g. a checkpoint read by rank 0 alone).
  std::string broadcast_bytes(const std::string& bytes);

  // Averages the gradients of `parameters` (those that require gradient) over the ranks from
  // the next backward pass on: call before every backward pass with its loss. Buckets hold at
  // most `bucket_bytes` (the last-produced gradients first, as PyTorch's DDP).
  void attach(const std::vector<at::Tensor>& parameters, int64_t bucket_bytes = 25 << 20);
  void prepare_for_backward(const at::Tensor& loss);

  // Element-wise mean of `values` over the ranks (one small all-reduce).
  std::vector<double> mean(const std::vector<double>& values);
  // Throws, naming the first differing tensor, unless every rank holds bit-identical
  // parameters and buffers: the data-parallel invariant.
  void check_replicas_agree(const torch::nn::Module& module);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, world_size_ = 1;
};

}  // namespace experiments
