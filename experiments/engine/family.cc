#include "experiments/engine/family.h"

#include <cstdio>
#include <cstdlib>
#include <deque>

namespace experiments {
namespace {

std::deque<Family>& registry() {
  static auto* r = new std::deque<Family>();
  return *r;
}

}  // namespace

bool register_family(Family family) {
  if (find_family(family.model) != nullptr) {
    std::fprintf(stderr, "fatal: two families registered for model '%s'\n",
                 model_name(family.model).c_str());
    std::abort();
  }
  registry().push_back(std::move(family));
  return true;
}

const Family* find_family(sigma_reparam::ExperimentSpec::ModelCase model) {
  for (const Family& f : registry()) {
    if (f.model == model) return &f;
  }
  return nullptr;
}

std::vector<const Family*> families() {
  std::vector<const Family*> out;
  for (const Family& f : registry()) out.push_back(&f);
  return out;
}

std::string model_name(sigma_reparam::ExperimentSpec::ModelCase model) {
  if (model == sigma_reparam::ExperimentSpec::MODEL_NOT_SET) return "no model";
  const auto* field = sigma_reparam::ExperimentSpec::descriptor()->FindFieldByNumber(model);
  return field != nullptr ? field->name() : "unknown model";
}

}  // namespace experiments
