// Trains any spec of any family linked into the binary (//experiments:train links them all;
// the sweep starts it once per run):
//
//   bazel run //experiments:train -- --spec=experiments/lm/specs/baseline.textproto --steps=100
#include "experiments/engine/experiment_main.h"

int main(int argc, char** argv) {
  return experiments::experiment_main(argc, argv, experiments::ExperimentBinary{});
}
