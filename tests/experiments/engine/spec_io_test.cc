// Spec loading, base specs, --set merging, defaults and validation errors
// (experiments/engine/spec_io.h), and every value of every Transformer enum through validation
// and the model builder (experiments/engine/model_config.h).
#include "experiments/engine/spec_io.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "experiments/engine/model_config.h"

#include <cstdlib>
#include <fstream>
#include <string>

namespace experiments {
namespace {

std::string write_spec(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const char* kValid = R"(
name: "tiny"
vit { transformer { depth: 2 width: 32 heads: 4 reparam: SIGMA_REPARAM } }
optimizer { lr: 1e-3 }
)";

std::string error_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  auto spec = load_spec(write_spec("spec.textproto", text), sets);
  return spec.ok() ? "" : std::string(spec.status().message());
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "expected \"" << part << "\" in:\n" << text;
}

TEST(SpecIoTest, LoadsAndFillsDefaults) {
  auto spec = load_spec(write_spec("ok.textproto", kValid));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->vit().transformer().depth(), 2);
  EXPECT_TRUE(spec->vit().transformer().has_mlp_ratio());  // default made explicit
  EXPECT_EQ(spec->vit().transformer().mlp_ratio(), 4.0);
  EXPECT_EQ(spec->vit().transformer().sigma_reparam().gamma_init(), sigma_reparam::SIGMA0);
  EXPECT_TRUE(spec->data().has_batch_size());
  EXPECT_EQ(spec->optimizer().kind(), sigma_reparam::OptimizerSpec::ADAMW);
  // Only the chosen model of the oneof is filled.
  EXPECT_FALSE(spec->has_lm());
  // The resolved text parses back to the same spec.
  auto again = parse_spec(spec_to_text(*spec), "resolved");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), spec->SerializeAsString());
}

TEST(SpecIoTest, OverridesMergeInOrder) {
  auto spec = load_spec(write_spec("ok.textproto", kValid),
                        {"optimizer { lr: 3e-3 }", "run { steps: 7 } optimizer { lr: 5e-3 }"});
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_DOUBLE_EQ(spec->optimizer().lr(), 5e-3);
  EXPECT_EQ(spec->run().steps(), 7);
  EXPECT_EQ(spec->vit().transformer().width(), 32);  // untouched fields stay
}

TEST(SpecIoTest, MissingFileIsNotFound) {
  auto spec = load_spec("/nonexistent/spec.textproto");
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kNotFound);
  expect_contains(std::string(spec.status().message()), "/nonexistent/spec.textproto");
}

TEST(SpecIoTest, UnknownFieldNamesFileLineAndField) {
  const std::string err = error_of("name: \"x\"\nvit { transformer { depht: 3 } }\n");
  expect_contains(err, "spec.textproto:2:");
  expect_contains(err, "depht");
}

TEST(SpecIoTest, WrongTypeIsRejected) {
  expect_contains(error_of("name: \"x\"\nvit { transformer { depth: \"four\" } }\n"), "depth");
  expect_contains(error_of("name: \"x\"\nvit { transformer { norm: SIDEWAYS } }\n"), "SIDEWAYS");
}

TEST(SpecIoTest, BadOverrideNamesTheFragment) {
  const std::string err = error_of(kValid, {"optimizer { learning_rate: 1 }"});
  expect_contains(err, "--set='optimizer { learning_rate: 1 }'");
  expect_contains(err, "learning_rate");
  expect_contains(error_of(kValid, {"lm { context: 64 }"}), "sets model lm");
}

TEST(SpecIoTest, InvalidValuesNameFieldPaths) {
  struct Case {
    std::string fragment, path, reason;
  };
  const std::vector<Case> cases = {
      {"vit { transformer { heads: 3 } }", "vit.transformer.heads", "does not divide width 32"},
      {"vit { patch_size: 5 }", "vit.patch_size", "does not divide image_size 28"},
      {"optimizer { lr: 0 }", "optimizer.lr", "must be > 0"},
      {"optimizer { lr: -1 }", "optimizer.lr", "must be > 0"},
      {"optimizer { lr: inf }", "optimizer.lr", "must be > 0"},
      {"optimizer { beta2: 1.0 }", "optimizer.beta2", "[0, 1)"},
      {"vit { transformer { depth: 0 } }", "vit.transformer.depth", ">= 1"},
      {"vit { transformer { dropout: 1.5 } }", "vit.transformer.dropout", "[0, 1)"},
      {"vit { transformer { sigma_reparam { power_steps: 0 } } }",
       "vit.transformer.sigma_reparam.power_steps", ">= 1"},
      {"data { batch_size: 0 }", "data.batch_size", ">= 1"},
      {"run { log_interval: 0 }", "run.log_interval", ">= 1"},
      {"run { epochs: 0 }", "run.epochs", "must be > 0"},
      {"schedule { final_lr_fraction: 2 }", "schedule.final_lr_fraction", "[0, 1]"},
      {"vit { num_classes: 5 }", "vit", "FASHION_MNIST needs"},
      {"optimizer { nesterov: true momentum: 0 }", "optimizer.nesterov", "momentum > 0"},
      {"vit { transformer { width: 0 } }", "vit.transformer.width", ">= 1"},
      {"vit { transformer { heads: 0 } }", "vit.transformer.heads", ">= 1"},
      {"vit { transformer { mlp_ratio: 0 } }", "vit.transformer.mlp_ratio", "> 0"},
      {"vit { transformer { norm: NORM_PLACEMENT_UNSPECIFIED } }", "vit.transformer.norm",
       "PRE_LN, POST_LN, NO_NORM or DEEP_NORM"},
      {"vit { transformer { norm_kind: NORM_KIND_UNSPECIFIED } }", "vit.transformer.norm_kind",
       "LAYER_NORM, RMS_NORM or DYT"},
      {"vit { transformer { dyt_alpha: 0 } }", "vit.transformer.dyt_alpha", "> 0"},
      {"vit { transformer { norm: DEEP_NORM } }", "vit.transformer.qkv_layout",
       "DEEP_NORM scales the init of v alone"},
      {"data { dataset: SOTU }", "data.dataset", "not an image data set"},
      {"vit { transformer { reparam: REPARAM_UNSPECIFIED } }", "vit.transformer.reparam",
       "NONE, SIGMA_REPARAM or SPECTRAL_NORM"},
      {"vit { transformer { qkv_layout: QKV_LAYOUT_UNSPECIFIED } }", "vit.transformer.qkv_layout",
       "FUSED_QKV"},
      {"vit { transformer { attention_dropout: 1 } }", "vit.transformer.attention_dropout",
       "[0, 1)"},
      {"vit { transformer { layer_norm_eps: 0 } }", "vit.transformer.layer_norm_eps", "> 0"},
      {"vit { transformer { sigma_reparam { gamma_init: GAMMA_INIT_UNSPECIFIED } } }",
       "vit.transformer.sigma_reparam.gamma_init", "SIGMA0 or ONE"},
      {"vit { transformer { sigma_reparam { init_gain: 0 } } }",
       "vit.transformer.sigma_reparam.init_gain", "> 0"},
      {"vit { image_size: 0 }", "vit.image_size", ">= 1"},
      {"vit { patch_size: 0 }", "vit.patch_size", ">= 1"},
      {"vit { channels: 0 }", "vit.channels", ">= 1"},
      {"vit { num_classes: 1 }", "vit.num_classes", ">= 2"},
      {"vit { label_smoothing: 1 }", "vit.label_smoothing", "[0, 1)"},
      {"data { dataset: DATASET_UNSPECIFIED }", "data.dataset", "must be set"},
      {"data { crop_padding: -1 }", "data.crop_padding", ">= 0"},
      {"data { train_subset: -1 }", "data.train_subset", ">= 0"},
      {"data { train_subset: 10 }", "data.train_subset", "smaller than batch_size"},
      {"data { eval_subset: -1 }", "data.eval_subset", ">= 0"},
      {"optimizer { kind: KIND_UNSPECIFIED }", "optimizer.kind", "ADAMW, SGD, LARS or ADAGRAD"},
      {"optimizer { weight_decay: -1 }", "optimizer.weight_decay", ">= 0"},
      {"optimizer { beta1: -0.1 }", "optimizer.beta1", "[0, 1)"},
      {"optimizer { eps: 0 }", "optimizer.eps", "> 0"},
      {"optimizer { momentum: 1 }", "optimizer.momentum", "[0, 1)"},
      {"optimizer { lars_eta: 0 }", "optimizer.lars_eta", "> 0"},
      {"optimizer { clip_grad_norm: -1 }", "optimizer.clip_grad_norm", ">= 0"},
      {"schedule { kind: KIND_UNSPECIFIED }", "schedule.kind", "COSINE, LINEAR or CONSTANT"},
      {"schedule { warmup_steps: -1 }", "schedule.warmup_steps", ">= 0"},
      {"run { steps: -1 }", "run.steps", ">= 0"},
      {"run { eval_interval: -1 }", "run.eval_interval", ">= 0"},
      {"run { checkpoint_interval: -1 }", "run.checkpoint_interval", ">= 0"},
      {"run { threads: -1 }", "run.threads", ">= 0"},
      {"run { divergence_loss_ratio: -1 }", "run.divergence_loss_ratio", ">= 0"},
  };
  for (const Case& c : cases) {
    const std::string err = error_of(kValid, {c.fragment});
    expect_contains(err, "spec.textproto");
    expect_contains(err, c.path + ": ");
    expect_contains(err, c.reason);
  }
}

TEST(SpecIoTest, ReportsEveryProblemAtOnce) {
  const std::string err = error_of(kValid, {"optimizer { lr: 0 } data { batch_size: 0 }"});
  expect_contains(err, "optimizer.lr");
  expect_contains(err, "data.batch_size");
}

TEST(SpecIoTest, MissingNameAndModel) {
  const std::string err = error_of("optimizer { lr: 1e-3 }\n");
  expect_contains(err, "name: must be set");
  expect_contains(err, "model: no model set: expected one of");
  expect_contains(err, "vit");
}

TEST(SpecIoTest, BaseSpecsComposeAndFilesDescribeThemselves) {
  write_spec("base.textproto", R"(
name: "base"
description: "the base"
paper_claim: "a claim of the base"
vit { transformer { depth: 2 width: 32 heads: 4 } }
optimizer { kind: ADAMW lr: 1e-3 weight_decay: 0.05 }
)");
  write_spec("mid.textproto", R"(
base: "base.textproto"
name: "mid"
vit { transformer { reparam: SIGMA_REPARAM } }
)");
  auto spec = load_spec(write_spec("child.textproto", R"(
base: "mid.textproto"
name: "child"
description: "only the lr differs"
optimizer { lr: 3e-3 }
)"),
                        {"run { steps: 5 }"});
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name(), "child");
  EXPECT_EQ(spec->description(), "only the lr differs");
  EXPECT_FALSE(spec->has_paper_claim()) << "a claim is not inherited";
  EXPECT_FALSE(spec->has_base()) << "the resolved spec has no base left";
  EXPECT_EQ(spec->vit().transformer().depth(), 2);
  EXPECT_EQ(spec->vit().transformer().reparam(), sigma_reparam::SIGMA_REPARAM);
  EXPECT_DOUBLE_EQ(spec->optimizer().lr(), 3e-3);
  EXPECT_DOUBLE_EQ(spec->optimizer().weight_decay(), 0.05);
  EXPECT_EQ(spec->run().steps(), 5);
}

TEST(SpecIoTest, BaseCycleAndMissingBaseAreErrors) {
  write_spec("cycle_a.textproto", "base: \"cycle_b.textproto\" name: \"a\"\n");
  write_spec("cycle_b.textproto", "base: \"cycle_a.textproto\" name: \"b\"\n");
  auto cycle = load_spec(write_spec("cycle_top.textproto", "base: \"cycle_a.textproto\"\n"));
  ASSERT_FALSE(cycle.ok());
  expect_contains(std::string(cycle.status().message()), "base: cycle");
  expect_contains(std::string(cycle.status().message()), "cycle_a.textproto");

  auto missing = load_spec(write_spec("orphan.textproto", "base: \"nowhere.textproto\"\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  expect_contains(std::string(missing.status().message()), "orphan.textproto: base:");
  expect_contains(std::string(missing.status().message()), "nowhere.textproto");

  write_spec("lm_base.textproto", "name: \"lm\" lm { vocab_size: 64 }\n");
  const std::string mixed = error_of("base: \"lm_base.textproto\"\n" + std::string(kValid));
  expect_contains(mixed, "sets model vit but its base");
  expect_contains(error_of(kValid, {"base: \"x.textproto\""}),
                  "base can only be set in a spec file");
}

// Every value of every Transformer enum: a handled value validates and builds a model
// configuration; the UNSPECIFIED values are spec errors naming the field, never a silent
// fallback to a default.
TEST(ModelConfigTest, EveryEnumValueValidatesAndBuildsOrIsAnError) {
  namespace pb = google::protobuf;
  const std::vector<std::pair<std::string, const pb::EnumDescriptor*>> enums = {
      {"norm", sigma_reparam::NormPlacement_descriptor()},
      {"norm_kind", sigma_reparam::NormKind_descriptor()},
      {"reparam", sigma_reparam::Reparam_descriptor()},
      {"qkv_layout", sigma_reparam::QkvLayout_descriptor()},
      {"sigma_reparam.gamma_init", sigma_reparam::GammaInit_descriptor()},
  };
  int values = 0;
  for (const auto& [field, e] : enums) {
    for (int i = 0; i < e->value_count(); ++i) {
      const std::string name = e->value(i)->name();
      SCOPED_TRACE(field + " " + name);
      ++values;
      std::string fragment = field == "sigma_reparam.gamma_init"
                                 ? "sigma_reparam { gamma_init: " + name + " }"
                                 : field + ": " + name;
      // DeepNorm scales v alone, so it needs v as its own matrix.
      if (name == "DEEP_NORM") fragment += " qkv_layout: SEPARATE_QKV";
      const std::string err = error_of(kValid, {"vit { transformer { " + fragment + " } }"});
      sigma_reparam::TransformerSpec t;
      auto spec = load_spec(write_spec("enum.textproto", kValid));
      ASSERT_TRUE(spec.ok());
      t = spec->vit().transformer();
      const auto* fd = t.GetDescriptor()->FindFieldByName(field);
      if (fd != nullptr) {
        t.GetReflection()->SetEnum(&t, fd, e->value(i));
      } else {
        t.mutable_sigma_reparam()->set_gamma_init(
            static_cast<sigma_reparam::GammaInit>(e->value(i)->number()));
      }
      if (name == "DEEP_NORM") t.set_qkv_layout(sigma_reparam::SEPARATE_QKV);
      const auto built = transformer_config(t);
      if (e->value(i)->number() == 0) {
        EXPECT_NE(err, "") << "UNSPECIFIED must be a spec error";
        EXPECT_FALSE(built.ok());
      } else {
        EXPECT_EQ(err, "");
        EXPECT_TRUE(built.ok()) << built.status();
      }
    }
  }
  EXPECT_EQ(values, 5 + 4 + 4 + 4 + 3);
}

}  // namespace
}  // namespace experiments
