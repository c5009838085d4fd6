// Debian's libtorch-dev ships c10d's reducer.hpp but not the distributed-autograd header it
// includes. The reducer only names two things from it (a gradient callback type and a
// shared_ptr to the RPC autograd context, which data-parallel training without RPC leaves
// null), so these declarations are all it needs; the layout of shared_ptr and of a pointer does
// not depend on the pointee, so the Reducer objects built here match libtorch_cpu.so.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};
using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
