// The SimCLR experiment binaries. simclr and simclr_baseline differ only in their default spec
// (SIMCLR_DEFAULT_SPEC, set in experiments/simclr/BUILD):
//   bazel run //experiments:simclr            specs/sigma_pre_ln.textproto (σReparam + pre-LN)
//   bazel run //experiments:simclr_baseline   specs/baseline.textproto (pre-LN)
// Either runs any SimCLR spec: --spec=experiments/simclr/specs/<variant>.textproto
#include "experiments/engine/experiment_main.h"

int main(int argc, char** argv) {
  experiments::ExperimentBinary binary;
  binary.default_spec = SIMCLR_DEFAULT_SPEC;
  return experiments::experiment_main(argc, argv, binary);
}
