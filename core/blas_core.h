// OpenBLAS's kernel choice. OpenBLAS (0.3.21, Debian 12) picks its kernels from the CPU model
// at load time; on a CPU newer than it knows (e.g. Intel's 5th-generation Xeon, family 6 model
// 207) it falls back to the generic SSE3 "Prescott" kernels, 7x slower at a 512 x 512 matrix
// product than its AVX-512 ones on the same machine. Every binary of the suite links
// //core:blas_core (through //third_party/torch), which notices that case before main() and
// starts the process again with OPENBLAS_CORETYPE naming the AVX2 or AVX-512 kernels the CPU
// supports. A user's own OPENBLAS_CORETYPE is never overridden.
#pragma once

#include <string>

namespace core {

// The kernel set OpenBLAS is using ("SkylakeX", "Zen", "Prescott", ...), "" if the loaded BLAS
// is not OpenBLAS.
std::string openblas_core();

// The kernel set to ask for instead of `active`, or "" to keep it: an AVX2 CPU on a kernel set
// without AVX2 gets "SkylakeX" (AVX-512 F, BW, DQ, VL, CD) or "Haswell" (AVX2 and FMA).
std::string better_openblas_core(const std::string& active, bool avx2_fma, bool avx512);

// This CPU's vector extensions as the decision rule counts them: AVX2 with FMA; AVX-512 F, BW,
// DQ, VL and CD.
bool cpu_has_avx2_fma();
bool cpu_has_avx512();

// What OpenBLAS chose by itself when the suite replaced it (the process was started again with
// OPENBLAS_CORETYPE set), else "".
std::string replaced_openblas_core();

}  // namespace core
