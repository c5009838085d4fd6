// The SimCLR task on Fashion-MNIST (tools/setup.sh) and on an image-folder fixture the test
// writes: views are deterministic in (seed, step), the frozen patch projection receives no
// update while the rest trains, a short run reports the kNN monitor and the linear probe (with
// the random-initialisation reference), and bad specs fail before training.
#include "experiments/simclr/simclr_task.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>

#include <filesystem>
#include <map>
#include <string>

#include "experiments/engine/family.h"
#include "experiments/engine/spec_io.h"
#include "experiments/engine/trainer.h"
#include "tests/core/test_threads.h"
#include "tests/experiments/image_fixture.h"

namespace experiments {
namespace {

namespace fs = std::filesystem;

sigma_reparam::ExperimentSpec tiny_spec(const std::string& extra) {
  sigma_reparam::ExperimentSpec spec, more;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      "name: 'simclr_tiny' simclr { transformer { depth: 2 width: 32 heads: 2 } "
      "projection_hidden: 64 projection_dim: 32 knn_bank: 500 probe_train_examples: 500 "
      "probe_steps: 100 } "
      "data { dataset: FASHION_MNIST batch_size: 32 train_subset: 2000 eval_subset: 300 } "
      "optimizer { kind: LARS lr: 0.3 } schedule { warmup_steps: 5 } "
      "run { seed: 4 steps: 20 log_interval: 5 eval_interval: 10 threads: 2 }",
      &spec));
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(extra, &more));
  spec.MergeFrom(more);
  return spec;
}

std::map<std::string, at::Tensor> snapshot(torch::nn::Module& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach().clone();
  return out;
}

std::string run_dir(const std::string& name) { return ::testing::TempDir() + "/simclr_" + name; }

TEST(SimclrTaskTest, ViewsAreDeterministicInSeedAndStep) {
  SimclrTask task(tiny_spec(""));
  at::Tensor idx = at::arange(8, at::kLong);
  at::Tensor a = task.views(idx, 4, 1), b = task.views(idx, 4, 1);
  ASSERT_EQ(a.sizes(), (at::IntArrayRef{16, 1, 28, 28}));
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::equal(a, task.views(idx, 4, 2)));
  EXPECT_FALSE(at::equal(a, task.views(idx, 5, 1)));
  EXPECT_FALSE(at::equal(a.narrow(0, 0, 8), a.narrow(0, 8, 8)));  // two different views
}

TEST(SimclrTaskTest, FrozenPatchProjectionReceivesNoUpdate) {
  at::set_num_threads(testing_threads::threads());
  const auto spec = tiny_spec(
      "simclr { frozen_patch_embed: true probe_steps: 1 } run { steps: 3 eval_interval: 0 }");
  SimclrTask task(spec);
  const auto before = snapshot(task.model());
  RunOptions options;
  options.run_dir = run_dir("frozen");
  options.progress = false;
  const auto result = train(spec, task, options);
  ASSERT_EQ(result.status(), sigma_reparam::RunResult::COMPLETED) << result.reason();
  int frozen = 0, moved = 0;
  for (const auto& p : task.model().named_parameters()) {
    const bool same = at::equal(p.value(), before.at(p.key()));
    if (p.key().rfind("backbone.patch_embed.", 0) == 0) {
      ++frozen;
      EXPECT_TRUE(same) << p.key() << " changed";
      EXPECT_FALSE(p.value().requires_grad());
    } else if (!same) {
      ++moved;
    }
  }
  EXPECT_EQ(frozen, 2);  // weight and bias
  EXPECT_GT(moved, 10);  // everything else trains
}

TEST(SimclrTaskTest, ShortRunReportsKnnAndProbeAboveChance) {
  at::set_num_threads(testing_threads::threads());
  const auto spec = tiny_spec(
      "simclr { probe_random_init: true transformer { reparam: "
      "SIGMA_REPARAM } }");
  SimclrTask task(spec);
  RunOptions options;
  options.run_dir = run_dir("short");
  options.progress = false;
  const auto result = train(spec, task, options);
  ASSERT_EQ(result.status(), sigma_reparam::RunResult::COMPLETED) << result.reason();
  const auto& m = result.metrics();
  ASSERT_TRUE(m.count("test_probe_accuracy") && m.count("eval_knn_accuracy") &&
              m.count("test_random_init_probe_accuracy") && m.count("test_knn_accuracy"));
  EXPECT_GT(m.at("test_probe_accuracy"), 0.3);  // 10 classes: chance is 0.1
  EXPECT_GT(m.at("eval_knn_accuracy"), 0.3);
  EXPECT_GT(m.at("test_random_init_probe_accuracy"), 0.2);
  EXPECT_LT(result.final_loss(), std::log(2.0 * 32 - 1));  // below NT-Xent of uniform similarity
  EXPECT_EQ(result.headline().name(), "test_probe_accuracy");
  EXPECT_NE(task.test_summary().find("random initialisation"), std::string::npos);
}

TEST(SimclrTaskTest, TrainsOnAnImageFolder) {
  const fs::path root = fs::path(::testing::TempDir()) / "simclr_folder";
  testing_util::write_image_folder(root, /*classes=*/3, /*train=*/4, /*val=*/2, /*size=*/20);
  const auto spec = tiny_spec(
      "simclr { image_size: 16 patch_size: 4 channels: 3 knn_k: 3 probe_random_init: true } "
      "run { steps: 2 eval_interval: 0 }");
  auto folder_spec = spec;
  folder_spec.mutable_data()->set_dataset(sigma_reparam::DataSpec::IMAGENET_FOLDER);
  folder_spec.mutable_data()->set_path(root.string());
  folder_spec.mutable_data()->set_batch_size(4);
  folder_spec.mutable_data()->clear_train_subset();
  ASSERT_TRUE(validate_spec(folder_spec).ok()) << validate_spec(folder_spec);
  SimclrTask task(folder_spec);
  EXPECT_NE(task.data_summary().find("12 training images"), std::string::npos)
      << task.data_summary();
  RunOptions options;
  options.run_dir = run_dir("folder");
  options.progress = false;
  const auto result = train(folder_spec, task, options);
  ASSERT_EQ(result.status(), sigma_reparam::RunResult::COMPLETED) << result.reason();
  EXPECT_TRUE(result.metrics().count("test_probe_accuracy"));
}

TEST(SimclrTaskTest, BadSpecsFailBeforeTraining) {
  auto bad = tiny_spec(
      "simclr { temperature: 0 crop_min_scale: 1.5 channels: 2 } "
      "data { batch_size: 1 dataset: SOTU }");
  const absl::Status status = validate_spec(bad);
  ASSERT_FALSE(status.ok());
  const std::string m(status.message());
  for (const char* field : {"simclr.temperature", "simclr.crop_min_scale", "simclr.channels",
                            "data.batch_size", "data.dataset: SOTU is not an image data set"}) {
    EXPECT_NE(m.find(field), std::string::npos) << field << " not in:\n" << m;
  }
  // An image folder needs its path; a missing folder is named when the task loads it.
  auto folder = tiny_spec("data { dataset: IMAGENET_FOLDER }");
  const absl::Status no_path = validate_spec(folder);
  EXPECT_NE(std::string(no_path.message()).find("data.path: IMAGENET_FOLDER needs the folder"),
            std::string::npos)
      << no_path;
  folder.mutable_data()->set_path("/nonexistent/imagenet");
  try {
    SimclrTask task(folder);
    ADD_FAILURE() << "no error for a missing folder";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/imagenet/train: no such folder"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace experiments
