// The ViT experiment binaries. vit_sigma and vit_baseline differ only in their default spec
// (VIT_DEFAULT_SPEC, set in experiments/BUILD):
//   bazel run //experiments:vit_sigma       experiments/specs/vit/sigma_reparam.textproto
//   bazel run //experiments:vit_baseline    experiments/specs/vit/baseline.textproto
// Either runs any ViT spec: --spec=experiments/specs/vit/<variant>.textproto
#include "experiments/vit_experiment.h"

int main(int argc, char** argv) {
  return experiments::vit_experiment_main(argc, argv, VIT_DEFAULT_SPEC);
}
