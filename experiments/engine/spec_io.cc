#include "experiments/engine/spec_io.h"

#include "core/files.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/hash.h"
#include "experiments/engine/device.h"

namespace experiments {
namespace {

namespace pb = google::protobuf;

// Parse errors as "file:line:col: message", followed by the offending line and a caret, so
// that the field is visible even where protobuf's message does not name it.
class CollectErrors : public pb::io::ErrorCollector {
 public:
  CollectErrors(std::string source, const std::string& text) : source_(std::move(source)) {
    std::stringstream ss(text);
    std::string line;
    while (std::getline(ss, line)) lines_.push_back(line);
  }
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    std::string error = absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message);
    if (line >= 0 && line < static_cast<int>(lines_.size())) {
      absl::StrAppend(&error, "\n    ", lines_[line], "\n    ",
                      std::string(std::max(0, column), ' '), "^");
    }
    errors_.push_back(error);
  }
  void AddWarning(int line, pb::io::ColumnNumber column, const std::string& message) override {
    AddError(line, column, message);
  }
  std::string text() const { return absl::StrJoin(errors_, "\n"); }

 private:
  std::string source_;
  std::vector<std::string> lines_;
  std::vector<std::string> errors_;
};

}  // namespace

void check_transformer(const sigma_reparam::TransformerSpec& t, const std::string& p,
                       SpecChecker& c) {
  c.expect(t.depth() >= 1, p + ".depth", absl::StrCat(t.depth(), " must be >= 1"));
  c.expect(t.width() >= 1, p + ".width", absl::StrCat(t.width(), " must be >= 1"));
  c.expect(t.heads() >= 1, p + ".heads", absl::StrCat(t.heads(), " must be >= 1"));
  if (t.heads() >= 1 && t.width() >= 1) {
    c.expect(t.width() % t.heads() == 0, p + ".heads",
             absl::StrCat(t.heads(), " does not divide width ", t.width()));
  }
  c.positive(t.mlp_ratio(), p + ".mlp_ratio");
  c.expect(t.norm() != sigma_reparam::NORM_PLACEMENT_UNSPECIFIED, p + ".norm",
           "must be PRE_LN, POST_LN, NO_NORM or DEEP_NORM");
  c.expect(t.norm_kind() != sigma_reparam::NORM_KIND_UNSPECIFIED, p + ".norm_kind",
           "must be LAYER_NORM, RMS_NORM or DYT");
  c.positive(t.dyt_alpha(), p + ".dyt_alpha");
  if (t.norm() == sigma_reparam::DEEP_NORM) {
    c.expect(t.qkv_layout() != sigma_reparam::FUSED_QKV, p + ".qkv_layout",
             "DEEP_NORM scales the init of v alone: use QK_AND_V or SEPARATE_QKV");
  }
  c.expect(t.reparam() != sigma_reparam::REPARAM_UNSPECIFIED, p + ".reparam",
           "must be NONE, SIGMA_REPARAM or SPECTRAL_NORM");
  c.expect(t.qkv_layout() != sigma_reparam::QKV_LAYOUT_UNSPECIFIED, p + ".qkv_layout",
           "must be FUSED_QKV, QK_AND_V or SEPARATE_QKV");
  c.fraction(t.dropout(), p + ".dropout");
  c.fraction(t.attention_dropout(), p + ".attention_dropout");
  c.positive(t.layer_norm_eps(), p + ".layer_norm_eps");
  const auto& s = t.sigma_reparam();
  c.expect(s.gamma_init() != sigma_reparam::GAMMA_INIT_UNSPECIFIED, p + ".sigma_reparam.gamma_init",
           "must be SIGMA0 or ONE");
  c.positive(s.init_gain(), p + ".sigma_reparam.init_gain");
  c.expect(s.power_steps() >= 1, p + ".sigma_reparam.power_steps",
           absl::StrCat(s.power_steps(), " must be >= 1"));
}

namespace {

// Whether a message type declares an explicit default anywhere below it: only such sub-messages
// are created when unset (an unset RunIdentity stays absent).
bool has_declared_defaults(const pb::Descriptor* d, int depth = 0) {
  if (depth > 8) return false;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    if (f->has_default_value()) return true;
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
        has_declared_defaults(f->message_type(), depth + 1)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void fill_defaults(pb::Message* message) {
  const pb::Descriptor* d = message->GetDescriptor();
  const pb::Reflection* r = message->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    if (f->real_containing_oneof() != nullptr) {
      // Only the member that is set.
      if (r->HasField(*message, f) && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        fill_defaults(r->MutableMessage(message, f));
      }
      continue;
    }
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (r->HasField(*message, f) || has_declared_defaults(f->message_type())) {
        fill_defaults(r->MutableMessage(message, f));
      }
      continue;
    }
    if (r->HasField(*message, f)) continue;
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(message, f, f->default_value_int32());
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(message, f, f->default_value_int64());
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        r->SetUInt32(message, f, f->default_value_uint32());
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(message, f, f->default_value_uint64());
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        r->SetDouble(message, f, f->default_value_double());
        break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        r->SetFloat(message, f, f->default_value_float());
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(message, f, f->default_value_bool());
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        r->SetEnum(message, f, f->default_value_enum());
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        if (f->has_default_value()) r->SetString(message, f, f->default_value_string());
        break;
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
  }
}

absl::Status parse_text_message(const std::string& text, const std::string& source,
                                google::protobuf::Message* message) {
  CollectErrors errors(source, text);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, message)) return absl::InvalidArgumentError(errors.text());
  return absl::OkStatus();
}

absl::StatusOr<ExperimentSpec> parse_spec(const std::string& text, const std::string& source) {
  ExperimentSpec spec;
  absl::Status parsed = parse_text_message(text, source, &spec);
  if (!parsed.ok()) return parsed;
  return spec;
}

namespace {

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

// Reads `path` and the chain of bases below it; `chain` holds the files above it.
absl::StatusOr<ExperimentSpec> load_spec_file(const std::string& path,
                                              std::vector<std::string>& chain) {
  const std::optional<std::string> text = core::try_read_file(path);
  if (!text) {
    if (chain.empty()) return absl::NotFoundError(absl::StrCat(path, ": cannot read spec file"));
    return absl::NotFoundError(absl::StrCat(chain.back(), ": base: cannot read spec file ", path,
                                            " (chain: ", absl::StrJoin(chain, " -> "), ")"));
  }
  absl::StatusOr<ExperimentSpec> spec = parse_spec(*text, path);
  if (!spec.ok() || !spec->has_base()) return spec;
  const std::string base = spec->base()[0] == '/' ? spec->base() : folder_of(path) + spec->base();
  chain.push_back(path);
  for (const std::string& above : chain) {
    if (std::filesystem::weakly_canonical(above) == std::filesystem::weakly_canonical(base)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": base: cycle ", absl::StrJoin(chain, " -> "), " -> ", base));
    }
  }
  absl::StatusOr<ExperimentSpec> resolved = load_spec_file(base, chain);
  chain.pop_back();
  if (!resolved.ok()) return resolved.status();
  if (spec->model_case() != ExperimentSpec::MODEL_NOT_SET &&
      resolved->model_case() != ExperimentSpec::MODEL_NOT_SET &&
      spec->model_case() != resolved->model_case()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": sets model ", model_name(spec->model_case()), " but its base ", base,
                     " is a ", model_name(resolved->model_case()), " spec"));
  }
  resolved->MergeFrom(*spec);
  resolved->clear_base();
  // What describes a file is not inherited: each file names and describes itself.
  if (!spec->has_name()) resolved->clear_name();
  if (!spec->has_description()) resolved->clear_description();
  if (!spec->has_reproduces()) resolved->clear_reproduces();
  if (!spec->has_paper_claim()) resolved->clear_paper_claim();
  return resolved;
}

}  // namespace

absl::StatusOr<ExperimentSpec> load_spec(const std::string& path,
                                         const std::vector<std::string>& overrides) {
  std::vector<std::string> chain;
  absl::StatusOr<ExperimentSpec> spec = load_spec_file(path, chain);
  if (!spec.ok()) return spec.status();
  for (const std::string& fragment : overrides) {
    absl::StatusOr<ExperimentSpec> extra = parse_spec(fragment, "--set='" + fragment + "'");
    if (!extra.ok()) return extra.status();
    if (extra->has_base()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--set='", fragment, "': base can only be set in a spec file"));
    }
    if (extra->model_case() != ExperimentSpec::MODEL_NOT_SET &&
        spec->model_case() != ExperimentSpec::MODEL_NOT_SET &&
        extra->model_case() != spec->model_case()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--set='", fragment, "': sets model ", model_name(extra->model_case()),
                       " but ", path, " is a ", model_name(spec->model_case()), " spec"));
    }
    spec->MergeFrom(*extra);
  }
  fill_defaults(&*spec);
  absl::Status valid = validate_spec(*spec);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, overrides.empty() ? "" : " (with --set overrides)", ": invalid spec:\n",
                     valid.message()));
  }
  return spec;
}

absl::Status validate_spec(const ExperimentSpec& s) {
  SpecChecker c;
  c.expect(!s.name().empty(), "name", "must be set (it names the run directory)");
  if (s.model_case() == ExperimentSpec::MODEL_NOT_SET) {
    std::vector<std::string> names;
    for (const Family* f : families()) names.push_back(model_name(f->model));
    c.expect(false, "model",
             absl::StrCat("no model set: expected one of ", absl::StrJoin(names, ", ")));
  } else if (const Family* family = find_family(s.model_case()); family == nullptr) {
    c.expect(
        false, model_name(s.model_case()),
        "no family that trains this model is linked into this binary (//experiments:train links every family)");
  } else {
    family->validate(s, c);
  }
  const auto& data = s.data();
  c.expect(data.batch_size() >= 1, "data.batch_size",
           absl::StrCat(data.batch_size(), " must be >= 1"));
  c.expect(data.crop_padding() >= 0, "data.crop_padding",
           absl::StrCat(data.crop_padding(), " must be >= 0"));
  c.expect(data.train_subset() >= 0, "data.train_subset", "must be >= 0");
  c.expect(data.eval_subset() >= 0, "data.eval_subset", "must be >= 0");
  c.expect(data.dataset() != sigma_reparam::DataSpec::DATASET_UNSPECIFIED, "data.dataset",
           "must be set");
  if (data.train_subset() > 0 && data.train_subset() < data.batch_size()) {
    c.expect(false, "data.train_subset",
             absl::StrCat(data.train_subset(), " is smaller than batch_size ", data.batch_size()));
  }

  const auto& o = s.optimizer();
  c.expect(o.kind() != sigma_reparam::OptimizerSpec::KIND_UNSPECIFIED, "optimizer.kind",
           "must be ADAMW, SGD, LARS or ADAGRAD");
  c.positive(o.lr(), "optimizer.lr");
  c.non_negative(o.weight_decay(), "optimizer.weight_decay");
  c.fraction(o.beta1(), "optimizer.beta1");
  c.fraction(o.beta2(), "optimizer.beta2");
  c.positive(o.eps(), "optimizer.eps");
  c.fraction(o.momentum(), "optimizer.momentum");
  c.positive(o.lars_eta(), "optimizer.lars_eta");
  c.non_negative(o.clip_grad_norm(), "optimizer.clip_grad_norm");
  if (o.nesterov()) {
    c.expect(o.momentum() > 0, "optimizer.nesterov", "needs momentum > 0");
  }

  const auto& sch = s.schedule();
  c.expect(sch.kind() != sigma_reparam::ScheduleSpec::KIND_UNSPECIFIED, "schedule.kind",
           "must be COSINE, LINEAR or CONSTANT");
  c.expect(sch.warmup_steps() >= 0, "schedule.warmup_steps", "must be >= 0");
  c.expect(sch.final_lr_fraction() >= 0 && sch.final_lr_fraction() <= 1,
           "schedule.final_lr_fraction",
           absl::StrCat(sch.final_lr_fraction(), " must be in [0, 1]"));

  const auto& r = s.run();
  c.expect(r.steps() >= 0, "run.steps", absl::StrCat(r.steps(), " must be >= 0"));
  if (r.steps() == 0) c.positive(r.epochs(), "run.epochs");
  c.expect(r.log_interval() >= 1, "run.log_interval",
           absl::StrCat(r.log_interval(), " must be >= 1"));
  c.expect(r.eval_interval() >= 0, "run.eval_interval", "must be >= 0");
  c.expect(r.checkpoint_interval() >= 0, "run.checkpoint_interval", "must be >= 0");
  c.non_negative(r.checkpoint_seconds(), "run.checkpoint_seconds");
  c.expect(r.threads() >= 0, "run.threads", "must be >= 0 (0 = all cores)");
  c.non_negative(r.divergence_loss_ratio(), "run.divergence_loss_ratio");
  c.expect(parse_device(r.device()).ok(), "run.device",
           absl::StrCat("\"", r.device(), "\" must be \"cpu\", \"cuda\" or \"cuda:N\""));
  return c.result();
}

std::string spec_to_text(const ExperimentSpec& spec) {
  std::string text;
  pb::TextFormat::Printer printer;
  printer.PrintToString(spec, &text);
  return "# Resolved spec: every value this run used, defaults included.\n" + text;
}

std::string spec_digest(const ExperimentSpec& spec) {
  ExperimentSpec copy = spec;
  copy.mutable_run()->clear_threads();
  copy.mutable_run()->clear_device();
  std::string text;
  pb::TextFormat::Printer().PrintToString(copy, &text);
  return core::hex64(core::fnv1a64(text));
}

}  // namespace experiments
