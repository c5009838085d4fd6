#include "experiments/engine/sweep.h"

#include "core/files.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <google/protobuf/text_format.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/format.h"
#include "experiments/engine/spec_io.h"

namespace experiments {
namespace {

using sigma_reparam::ExperimentSpec;
using sigma_reparam::SweepSpec;

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<SweepSpec> load_sweep(const std::string& path) {
  const std::optional<std::string> text = core::try_read_file(path);
  if (!text) return absl::NotFoundError(absl::StrCat(path, ": cannot read sweep file"));
  SweepSpec sweep;
  absl::Status parsed = parse_text_message(*text, path, &sweep);
  if (!parsed.ok()) return parsed;
  std::vector<std::string> problems;
  if (!valid_name(sweep.name())) {
    problems.push_back("name: must be set, letters, digits, '_' or '-' (it names runs/<name>/)");
  }
  if (sweep.variant_size() == 0) problems.push_back("variant: at least one is needed");
  bool every_variant_has_lrs = sweep.variant_size() > 0;
  for (const auto& v : sweep.variant()) every_variant_has_lrs &= v.lr_size() > 0;
  if (sweep.lr_size() == 0 && !every_variant_has_lrs) {
    problems.push_back("lr: at least one is needed (or one list per variant)");
  }
  if (sweep.seed_size() == 0) problems.push_back("seed: at least one is needed");
  std::set<std::string> names;
  for (int i = 0; i < sweep.variant_size(); ++i) {
    const auto& v = sweep.variant(i);
    const std::string at = absl::StrCat("variant[", i, "]");
    if (!valid_name(v.name())) {
      problems.push_back(at + ".name: must be set, letters, digits, '_' or '-'; got '" + v.name() +
                         "'");
    } else if (!names.insert(v.name()).second) {
      problems.push_back(at + ".name: '" + v.name() + "' appears twice");
    }
    if (v.spec().empty()) problems.push_back(at + ".spec: must name a spec file");
    if (v.has_series() != v.has_x()) {
      problems.push_back(at + ": series and x go together (the line and its x position)");
    } else if (v.has_series() && !std::isfinite(v.x())) {
      problems.push_back(at + ".x: must be a finite number");
    }
    if (v.has_series() && sweep.x_label().empty()) {
      problems.push_back("x_label: must name the x axis when variants set series and x");
    }
  }
  const auto check_lrs = [&](const google::protobuf::RepeatedField<double>& list,
                             const std::string& at) {
    std::set<double> lrs;
    for (int i = 0; i < list.size(); ++i) {
      if (!(list[i] > 0) || !std::isfinite(list[i])) {
        problems.push_back(
            absl::StrCat(at, "lr[", i, "]: must be a positive number; got ", list[i]));
      } else if (!lrs.insert(list[i]).second) {
        problems.push_back(absl::StrCat(at, "lr[", i, "]: ", list[i], " appears twice"));
      }
    }
  };
  check_lrs(sweep.lr(), "");
  for (int i = 0; i < sweep.variant_size(); ++i) {
    check_lrs(sweep.variant(i).lr(), absl::StrCat("variant[", i, "]."));
  }
  std::set<int64_t> seeds;
  for (int i = 0; i < sweep.seed_size(); ++i) {
    if (sweep.seed(i) < 0) {
      problems.push_back(absl::StrCat("seed[", i, "]: must be >= 0; got ", sweep.seed(i)));
    } else if (!seeds.insert(sweep.seed(i)).second) {
      problems.push_back(absl::StrCat("seed[", i, "]: ", sweep.seed(i), " appears twice"));
    }
  }
  if (!problems.empty()) {
    std::string message = path + ": invalid sweep:";
    for (const auto& p : problems) absl::StrAppend(&message, "\n  ", p);
    return absl::InvalidArgumentError(message);
  }
  return sweep;
}

int64_t distinct_learning_rates(const sigma_reparam::SweepSpec& sweep) {
  std::set<double> lrs(sweep.lr().begin(), sweep.lr().end());
  for (const auto& v : sweep.variant()) lrs.insert(v.lr().begin(), v.lr().end());
  return static_cast<int64_t>(lrs.size());
}

absl::StatusOr<std::vector<PlannedRun>> plan_sweep(const std::string& path,
                                                   const std::string& workspace,
                                                   const std::string& runs_root) {
  absl::StatusOr<SweepSpec> sweep = load_sweep(path);
  if (!sweep.ok()) return sweep.status();
  const std::string root =
      (!runs_root.empty() && runs_root[0] == '/') ? runs_root : workspace + "/" + runs_root;
  std::vector<PlannedRun> plan;
  for (int i = 0; i < sweep->variant_size(); ++i) {
    const auto& v = sweep->variant(i);
    const std::string spec_path = v.spec()[0] == '/' ? v.spec() : workspace + "/" + v.spec();
    for (double lr : v.lr_size() > 0 ? v.lr() : sweep->lr()) {
      for (int64_t seed : sweep->seed()) {
        PlannedRun run;
        run.variant = v.name();
        run.lr = lr;
        run.seed = seed;
        run.name = absl::StrCat(v.name(), "_lr", core::format_lr(lr));
        run.dir = absl::StrCat(root, "/", sweep->name(), "/", run.name, "_s", seed);
        run.spec_path = spec_path;
        run.sets.assign(sweep->set().begin(), sweep->set().end());
        run.sets.insert(run.sets.end(), v.set().begin(), v.set().end());
        run.sets.push_back(absl::StrFormat("optimizer { lr: %.15g }", lr));
        run.sets.push_back(absl::StrCat("name: \"", run.name, "\""));
        run.sets.push_back(absl::StrCat("run { seed: ", seed, " }"));
        sigma_reparam::RunIdentity identity;
        identity.set_sweep(sweep->name());
        identity.set_variant(v.name());
        identity.set_lr(lr);
        identity.set_seed(seed);
        if (v.has_series()) identity.set_series(v.series());
        if (v.has_x()) identity.set_x(v.x());
        for (const auto& s : sweep->set()) identity.add_overrides(s);
        for (const auto& s : v.set()) identity.add_overrides(s);
        std::string identity_text;
        google::protobuf::TextFormat::Printer printer;
        printer.SetSingleLineMode(true);
        printer.PrintToString(identity, &identity_text);
        run.sets.push_back(absl::StrCat("sweep_run { ", identity_text, "}"));
        absl::StatusOr<ExperimentSpec> spec = load_spec(spec_path, run.sets);
        if (!spec.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(path, ": variant[", i, "] (", v.name(),
                                                         "), lr ", lr, ", seed ", seed, ": ",
                                                         spec.status().message()));
        }
        run.spec = *spec;
        plan.push_back(std::move(run));
      }
    }
  }
  return plan;
}

}  // namespace experiments
