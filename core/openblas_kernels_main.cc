// Prints the OpenBLAS kernel set this suite's binaries run with on this machine (after the
// start-up check of core/blas_core.h), e.g. "SkylakeX", and on a second line what OpenBLAS had
// chosen by itself when that differs. tools/benchmark.sh exports it as OPENBLAS_CORETYPE so that
// PyTorch eager runs the same kernels.
#include <cstdio>
#include <string>

#include "core/blas_core.h"

int main() {
  const std::string active = core::openblas_core();
  if (active.empty()) {
    std::fprintf(stderr, "the loaded BLAS is not OpenBLAS\n");
    return 1;
  }
  std::printf("%s\n", active.c_str());
  const std::string replaced = core::replaced_openblas_core();
  if (!replaced.empty()) std::printf("(OpenBLAS chose %s by itself)\n", replaced.c_str());
  return 0;
}
