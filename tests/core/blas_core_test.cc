// OpenBLAS's kernel choice (core/blas_core.h): the decision rule, that this very process runs
// kernels the CPU supports, and that a user's OPENBLAS_CORETYPE is kept as given.
#include "core/blas_core.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <iostream>
#include <string>

namespace {

using core::better_openblas_core;

TEST(BlasCoreTest, AnAvx2CpuOnPreAvx2KernelsGetsBetterOnes) {
  EXPECT_EQ(better_openblas_core("Prescott", true, true), "SkylakeX");
  EXPECT_EQ(better_openblas_core("Prescott", true, false), "Haswell");
  EXPECT_EQ(better_openblas_core("Nehalem", true, false), "Haswell");
  EXPECT_EQ(better_openblas_core("Sandybridge", true, true), "SkylakeX");
}

TEST(BlasCoreTest, KernelsWithAvx2OrOlderCpusAreKept) {
  for (const char* k : {"Haswell", "SkylakeX", "Cooperlake", "Zen", "ZEN", "SapphireRapids"}) {
    EXPECT_EQ(better_openblas_core(k, true, true), "") << k;
  }
  EXPECT_EQ(better_openblas_core("Prescott", false, false), "") << "a CPU without AVX2";
  EXPECT_EQ(better_openblas_core("Unknown", true, true), "") << "OpenBLAS not initialised";
  EXPECT_EQ(better_openblas_core("", true, true), "") << "not OpenBLAS";
}

TEST(BlasCoreTest, ThisProcessRunsKernelsTheCpuSupports) {
  const std::string active = core::openblas_core();
  std::cout << "OpenBLAS kernels: " << active << " (replacing: " << core::replaced_openblas_core()
            << ", OPENBLAS_CORETYPE=" << (getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "")
            << ")\n";
  if (active.empty()) GTEST_SKIP() << "the loaded BLAS is not OpenBLAS";
  const bool avx2 = core::cpu_has_avx2_fma();
  const bool avx512 = core::cpu_has_avx512();
  const char* user = getenv("OPENBLAS_CORETYPE");
  if (user != nullptr && core::replaced_openblas_core().empty()) {
    GTEST_SKIP() << "OPENBLAS_CORETYPE=" << user << " was set by the caller";
  }
  EXPECT_EQ(better_openblas_core(active, avx2, avx512), "")
      << "OpenBLAS runs " << active << " kernels on a CPU with AVX2";
}

std::string child_kernels(const std::string& env) {
  const std::string cmd = env + " /proc/" + std::to_string(getpid()) +
                          "/exe --gtest_filter=BlasCoreTest.ThisProcessRunsKernelsTheCpuSupports 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (p != nullptr && fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (p != nullptr) pclose(p);
  return out;
}

TEST(BlasCoreTest, AUsersChoiceIsKept) {
  if (core::openblas_core().empty()) GTEST_SKIP() << "the loaded BLAS is not OpenBLAS";
  const std::string out = child_kernels("OPENBLAS_CORETYPE=Sandybridge");
  EXPECT_NE(out.find("OpenBLAS kernels: Sandybridge (replacing: ,"), std::string::npos) << out;
}

}  // namespace
