// The shared trainer on a tiny ViT and a slice of Fashion-MNIST ($SIGMA_DATA, fetched by
// tools/setup.sh): run directory records, bit-identical resume, divergence as a result,
// schedules and parameter groups.
#include "experiments/engine/trainer.h"

#include <ATen/ATen.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/engine/layer_stats.h"
#include "experiments/engine/optimizer.h"
#include "models/parameter_rules.h"
#include "models/vit.h"
#include "experiments/engine/spec_io.h"
#include "experiments/vit/vit_task.h"

namespace experiments {
namespace {

using sigma_reparam::RunResult;
using sigma_reparam::StepMetrics;

std::string tmp_dir(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

ExperimentSpec tiny_spec(const std::vector<std::string>& sets = {}) {
  const std::string path = tmp_dir("tiny.textproto");
  std::ofstream(path) << R"(
name: "tiny"
description: "trainer test"
vit { transformer { depth: 2 width: 32 heads: 2 reparam: SIGMA_REPARAM dropout: 0.1 } }
data { batch_size: 32 train_subset: 256 eval_subset: 200 }
optimizer { kind: ADAMW lr: 2e-3 weight_decay: 0.05 }
schedule { kind: COSINE warmup_steps: 3 }
run { steps: 12 log_interval: 2 eval_interval: 6 checkpoint_interval: 4 threads: 1 }
)";
  auto spec = load_spec(path, sets);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

std::vector<StepMetrics> read_metrics(const std::string& dir) {
  std::vector<StepMetrics> out;
  std::ifstream in(dir + "/metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    StepMetrics m;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &m).ok()) << line;
    // Timing differs between runs by nature; everything else must not.
    m.clear_steps_per_second();
    m.clear_wall_seconds();
    out.push_back(m);
  }
  return out;
}

RunResult run(const ExperimentSpec& spec, const std::string& dir, bool resume = false,
              int64_t interrupt = 0) {
  at::set_num_threads(1);
  VitTask task(spec);
  RunOptions options;
  options.run_dir = dir;
  options.resume = resume;
  options.interrupt_after_step = interrupt;
  options.progress = false;
  return train(spec, task, options);
}

TEST(TrainerTest, WritesAParsableRunDirectory) {
  const std::string dir = tmp_dir("records");
  RunResult result = run(tiny_spec(), dir);
  EXPECT_EQ(result.status(), RunResult::COMPLETED);
  EXPECT_EQ(result.step(), 12);
  RunResult on_disk = read_result(dir);
  EXPECT_EQ(on_disk.status(), RunResult::COMPLETED);
  EXPECT_GT(on_disk.metrics().at("eval_accuracy"), 0.0);
  EXPECT_EQ(on_disk.headline().name(), "eval_accuracy");
  ASSERT_EQ(on_disk.lowest_entropy_size(), 2);
  for (int l = 0; l < 2; ++l) {
    EXPECT_EQ(on_disk.lowest_entropy(l).stack(), "encoder");
    EXPECT_EQ(on_disk.lowest_entropy(l).kind(), "self");
    EXPECT_EQ(on_disk.lowest_entropy(l).layer(), l);
    // 7x7 patches of 28x28 images and the class token: T = 17, unmasked.
    EXPECT_NEAR(on_disk.lowest_entropy(l).uniform(), std::log(17.0), 1e-12);
  }
  EXPECT_FALSE(on_disk.has_identity()) << "a run outside a sweep has no sweep identity";

  auto saved = load_spec(dir + "/spec.textproto");
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->SerializeAsString(), tiny_spec().SerializeAsString());

  auto metrics = read_metrics(dir);
  ASSERT_EQ(metrics.size(), 7u);  // step 1 and every 2nd step
  EXPECT_EQ(metrics[0].step(), 1);
  EXPECT_EQ(metrics.back().step(), 12);
  for (const auto& m : metrics) {
    EXPECT_EQ(m.entropy_size(), 2);
    EXPECT_EQ(m.entropy(0).per_head_size(), 2);
    EXPECT_EQ(m.reparam_size(), 2 * 4 + 2);  // every σReparam layer
    EXPECT_TRUE(std::isfinite(m.grad_norm()));
  }
  EXPECT_EQ(metrics[3].metrics().count("eval_accuracy"), 1u);  // step 6
  EXPECT_EQ(metrics[2].metrics().count("eval_accuracy"), 0u);
  EXPECT_EQ(metrics[2].metrics().count("train_accuracy"), 1u);
  // The warmup schedule: lr rises over 3 steps.
  EXPECT_NEAR(metrics[0].lr(), 2e-3 / 3, 1e-12);
  // Training moves gamma away from its initial sigma(W0).
  EXPECT_NE(metrics.back().reparam(3).gamma(), metrics[0].reparam(3).gamma());
}

TEST(TrainerTest, ResumeIsBitIdentical) {
  const ExperimentSpec spec = tiny_spec();
  const std::string straight = tmp_dir("straight"), resumed = tmp_dir("resumed");
  RunResult a = run(spec, straight);

  // Killed after step 10: the last checkpoint is step 8, so steps 9-10 are redone.
  run(spec, resumed, /*resume=*/false, /*interrupt=*/10);
  EXPECT_EQ(read_result(resumed).status(), RunResult::RUNNING);
  RunResult b = run(spec, resumed, /*resume=*/true);

  EXPECT_EQ(b.status(), RunResult::COMPLETED);
  EXPECT_EQ(a.final_loss(), b.final_loss());
  EXPECT_EQ(a.metrics().at("eval_loss"), b.metrics().at("eval_loss"));
  EXPECT_EQ(a.metrics().at("eval_accuracy"), b.metrics().at("eval_accuracy"));
  EXPECT_EQ(a.min_entropy(), b.min_entropy());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a.loss_curve(), b.loss_curve()))
      << a.loss_curve().DebugString() << " vs " << b.loss_curve().DebugString();
  // The curve in log-interval means (log_interval 2): step 1, step 2, then 3-4, ..., 11-12.
  auto ma = read_metrics(straight), mb = read_metrics(resumed);
  ASSERT_EQ(ma.size(), mb.size());
  EXPECT_EQ(a.loss_curve().first(), ma.front().loss());
  EXPECT_EQ(a.loss_curve().intervals(), static_cast<int64_t>(ma.size()));
  EXPECT_EQ(a.loss_curve().last(), a.final_loss());
  EXPECT_LE(a.loss_curve().lowest(), a.loss_curve().last());
  EXPECT_GE(a.loss_curve().highest_step(), 2);
  for (size_t i = 0; i < ma.size(); ++i) {
    // Equal as messages (the order of map entries in serialized bytes is not defined).
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(ma[i], mb[i]))
        << "step " << ma[i].step();
  }
}

// run.layer_diagnostics_steps: per-layer gradient, parameter and update norms at each of the
// first steps, one group per block, then no more.
TEST(TrainerTest, LayerDiagnosticsOverTheFirstSteps) {
  EXPECT_EQ(layer_group("blocks.3.attn.qkv.weight"), "blocks.3");
  EXPECT_EQ(layer_group("encoder.12.self_attn.q.weight"), "encoder.12");
  EXPECT_EQ(layer_group("patch_embed.weight"), "patch_embed");
  const std::string dir = tmp_dir("diagnostics");
  RunResult r = run(tiny_spec({"run { layer_diagnostics_steps: 3 }"}), dir);
  ASSERT_EQ(r.status(), RunResult::COMPLETED);
  auto metrics = read_metrics(dir);
  std::map<int64_t, const StepMetrics*> by_step;
  for (const auto& m : metrics) by_step[m.step()] = &m;
  for (int64_t step : {1, 2, 3}) {
    ASSERT_EQ(by_step.count(step), 1u) << "step " << step << " is written";
    const StepMetrics& m = *by_step[step];
    std::set<std::string> names;
    for (const auto& s : m.layer_stat()) {
      names.insert(s.name());
      EXPECT_GT(s.grad_norm(), 0) << s.name();
      EXPECT_GT(s.param_norm(), 0) << s.name();
      EXPECT_GT(s.update_norm(), 0) << s.name() << " at step " << step;
    }
    EXPECT_EQ(names.count("blocks.0"), 1u);
    EXPECT_EQ(names.count("blocks.1"), 1u);
    EXPECT_EQ(names.size(), static_cast<size_t>(m.layer_stat_size())) << "one entry per group";
  }
  for (const auto& m : metrics) {
    if (m.step() > 3) {
      EXPECT_EQ(m.layer_stat_size(), 0) << "step " << m.step();
    }
  }
}

TEST(TrainerTest, AbsurdLearningRateIsDivergedNotACrash) {
  const std::string dir = tmp_dir("diverged");
  RunResult result =
      run(tiny_spec({"optimizer { kind: SGD lr: 1e12 momentum: 0.9 weight_decay: 0 }"}), dir);
  EXPECT_EQ(result.status(), RunResult::DIVERGED);
  EXPECT_GE(result.step(), 1);
  EXPECT_LT(result.step(), 12);
  EXPECT_NE(result.reason().find("non-finite"), std::string::npos) << result.reason();
  RunResult on_disk = read_result(dir);
  EXPECT_EQ(on_disk.status(), RunResult::DIVERGED);
  EXPECT_EQ(on_disk.step(), result.step());
  EXPECT_EQ(on_disk.lowest_entropy_size(), 2) << "a diverged run keeps its entropy record";
  auto metrics = read_metrics(dir);
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metrics.back().step(), result.step());
}

TEST(TrainerTest, EveryOptimizerTrains) {
  for (const char* opt : {"optimizer { kind: SGD lr: 0.05 momentum: 0.9 nesterov: true }",
                          "optimizer { kind: ADAGRAD lr: 0.02 }"}) {
    SCOPED_TRACE(opt);
    RunResult r = run(tiny_spec({opt, "run { steps: 16 }"}), tmp_dir("opt"));
    ASSERT_EQ(r.status(), RunResult::COMPLETED);
    auto m = read_metrics(tmp_dir("opt"));
    EXPECT_LT(r.final_loss(), m.front().loss()) << "loss did not fall";
  }
}

TEST(ScheduleTest, WarmupCosineLinearConstant) {
  sigma_reparam::ScheduleSpec s;
  s.set_kind(sigma_reparam::ScheduleSpec::COSINE);
  s.set_warmup_steps(10);
  s.set_final_lr_fraction(0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(s, 1.0, 0, 110), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(s, 1.0, 9, 110), 1.0);
  EXPECT_DOUBLE_EQ(scheduled_lr(s, 1.0, 10, 110), 1.0);
  EXPECT_NEAR(scheduled_lr(s, 1.0, 60, 110), 0.55, 1e-12);
  EXPECT_NEAR(scheduled_lr(s, 1.0, 110, 110), 0.1, 1e-12);
  s.set_kind(sigma_reparam::ScheduleSpec::LINEAR);
  EXPECT_NEAR(scheduled_lr(s, 1.0, 60, 110), 0.55, 1e-12);
  EXPECT_NEAR(scheduled_lr(s, 1.0, 85, 110), 0.325, 1e-12);
  s.set_kind(sigma_reparam::ScheduleSpec::CONSTANT);
  EXPECT_DOUBLE_EQ(scheduled_lr(s, 2.0, 100, 110), 2.0);
}

TEST(OptimizerTest, LarsScalesByTheTrustRatioAndSparesBiases) {
  torch::nn::Linear layer(4, 3);
  sigma_reparam::OptimizerSpec spec;
  spec.set_kind(sigma_reparam::OptimizerSpec::LARS);
  spec.set_lr(0.5);
  spec.set_lars_eta(0.01);
  spec.set_momentum(0.0);
  spec.set_weight_decay(0.1);
  Optimizer opt(spec, *layer);
  EXPECT_EQ(opt.decay_parameters(), 1);
  EXPECT_EQ(opt.no_decay_parameters(), 1);
  at::Tensor w0 = layer->weight.detach().clone(), b0 = layer->bias.detach().clone();
  at::Tensor gw = at::randn({3, 4}), gb = at::randn({3});
  layer->weight.mutable_grad() = gw.clone();
  layer->bias.mutable_grad() = gb.clone();
  opt.step(0.5);
  // weight: w - lr * eta * ||w|| / ||g + wd w|| * (g + wd w); bias: plain SGD.
  at::Tensor g = gw + 0.1 * w0;
  at::Tensor want_w = w0 - 0.5 * 0.01 * (w0.norm() / g.norm()) * g;
  EXPECT_TRUE(at::allclose(layer->weight.detach(), want_w, 1e-5, 1e-7));
  EXPECT_TRUE(at::allclose(layer->bias.detach(), b0 - 0.5 * gb, 1e-5, 1e-7));
  // The relative update of an adapted tensor is lr * eta, whatever the gradient's scale.
  EXPECT_NEAR(((layer->weight.detach() - w0).norm() / w0.norm()).item<double>(), 0.005, 1e-6);
}

TEST(OptimizerTest, NoDecayForBiasesNormsGammaAndWhatTheModelDeclares) {
  const std::set<std::string> declared = {"pos_embed", "backbone.cls_token"};
  EXPECT_TRUE(is_no_decay_parameter("blocks.0.attn.qkv.bias", at::zeros({3}), declared));
  EXPECT_TRUE(is_no_decay_parameter("blocks.0.attn.qkv.gamma", at::zeros({}), declared));
  EXPECT_TRUE(is_no_decay_parameter("norm.weight", at::zeros({8}), declared));
  EXPECT_TRUE(is_no_decay_parameter("pos_embed", at::zeros({1, 17, 8}), declared));
  EXPECT_TRUE(is_no_decay_parameter("backbone.cls_token", at::zeros({1, 1, 8}), declared));
  // Names alone decide nothing: an undeclared "cls_token" of two dimensions decays.
  EXPECT_FALSE(is_no_decay_parameter("cls_token", at::zeros({1, 1, 8}), declared));
  EXPECT_FALSE(is_no_decay_parameter("blocks.0.attn.qkv.weight", at::zeros({24, 8}), declared));
  EXPECT_FALSE(is_no_decay_parameter("patch_embed.weight", at::zeros({8, 1, 7, 7}), declared));
}

TEST(OptimizerTest, TheViTDeclaresItsClassTokenAndPositionsWithinAnyModel) {
  models::VitConfig config;
  config.transformer.width = 16;
  config.transformer.heads = 2;
  config.transformer.depth = 1;
  config.transformer.mlp_ratio = 2;
  struct Wrapper : torch::nn::Module {
    explicit Wrapper(const models::VitConfig& c) {
      backbone = register_module("backbone", models::VisionTransformer(c));
    }
    models::VisionTransformer backbone{nullptr};
  };
  Wrapper model(config);
  EXPECT_EQ(models::no_decay_names(model),
            (std::set<std::string>{"backbone.cls_token", "backbone.pos_embed"}));
  EXPECT_EQ(models::no_decay_names(*model.backbone),
            (std::set<std::string>{"cls_token", "pos_embed"}));
}

TEST(OptimizerTest, LarsAdaptsEmbeddingsWithoutDecayingThem) {
  // A position embedding: LARS scales its step by the trust ratio (no weight decay added); a
  // 1-D norm weight takes a plain SGD step.
  struct Net : torch::nn::Module, models::ParameterRules {
    Net() {
      pos = register_parameter("pos_embed", at::randn({1, 5, 4}));
      scale = register_parameter("norm_weight", at::ones({4}));
    }
    std::vector<std::string> no_decay_parameters() const override { return {"pos_embed"}; }
    at::Tensor pos, scale;
  } net;
  sigma_reparam::OptimizerSpec spec;
  spec.set_kind(sigma_reparam::OptimizerSpec::LARS);
  spec.set_lars_eta(0.01);
  spec.set_momentum(0.0);
  spec.set_weight_decay(0.1);
  Optimizer opt(spec, net);
  EXPECT_EQ(opt.decay_parameters(), 0);
  EXPECT_TRUE(is_lars_adapted_parameter(net.pos));
  EXPECT_FALSE(is_lars_adapted_parameter(net.scale));
  at::Tensor p0 = net.pos.detach().clone(), s0 = net.scale.detach().clone();
  at::Tensor gp = 100 * at::randn({1, 5, 4}), gs = at::randn({4});
  net.pos.mutable_grad() = gp.clone();
  net.scale.mutable_grad() = gs.clone();
  opt.step(0.5);
  at::Tensor want = p0 - 0.5 * 0.01 * (p0.norm() / gp.norm()) * gp;
  EXPECT_TRUE(at::allclose(net.pos.detach(), want, 1e-5, 1e-7));
  EXPECT_TRUE(at::allclose(net.scale.detach(), s0 - 0.5 * gs, 1e-5, 1e-7));
}

}  // namespace
}  // namespace experiments
