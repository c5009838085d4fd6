// Every spec under experiments/simclr/specs/ loads, validates, builds its network and runs a
// NaN-free forward pass (paper-scale ones at batch 1); σReparam covers every linear layer, the
// patch embedding and the projection MLP; the paper-scale ViT-B/16 specs each train one step on
// an ImageNet-layout fixture.
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/engine/spec_io.h"
#include "experiments/simclr/simclr_config.h"
#include "experiments/simclr/simclr_task.h"
#include "sigma/sigma_stats.h"
#include "tests/experiments/paper_step.h"
#include "sigma/init.h"

namespace experiments {
namespace {

std::vector<std::string> spec_files(bool paper) {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator("experiments/simclr/specs")) {
    if (entry.path().extension() != ".textproto") continue;
    if ((entry.path().string().find("/paper/") != std::string::npos) == paper) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(SimclrSpecsTest, EverySpecValidatesBuildsAndRunsForward) {
  std::vector<std::string> files = spec_files(false);
  const std::vector<std::string> paper = spec_files(true);
  files.insert(files.end(), paper.begin(), paper.end());
  ASSERT_GE(files.size(), 8u);
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto spec = load_spec(file);
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_TRUE(validate_spec(*spec).ok()) << validate_spec(*spec);
    EXPECT_FALSE(spec->description().empty());
    const auto config = simclr_config(spec->simclr());
    ASSERT_TRUE(config.ok()) << config.status();
    sigma::StructureOnlyInit structure_only;  // shapes and a forward pass (sigma/init.h)
    at::manual_seed(0);
    models::SimclrNetwork net(*config);
    const int64_t batch = config->backbone.image_size > 64 ? 1 : 2;
    at::Tensor images = at::randn({batch, config->backbone.channels, config->backbone.image_size,
                                   config->backbone.image_size});
    at::NoGradGuard no_grad;
    net->eval();
    at::Tensor z = net->forward(images);
    EXPECT_EQ(z.sizes(), (at::IntArrayRef{batch, config->projection_dim}));
    EXPECT_TRUE(at::isfinite(z).all().item<bool>());
    // σReparam: 4 linear layers per block, the patch embedding and the two projection layers.
    const size_t reparam = sigma::collect_sigma_reparam_stats(*net).size();
    if (spec->simclr().transformer().reparam() == sigma_reparam::SIGMA_REPARAM) {
      EXPECT_EQ(reparam, static_cast<size_t>(4 * config->backbone.transformer.depth + 3));
    } else {
      EXPECT_EQ(reparam, 0u);
    }
    // The frozen patch projection: exactly the patch embedding's parameters need no gradient.
    for (const auto& p : net->named_parameters()) {
      const bool patch = p.key().rfind("backbone.patch_embed.", 0) == 0;
      EXPECT_EQ(p.value().requires_grad(), !(patch && spec->simclr().frozen_patch_embed()))
          << p.key();
    }
  }
}

TEST(SimclrSpecsTest, PaperSpecsTrainOneStepOnAnImageFolder) {
  const auto files = spec_files(true);
  ASSERT_EQ(files.size(), 3u);
  for (const std::string& file : files) testing_util::paper_step<SimclrTask>(file);
}

}  // namespace
}  // namespace experiments
