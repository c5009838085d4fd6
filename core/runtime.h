// Process set-up shared by every binary: LibTorch's thread count, glibc's allocator, and what
// the run record says of the BLAS (LibTorch 2.x carries MKL and oneDNN inside libtorch_cpu.so;
// both choose their kernels from the CPU's features at run time).
#pragma once

#include <string>

namespace core {

struct RuntimeInfo {
  int threads = 1;   // LibTorch intra-op threads in use
  std::string blas;  // e.g. "mkl (LibTorch 2.11.0, CPU capability AVX512)"
};

// Once per process, keeps large freed blocks in glibc's heap for reuse (see runtime.cc).
// Sets LibTorch's intra-op thread count (`threads` <= 0: default_threads()) and returns what it
// found.
RuntimeInfo configure_runtime(int threads);

// Cores this process may run on (sched_getaffinity), at least 1.
int available_cores();

// The thread count a run gets when it names none: OMP_NUM_THREADS when it is a positive
// integer (as LibTorch's own default), else available_cores().
int default_threads();

}  // namespace core
