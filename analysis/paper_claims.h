// The paper's own claims (docs/method.md), typed in by hand and always shown labelled as the paper's,
// beside the results our runs produced. Nothing else in analysis/ is typed in.
#pragma once

#include <string>

#include "experiments/spec.pb.h"

namespace analysis {

// The claim that a variant's table row tests, chosen from the spec's model settings; "" if the
// paper makes none for it.
std::string paper_claim(const sigma_reparam::ExperimentSpec& spec);

}  // namespace analysis
