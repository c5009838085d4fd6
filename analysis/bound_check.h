// Theorem 3.1 checked numerically and against trained models (docs/method.md): the entropy of many
// random and adversarial logit vectors of centred norm s never falls below the bound, the
// adversarial search reaches it, and the attaining vector meets it; and the attention heads of
// trained runs (RunResult.attention_probe) all sit above it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/run_reader.h"

namespace analysis {

struct BoundCheckRow {
  int64_t keys = 0;  // T
  double s = 0;
  double bound = 0;
  int random = 0, adversarial = 0;     // vectors tried
  double min_entropy_random = 0;       // lowest entropy among the random vectors
  double min_entropy_adversarial = 0;  // lowest entropy the adversarial search reached
  double attaining_entropy = 0;        // entropy of sigma::attaining_logits(s, T)
};

struct BoundCheck {
  std::vector<BoundCheckRow> rows;
  double worst_slack = 0;      // min over all vectors of entropy - bound (>= 0 if the bound holds)
  double worst_attaining = 0;  // max |entropy(attaining) - bound|
  bool held(double tolerance = 1e-9) const {
    return worst_slack >= -tolerance && worst_attaining <= tolerance;
  }
};

// For every T x s: `random` vectors (half Gaussian, half with 1-3 large coordinates) scaled to
// centred norm s, and `adversarial` projected-gradient searches that minimise the entropy on
// that sphere from random starts. Deterministic in `seed`.
BoundCheck check_entropy_bound(const std::vector<int64_t>& keys, const std::vector<double>& s,
                               int random, int adversarial, uint64_t seed);

// Per-head Theorem 3.1 points of trained runs, grouped by method (spec name before "_lr").
struct HeadPoint {
  double max_logit_norm = 0, mean_entropy = 0, min_bound_slack = 0;
  int64_t keys = 0;
};
struct MethodProbes {
  std::string method;
  int runs = 0;
  std::vector<HeadPoint> heads;
};
std::vector<MethodProbes> head_probes(const std::vector<RunRecord>& runs);

// Draws the bound against s for each T with the adversarial minima on it (top), and the bound
// for the probes' T on a log-s axis with every trained head as a point, one colour per method
// (bottom). device: "pngcairo" or "svgcairo".
void draw_bound_figure(const BoundCheck& check, const std::vector<MethodProbes>& probes,
                       const std::string& device, const std::string& file);

}  // namespace analysis
