// main() of the Google Benchmark binaries: sets LibTorch's threads (all cores) and warns on
// the reference BLAS before running, so that every benchmark measures the configured runtime.
#include <benchmark/benchmark.h>

#include "core/runtime.h"

int main(int argc, char** argv) {
  core::configure_runtime(/*threads=*/0);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
