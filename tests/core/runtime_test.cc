// The default thread count: OMP_NUM_THREADS when it is a positive integer, else the cores this
// process may run on; configure_runtime applies it when a run names no thread count.
#include "core/runtime.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <stdlib.h>

namespace {

TEST(RuntimeTest, DefaultThreadsFollowOmpNumThreads) {
  unsetenv("OMP_NUM_THREADS");
  const int cores = core::available_cores();
  EXPECT_GE(cores, 1);
  EXPECT_EQ(core::default_threads(), cores);
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(core::default_threads(), 3);
  EXPECT_EQ(core::configure_runtime(0).threads, 3);
  EXPECT_EQ(at::get_num_threads(), 3);
  EXPECT_EQ(core::configure_runtime(1).threads, 1) << "an explicit count wins";
  for (const char* bad : {"0", "-2", "two", "3x", ""}) {
    setenv("OMP_NUM_THREADS", bad, 1);
    EXPECT_EQ(core::default_threads(), cores) << "OMP_NUM_THREADS=\"" << bad << "\"";
  }
  unsetenv("OMP_NUM_THREADS");
}

}  // namespace
