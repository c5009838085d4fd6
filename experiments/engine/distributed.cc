#include "experiments/engine/distributed.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef SIGMA_CUDA
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#include <torch/nn/module.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

namespace experiments {
namespace {

// An environment variable as an integer in [lo, hi]; `fallback` when unset.
absl::StatusOr<int> env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  int x = 0;
  if (!absl::SimpleAtoi(v, &x) || x < lo || x > hi) {
    return absl::InvalidArgumentError(absl::StrCat("environment variable ", name, "=\"", v,
                                                   "\": expected an integer in [", lo, ", ", hi,
                                                   "]"));
  }
  return x;
}

// The shared in-memory stores of in-process ranks, by key.
c10::intrusive_ptr<c10d::Store> shared_hash_store(const std::string& key) {
  static std::mutex mutex;
  static std::map<std::string, c10::intrusive_ptr<c10d::Store>> stores;
  std::lock_guard<std::mutex> lock(mutex);
  auto& store = stores[key];
  if (!store) store = c10::make_intrusive<c10d::HashStore>();
  return store;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1";
}

}  // namespace

absl::StatusOr<RankInfo> rank_from_environment() {
  RankInfo info;
  absl::StatusOr<int> world = env_int("WORLD_SIZE", 1, 1, 1 << 20);
  if (!world.ok()) return world.status();
  info.world_size = *world;
  absl::StatusOr<int> rank = env_int("RANK", 0, 0, info.world_size - 1);
  if (!rank.ok()) return rank.status();
  info.rank = *rank;
  absl::StatusOr<int> local = env_int("LOCAL_RANK", info.rank, 0, 1 << 20);
  if (!local.ok()) return local.status();
  info.local_rank = *local;
  absl::StatusOr<int> port = env_int("MASTER_PORT", 29500, 1, 65535);
  if (!port.ok()) return port.status();
  info.master_port = *port;
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0') {
    info.master_addr = addr;
  } else if (info.world_size > 1) {
    return absl::InvalidArgumentError(
        "WORLD_SIZE > 1 but MASTER_ADDR is unset: set MASTER_ADDR and MASTER_PORT to rank 0's "
        "address (torchrun's convention), or start local ranks with --nproc_per_node=N");
  }
  const char* agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  info.agent_store = agent != nullptr && std::strcmp(agent, "True") == 0;
  return info;
}

void export_rank_environment(const RankInfo& info) {
  setenv("WORLD_SIZE", std::to_string(info.world_size).c_str(), 1);
  setenv("RANK", std::to_string(info.rank).c_str(), 1);
  setenv("LOCAL_RANK", std::to_string(info.local_rank).c_str(), 1);
  setenv("MASTER_ADDR", info.master_addr.c_str(), 1);
  setenv("MASTER_PORT", std::to_string(info.master_port).c_str(), 1);
  if (info.agent_store) {
    setenv("TORCHELASTIC_USE_AGENT_STORE", "True", 1);
  } else {
    unsetenv("TORCHELASTIC_USE_AGENT_STORE");
  }
}

// One c10d process group with a backend per device type: Gloo for CPU tensors (the run's
// decisions, flags and checkpoint bytes always travel over it), and NCCL for CUDA tensors
// (gradients, parameters) in a GPU build; a CPU build sends everything over Gloo.
struct DataParallel::Impl {
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::shared_ptr<c10d::Reducer> reducer;

  void connect(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world,
               std::chrono::milliseconds timeout, const std::string& host) {
    const auto prefixed = c10::make_intrusive<c10d::PrefixStore>("sigma_reparam", store);
    group = c10::make_intrusive<c10d::ProcessGroup>(prefixed, rank, world);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    } else if (is_loopback(host)) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    options->threads = 1;
    auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo", prefixed), rank, world, options);
    group->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
    group->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, gloo);
#ifdef SIGMA_CUDA
    auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
    nccl_options->timeout = timeout;
    auto nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
        c10::make_intrusive<c10d::PrefixStore>("nccl", prefixed), rank, world, nccl_options);
    group->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::NCCL, nccl);
#else
    group->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::GLOO, gloo);
#endif
  }

  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
      work->wait();
    } catch (const c10::Error& e) {
      throw std::runtime_error(absl::StrCat("data parallel ", what,
                                            " failed: ", e.what_without_backtrace(),
                                            " (a rank died, hung or timed out)"));
    } catch (const std::exception& e) {
      throw std::runtime_error(absl::StrCat("data parallel ", what, " failed: ", e.what(),
                                            " (a rank died, hung or timed out)"));
    }
  }
};

DataParallel::DataParallel(const RankInfo& info, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()), rank_(info.rank), world_size_(info.world_size) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(info.master_port);
  options.isServer = info.rank == 0 && !info.agent_store;
  options.numWorkers = info.world_size;
  options.waitWorkers = false;
  options.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(info.master_addr, options);
    impl_->connect(store, rank_, world_size_, timeout, info.master_addr);
  } catch (const std::exception& e) {
    throw std::runtime_error(absl::StrCat("rank ", rank_, " of ", world_size_,
                                          ": cannot join the rendezvous at ", info.master_addr, ":",
                                          info.master_port, ": ", e.what()));
  }
}

DataParallel::DataParallel(int rank, int world_size, const std::string& store_key,
                           std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()), rank_(rank), world_size_(world_size) {
  impl_->connect(shared_hash_store(store_key), rank, world_size, timeout, "127.0.0.1");
}

DataParallel::~DataParallel() = default;

void DataParallel::broadcast_module(torch::nn::Module& module) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors;
  for (const auto& p : module.parameters()) tensors.push_back(p);
  for (const auto& b : module.buffers()) tensors.push_back(b);
  // One flat message: the tensors are small and many (float -> double -> float is exact).
  std::vector<at::Tensor> parts = {at::zeros({0}, at::kDouble)};
  for (const auto& t : tensors) parts.push_back(t.detach().to(at::kDouble).reshape(-1));
  std::vector<at::Tensor> flat = {at::cat(parts)};
  impl_->wait(impl_->group->broadcast(flat), "broadcast of the parameters");
  int64_t offset = 0;
  for (auto& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(flat[0].narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

std::string DataParallel::broadcast_bytes(const std::string& bytes) {
  std::vector<at::Tensor> size = {at::full({1}, static_cast<int64_t>(bytes.size()), at::kLong)};
  impl_->wait(impl_->group->broadcast(size), "broadcast");
  const int64_t n = size[0].item<int64_t>();
  std::vector<at::Tensor> data = {at::empty({n}, at::kByte)};
  if (rank_ == 0) std::memcpy(data[0].data_ptr(), bytes.data(), n);
  if (n > 0) impl_->wait(impl_->group->broadcast(data), "broadcast");
  return std::string(static_cast<const char*>(data[0].data_ptr()), n);
}

void DataParallel::attach(const std::vector<at::Tensor>& parameters, int64_t bucket_bytes) {
  std::vector<at::Tensor> trained;
  for (const auto& p : parameters) {
    if (p.requires_grad()) trained.push_back(p);
  }
  // As PyTorch's DDP: parameters in reverse order of definition (their gradients arrive
  // roughly in that order), a small first bucket so that communication starts early.
  std::vector<int64_t> order;
  for (int64_t i = static_cast<int64_t>(trained.size()) - 1; i >= 0; --i) order.push_back(i);
  const size_t first_bucket = std::min<int64_t>(bucket_bytes, 1 << 20);
  auto [buckets, limits] = c10d::compute_bucket_assignment_by_size(
      trained, {first_bucket, static_cast<size_t>(bucket_bytes)},
      std::vector<bool>(trained.size(), false), order);
  impl_->reducer = std::make_shared<c10d::Reducer>(
      trained, buckets, impl_->group, std::vector<bool>(trained.size(), false), bucket_bytes,
      /*find_unused_parameters=*/false, /*gradient_as_bucket_view=*/false,
      std::unordered_map<size_t, std::string>{}, static_cast<int64_t>(first_bucket),
      /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false,
      std::vector<int64_t>(limits.begin(), limits.end()));
}

void DataParallel::prepare_for_backward(const at::Tensor& loss) {
  if (!impl_->reducer) throw std::logic_error("DataParallel::attach was not called");
  impl_->reducer->prepare_for_forward();
  impl_->reducer->prepare_for_backward({loss});
}

std::vector<double> DataParallel::mean(const std::vector<double>& values) {
  std::vector<at::Tensor> t = {
      at::tensor(at::ArrayRef<double>(values.data(), values.size()), at::kDouble)};
  impl_->wait(impl_->group->allreduce(t), "all-reduce");
  t[0].div_(world_size_);
  const double* p = t[0].data_ptr<double>();
  return std::vector<double>(p, p + values.size());
}

void DataParallel::check_replicas_agree(const torch::nn::Module& module) {
  // Per tensor, its bits summed as integers: equal on every rank iff (almost surely) the
  // tensors are bit-identical. MAX and MIN over the ranks must then agree.
  std::vector<std::string> names;
  std::vector<int64_t> fingerprints;
  const auto add = [&](const std::string& name, const at::Tensor& t) {
    at::Tensor bits = t.detach().contiguous().view(at::kInt).reshape(-1).to(at::kLong);
    fingerprints.push_back(
        (bits * at::arange(1, bits.numel() + 1, at::kLong)).sum().item<int64_t>());
    names.push_back(name);
  };
  for (const auto& p : module.named_parameters()) add(p.key(), p.value());
  for (const auto& b : module.named_buffers()) {
    if (b.value().scalar_type() == at::kFloat) add(b.key(), b.value());
  }
  at::Tensor local = at::tensor(fingerprints, at::kLong);
  std::vector<at::Tensor> hi = {local.clone()}, lo = {local.clone()};
  c10d::AllreduceOptions max_op, min_op;
  max_op.reduceOp = c10d::ReduceOp::MAX;
  min_op.reduceOp = c10d::ReduceOp::MIN;
  impl_->wait(impl_->group->allreduce(hi, max_op), "replica check");
  impl_->wait(impl_->group->allreduce(lo, min_op), "replica check");
  at::Tensor differ = hi[0].ne(lo[0]).nonzero();
  if (differ.numel() > 0) {
    throw std::runtime_error("data parallel ranks out of sync: " +
                             names[differ[0][0].item<int64_t>()] + " differs between ranks");
  }
}

}  // namespace experiments
