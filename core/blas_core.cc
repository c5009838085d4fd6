#include "core/blas_core.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <set>
#include <vector>

namespace core {
namespace {

// Set in the restarted process: the kernel set OpenBLAS had chosen itself.
constexpr char kReplacedVar[] = "SIGMA_OPENBLAS_REPLACED_CORE";

// Before main(): restarts the process with a better OPENBLAS_CORETYPE when OpenBLAS fell back to
// kernels below what the CPU supports. Silent; the run record names the kernel set
// (core::configure_runtime).
void restart_with_better_kernels() {
  if (getenv("OPENBLAS_CORETYPE") != nullptr) return;  // the user's (or our earlier) choice
  const std::string active = openblas_core();
  if (active.empty()) return;
  const std::string better = better_openblas_core(active, cpu_has_avx2_fma(), cpu_has_avx512());
  if (better.empty()) return;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.eof() || cmdline.empty()) return;
  std::vector<std::string> args;
  std::string::size_type start = 0;
  while (start < cmdline.size()) {
    const std::string::size_type end = cmdline.find('\0', start);
    args.push_back(cmdline.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
  setenv(kReplacedVar, active.c_str(), 1);
  execv("/proc/self/exe", argv.data());
  // exec failed: carry on with OpenBLAS's own choice, and say nothing false about it.
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv(kReplacedVar);
}

const bool restarted = (restart_with_better_kernels(), true);

}  // namespace

std::string openblas_core() {
  using Fn = char* (*)();
  const auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (fn == nullptr) return "";
  const char* name = fn();
  return name != nullptr ? name : "";
}

std::string better_openblas_core(const std::string& active, bool avx2_fma, bool avx512) {
  // OpenBLAS 0.3.21's x86-64 kernel sets with AVX2 and FMA (its names, any case).
  static const std::set<std::string> with_avx2 = {"haswell", "skylakex", "cooperlake",
                                                  "sapphirerapids", "zen", "excavator"};
  // "Unknown": OpenBLAS not initialised (or a name this code cannot judge): keep it.
  if (!avx2_fma) return "";
  std::string lower;
  for (const char c : active) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower.empty() || lower == "unknown" || with_avx2.count(lower) > 0) return "";
  return avx512 ? "SkylakeX" : "Haswell";
}

bool cpu_has_avx2_fma() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512cd");
}

std::string replaced_openblas_core() {
  (void)restarted;
  const char* v = getenv(kReplacedVar);
  return v != nullptr ? v : "";
}

}  // namespace core
