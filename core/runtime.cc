#include "core/runtime.h"

#include "core/blas_core.h"

#include <ATen/Parallel.h>
#include <limits.h>
#include <link.h>
#include <malloc.h>
#include <sched.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace core {
namespace {

int find_blas(struct dl_phdr_info* info, size_t, void* data) {
  const char* name = info->dlpi_name;
  if (name != nullptr && std::strstr(name, "libblas.so") != nullptr) {
    char resolved[PATH_MAX];
    *static_cast<std::string*>(data) = realpath(name, resolved) ? resolved : name;
    return 1;
  }
  return 0;
}

}  // namespace

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return 1;
}

int default_threads() {
  const char* env = std::getenv("OMP_NUM_THREADS");
  if (env != nullptr) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0 && n <= 4096) return static_cast<int>(n);
  }
  return available_cores();
}

static void keep_freed_memory() {
  // glibc serves blocks above 128 KiB-32 MiB (its adaptive threshold) with fresh mmap()s and
  // returns them on free, so each step's large tensors (a language model's 2048 x 2048 logits
  // and their gradient, 16 MB each) fault in every page again: 9 ms of an LM step of 115 ms
  // here. Served from the heap and kept after free, they are reused warm. Peak memory is
  // unchanged; the process keeps its high-water mark. MALLOC_MMAP_THRESHOLD_ in the
  // environment still wins.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

RuntimeInfo configure_runtime(int threads) {
  static const bool malloc_configured = (keep_freed_memory(), true);
  (void)malloc_configured;
  RuntimeInfo info;
  info.threads = threads > 0 ? threads : default_threads();
  at::set_num_threads(info.threads);
  dl_iterate_phdr(find_blas, &info.blas);
  const std::string kernels = openblas_core();
  if (!kernels.empty()) {
    const std::string replaced = replaced_openblas_core();
    info.blas += " (OpenBLAS " + kernels + " kernels" +
                 (replaced.empty() ? std::string()
                                   : ", in place of its own choice " + replaced + " on this CPU") +
                 ")";
  }
  // Debian's reference BLAS lives in .../blas/libblas.so.3; OpenBLAS in .../openblas-*/.
  info.reference_blas = !info.blas.empty() && info.blas.find("openblas") == std::string::npos;
  static bool warned = false;
  if (info.reference_blas && !warned) {
    warned = true;
    std::fprintf(stderr,
                 "WARNING: LibTorch is using the reference BLAS (%s), about 40x slower than "
                 "OpenBLAS here. Run tools/setup.sh (it installs libopenblas0-openmp).\n",
                 info.blas.c_str());
  }
  return info;
}

}  // namespace core
