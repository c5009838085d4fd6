// Where a run trains (run.device, --device): the name's grammar, and whether this binary and
// this machine can train there. A request this machine cannot serve is refused before the run
// directory is touched.
#pragma once

#include <absl/status/statusor.h>
#include <c10/core/Device.h>

#include <string>

namespace experiments {

struct DeviceName {
  bool cuda = false;
  int index = -1;  // "cuda:N": N; "cuda": -1, the rank's LOCAL_RANK (0 alone)
};

// "cpu", "cuda" or "cuda:N" (N >= 0); anything else is an error naming the value.
absl::StatusOr<DeviceName> parse_device(const std::string& name);

// True when this binary links LibTorch's CUDA libraries (bazel --config=cuda).
bool built_with_cuda();

// The device this process trains on: run.device for the rank with LOCAL_RANK `local_rank` of
// `local_ranks` on its machine. Errors say what is missing: a CUDA build, a visible GPU, or
// enough of them for the ranks.
absl::StatusOr<c10::Device> resolve_device(const std::string& name, int local_rank,
                                           int local_ranks);

}  // namespace experiments
