#include "experiments/spec_io.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

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

// Validation: collects "path: reason" lines.
class Checker {
 public:
  void expect(bool ok, const std::string& path, const std::string& reason) {
    if (!ok) problems_.push_back(absl::StrCat(path, ": ", reason));
  }
  void positive(double v, const std::string& path) {
    expect(std::isfinite(v) && v > 0, path, absl::StrCat(v, " must be > 0"));
  }
  void non_negative(double v, const std::string& path) {
    expect(std::isfinite(v) && v >= 0, path, absl::StrCat(v, " must be >= 0"));
  }
  void fraction(double v, const std::string& path) {  // [0, 1)
    expect(std::isfinite(v) && v >= 0 && v < 1, path, absl::StrCat(v, " must be in [0, 1)"));
  }
  absl::Status status() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems_, "\n"));
  }

 private:
  std::vector<std::string> problems_;
};

void check_transformer(const sigma_reparam::TransformerSpec& t, const std::string& p, Checker& c) {
  c.expect(t.depth() >= 1, p + ".depth", absl::StrCat(t.depth(), " must be >= 1"));
  c.expect(t.width() >= 1, p + ".width", absl::StrCat(t.width(), " must be >= 1"));
  c.expect(t.heads() >= 1, p + ".heads", absl::StrCat(t.heads(), " must be >= 1"));
  if (t.heads() >= 1 && t.width() >= 1) {
    c.expect(t.width() % t.heads() == 0, p + ".heads",
             absl::StrCat(t.heads(), " does not divide width ", t.width()));
  }
  c.positive(t.mlp_ratio(), p + ".mlp_ratio");
  c.expect(t.norm() != sigma_reparam::NORM_PLACEMENT_UNSPECIFIED, p + ".norm",
           "must be PRE_LN, POST_LN or NO_NORM");
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

void check_lm(const ExperimentSpec& s, Checker& c) {
  const auto& lm = s.lm();
  check_transformer(lm.transformer(), "lm.transformer", c);
  c.expect(lm.vocab_size() >= 16, "lm.vocab_size", absl::StrCat(lm.vocab_size(), " must be >= 16"));
  c.expect(lm.context() >= 2, "lm.context", absl::StrCat(lm.context(), " must be >= 2"));
  c.expect(lm.tokenizer() != sigma_reparam::LanguageModelSpec::TOKENIZER_UNSPECIFIED,
           "lm.tokenizer", "must be BPE or UNIGRAM");
  using sigma_reparam::DataSpec;
  const auto d = s.data().dataset();
  c.expect(d == DataSpec::SOTU || d == DataSpec::WIKITEXT || d == DataSpec::BROWN ||
               d == DataSpec::TEXT_FILE,
           "data.dataset",
           absl::StrCat(DataSpec::Dataset_Name(d),
                        " is not text: a language model needs SOTU, WIKITEXT, BROWN or TEXT_FILE"));
  if (d == DataSpec::WIKITEXT || d == DataSpec::TEXT_FILE) {
    c.expect(!s.data().path().empty(), "data.path",
             absl::StrCat("must name the ", DataSpec::Dataset_Name(d),
                          d == DataSpec::WIKITEXT ? " folder" : " file"));
  }
}

void check_vit(const sigma_reparam::VitSpec& v, const std::string& p, Checker& c) {
  check_transformer(v.transformer(), p + ".transformer", c);
  c.expect(v.image_size() >= 1, p + ".image_size", absl::StrCat(v.image_size(), " must be >= 1"));
  c.expect(v.patch_size() >= 1, p + ".patch_size", absl::StrCat(v.patch_size(), " must be >= 1"));
  if (v.image_size() >= 1 && v.patch_size() >= 1) {
    c.expect(v.image_size() % v.patch_size() == 0, p + ".patch_size",
             absl::StrCat(v.patch_size(), " does not divide image_size ", v.image_size()));
  }
  c.expect(v.channels() >= 1, p + ".channels", absl::StrCat(v.channels(), " must be >= 1"));
  c.expect(v.num_classes() >= 2, p + ".num_classes",
           absl::StrCat(v.num_classes(), " must be >= 2"));
  c.fraction(v.label_smoothing(), p + ".label_smoothing");
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
      fill_defaults(r->MutableMessage(message, f));
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

absl::StatusOr<ExperimentSpec> load_spec(const std::string& path,
                                         const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read spec file"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<ExperimentSpec> spec = parse_spec(text.str(), path);
  if (!spec.ok()) return spec.status();
  for (const std::string& fragment : overrides) {
    absl::StatusOr<ExperimentSpec> extra = parse_spec(fragment, "--set='" + fragment + "'");
    if (!extra.ok()) return extra.status();
    if (extra->model_case() != ExperimentSpec::MODEL_NOT_SET &&
        spec->model_case() != ExperimentSpec::MODEL_NOT_SET &&
        extra->model_case() != spec->model_case()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--set='", fragment, "': sets model ",
          extra->GetDescriptor()->FindFieldByNumber(extra->model_case())->name(), " but ", path,
          " is a ", spec->GetDescriptor()->FindFieldByNumber(spec->model_case())->name(), " spec"));
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
  Checker c;
  c.expect(!s.name().empty(), "name", "must be set (it names the run directory)");
  switch (s.model_case()) {
    case ExperimentSpec::kVit:
      check_vit(s.vit(), "vit", c);
      break;
    case ExperimentSpec::kLm:
      check_lm(s, c);
      break;
    case ExperimentSpec::MODEL_NOT_SET:
      c.expect(false, "model",
               "no model set: expected one of vit, simclr, translation, speech, lm");
      break;
    default:
      break;  // families validated by their own issues' code
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
  if (data.dataset() == sigma_reparam::DataSpec::FASHION_MNIST && s.has_vit()) {
    c.expect(
        s.vit().image_size() == 28 && s.vit().channels() == 1 && s.vit().num_classes() == 10, "vit",
        absl::StrCat("FASHION_MNIST needs image_size 28, channels 1, num_classes 10; "
                     "got ",
                     s.vit().image_size(), ", ", s.vit().channels(), ", ", s.vit().num_classes()));
  }
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
  c.expect(r.threads() >= 0, "run.threads", "must be >= 0 (0 = all cores)");
  c.non_negative(r.divergence_loss_ratio(), "run.divergence_loss_ratio");
  return c.status();
}

std::string spec_to_text(const ExperimentSpec& spec) {
  std::string text;
  pb::TextFormat::Printer printer;
  printer.PrintToString(spec, &text);
  return "# Resolved spec: every value this run used, defaults included.\n" + text;
}

}  // namespace experiments
