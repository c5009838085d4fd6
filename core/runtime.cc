#include "core/runtime.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/version.h>
#include <malloc.h>
#include <sched.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace core {
namespace {

// "<BLAS_INFO> (LibTorch <version>, CPU capability <level>)" from LibTorch's build
// configuration, e.g. "mkl (LibTorch 2.11.0, CPU capability AVX512)".
std::string libtorch_blas() {
  const std::string config = at::show_config();
  const auto field = [&config](const std::string& key, const std::string& end) {
    const size_t at = config.find(key);
    if (at == std::string::npos) return std::string("unknown");
    const size_t from = at + key.size();
    return config.substr(from, config.find_first_of(end, from) - from);
  };
  return field("BLAS_INFO=", ",\n") + " (LibTorch " + TORCH_VERSION + ", CPU capability " +
         field("CPU capability usage: ", "\n") + ")";
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
  info.blas = libtorch_blas();
  return info;
}

}  // namespace core
