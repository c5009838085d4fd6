#include <absl/strings/str_cat.h>
#include <torch/cuda.h>

#include "experiments/engine/device.h"

namespace experiments {

bool built_with_cuda() {
#ifdef SIGMA_CUDA
  return true;
#else
  return false;
#endif
}

absl::StatusOr<c10::Device> resolve_device(const std::string& name, int local_rank,
                                           int local_ranks) {
  absl::StatusOr<DeviceName> d = parse_device(name);
  if (!d.ok()) return d.status();
  if (!d->cuda) return c10::Device(c10::kCPU);
  const std::string what = absl::StrCat("--device=", name, " (run.device)");
  if (!built_with_cuda()) {
    return absl::FailedPreconditionError(absl::StrCat(
        what,
        ": this binary is the CPU build; build the GPU one with "
        "`bazel build --config=cuda` on a machine with NVIDIA's driver (docs/experiments.md, \"GPUs\"), "
        "or train with --device=cpu"));
  }
  const int64_t visible = static_cast<int64_t>(torch::cuda::device_count());
  if (visible == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(what,
                     ": no CUDA device is visible (torch::cuda::device_count() is 0: no GPU, no "
                     "driver, or CUDA_VISIBLE_DEVICES hides them); train with --device=cpu"));
  }
  if (d->index >= 0 && local_ranks > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " with ", local_ranks,
                     " ranks on this machine: name \"cuda\", and each rank "
                     "takes the GPU of its LOCAL_RANK"));
  }
  const int64_t index = d->index >= 0 ? d->index : local_rank;
  if (index >= visible || (d->index < 0 && local_ranks > visible)) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": ", visible, " CUDA device(s) visible, but ",
        d->index >= 0 ? absl::StrCat("cuda:", d->index, " asked for")
                      : absl::StrCat(local_ranks, " ranks on this machine need one each")));
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace experiments
