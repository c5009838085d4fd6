// One training step of a paper-scale image spec (ViT-B/16, ImageNet layout) on a small image folder
// the test writes: the spec's data.path pointed at the fixture, batch 2, one step, evaluation and
// test on the fixture's validation split. Checks that the run completes with a finite loss.
//
//   testing_util::paper_step<experiments::VitTask>("experiments/vit/specs/paper/vit_b16_baseline.textproto");
#pragma once

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>

#include "experiments/engine/spec_io.h"
#include "experiments/engine/trainer.h"
#include "sigma/init.h"
#include "tests/core/test_threads.h"
#include "tests/experiments/image_fixture.h"

namespace testing_util {

// The fixture: 2 classes, 2 training and 1 validation image each, about 230 pixels a side.
inline std::string paper_fixture() {
  static const std::string root = [] {
    const std::filesystem::path r =
        std::filesystem::path(::testing::TempDir()) / "imagenet_fixture";
    write_image_folder(r, /*classes=*/2, /*train=*/2, /*val=*/1, /*size=*/230);
    return r.string();
  }();
  return root;
}

template <typename TaskT>
void paper_step(const std::string& file) {
  SCOPED_TRACE(file);
  at::set_num_threads(testing_threads::threads());
  auto spec = experiments::load_spec(file);
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->data().dataset(), sigma_reparam::DataSpec::IMAGENET_FOLDER);
  spec->mutable_data()->set_path(paper_fixture());
  spec->mutable_data()->set_batch_size(2);
  spec->mutable_run()->set_steps(1);
  spec->mutable_run()->set_log_interval(1);
  spec->mutable_run()->set_eval_interval(0);
  spec->mutable_run()->set_checkpoint_interval(0);
  spec->mutable_schedule()->set_warmup_steps(0);
  ASSERT_TRUE(experiments::validate_spec(*spec).ok()) << experiments::validate_spec(*spec);
  // Built without the exact initialisation (sigma/init.h): this checks the plumbing, not training.
  std::optional<TaskT> task;
  {
    sigma::StructureOnlyInit structure_only;
    task.emplace(*spec);
  }
  experiments::RunOptions options;
  options.run_dir = ::testing::TempDir() + "/paper_step_" + spec->name();
  options.progress = false;
  const auto result = experiments::train(*spec, *task, options);
  ASSERT_EQ(result.status(), sigma_reparam::RunResult::COMPLETED) << result.reason();
  EXPECT_TRUE(std::isfinite(result.final_loss()));
  EXPECT_TRUE(result.metrics().count(result.headline().name())) << result.headline().name();
  std::filesystem::remove_all(options.run_dir);  // the checkpoint is about a gigabyte
}

}  // namespace testing_util
