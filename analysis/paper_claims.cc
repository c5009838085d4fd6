#include "analysis/paper_claims.h"

namespace analysis {

std::string paper_claim(const sigma_reparam::ExperimentSpec& spec) {
  if (spec.has_lm()) {
    const auto& t = spec.lm().transformer();
    if (t.reparam() == sigma_reparam::SIGMA_REPARAM && t.norm() == sigma_reparam::NO_NORM) {
      return "a causal LM with σReparam and no LayerNorm matches the baseline (claim 4)";
    }
    return "";
  }
  if (!spec.has_vit()) return "";
  const auto& t = spec.vit().transformer();
  const bool adaptive = spec.optimizer().kind() == sigma_reparam::OptimizerSpec::ADAMW ||
                        spec.optimizer().kind() == sigma_reparam::OptimizerSpec::ADAGRAD;
  if (t.reparam() == sigma_reparam::SIGMA_REPARAM) {
    if (t.norm() == sigma_reparam::NO_NORM && !adaptive) {
      return "trains to competitive accuracy without LayerNorm, warmup, weight decay or an "
             "adaptive optimiser (claim 4a)";
    }
    return "prevents entropy collapse and stabilises training (claim 2)";
  }
  if (t.reparam() == sigma_reparam::NONE && !t.qk_norm()) {
    return "low attention entropy accompanies instability; at 2x the default LR the DeiT "
           "baseline's entropy collapses and training diverges (claims 1, 5)";
  }
  return "";
}

}  // namespace analysis
