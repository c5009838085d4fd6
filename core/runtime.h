// Process set-up shared by every binary: LibTorch's thread count and the BLAS check.
//
// Debian's LibTorch reads the core count as 1 and would run single-threaded, and it calls
// whatever libblas.so.3 the system alternative points to: the reference BLAS is ~40x slower
// than OpenBLAS here (README, "Speed").
#pragma once

#include <string>

namespace core {

struct RuntimeInfo {
  int threads = 1;   // LibTorch intra-op threads in use
  std::string blas;  // resolved path of the loaded libblas.so.3
  bool reference_blas = false;
};

// Once per process, keeps large freed blocks in glibc's heap for reuse (see runtime.cc).
// Sets LibTorch's intra-op thread count (`threads` <= 0: default_threads()), warns once on
// stderr if the reference BLAS is loaded, and returns what it found.
RuntimeInfo configure_runtime(int threads);

// Cores this process may run on (sched_getaffinity), at least 1.
int available_cores();

// The thread count a run gets when it names none: OMP_NUM_THREADS when it is a positive
// integer (as LibTorch's own default), else available_cores().
int default_threads();

}  // namespace core
