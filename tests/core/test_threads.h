// The LibTorch thread count of tests that train: 2, or OMP_NUM_THREADS when it is set, so that
// `bazel test //... --test_env=OMP_NUM_THREADS=1` runs the whole suite single-threaded
// (docs/tolerances.md).
#pragma once

#include <cstdlib>

#include "core/runtime.h"

namespace testing_threads {

inline int threads() {
  return std::getenv("OMP_NUM_THREADS") != nullptr ? core::default_threads() : 2;
}

}  // namespace testing_threads
