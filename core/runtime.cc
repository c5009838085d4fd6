#include "core/runtime.h"

#include <ATen/Parallel.h>
#include <limits.h>
#include <link.h>
#include <sched.h>
#include <stdlib.h>

#include <cstdio>
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

RuntimeInfo configure_runtime(int threads) {
  RuntimeInfo info;
  info.threads = threads > 0 ? threads : available_cores();
  at::set_num_threads(info.threads);
  dl_iterate_phdr(find_blas, &info.blas);
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
