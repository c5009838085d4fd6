// The ViT experiment binaries. vit_sigma and vit_baseline differ only in their default spec
// (VIT_DEFAULT_SPEC, set in experiments/vit/BUILD):
//   bazel run //experiments:vit_sigma       experiments/vit/specs/sigma_reparam.textproto
//   bazel run //experiments:vit_baseline    experiments/vit/specs/baseline.textproto
// Either runs any ViT spec: --spec=experiments/vit/specs/<variant>.textproto
#include "experiments/engine/experiment_main.h"

int main(int argc, char** argv) {
  experiments::ExperimentBinary binary;
  binary.default_spec = VIT_DEFAULT_SPEC;
  return experiments::experiment_main(argc, argv, binary);
}
