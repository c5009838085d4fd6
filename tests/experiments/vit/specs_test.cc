// Every spec under experiments/vit/specs/ loads (base specs resolved), builds its model, and runs
// a NaN-free forward pass of the right shape (paper-scale ones at batch 1). Also: ViT-B/16's
// parameter count, the factory's coverage of σReparam, and the reported entropy against the
// attention maps.
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/engine/spec_io.h"
#include "experiments/vit/vit_config.h"
#include "models/vit.h"
#include "sigma/sigma_stats.h"
#include "sigma/init.h"

namespace experiments {
namespace {

std::vector<std::string> spec_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           "experiments/vit/specs", std::filesystem::directory_options::follow_directory_symlink)) {
    if (entry.path().extension() == ".textproto") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(VitSpecsTest, FindsTheSpecFiles) {
  const auto files = spec_files();
  EXPECT_GE(files.size(), 8u);
  EXPECT_NE(std::find(files.begin(), files.end(), "experiments/vit/specs/sigma_reparam.textproto"),
            files.end());
}

TEST(VitSpecsTest, EverySpecBuildsAndRunsForward) {
  for (const std::string& file : spec_files()) {
    SCOPED_TRACE(file);
    auto spec = load_spec(file);
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_FALSE(spec->description().empty()) << "spec needs a description";
    ASSERT_TRUE(spec->has_vit());
    sigma::StructureOnlyInit structure_only;  // shapes and a forward pass (sigma/init.h)
    at::manual_seed(0);
    const auto built = vit_config(spec->vit());
    ASSERT_TRUE(built.ok()) << built.status();
    const models::VitConfig config = *built;
    models::VisionTransformer vit(config);
    const bool paper = config.image_size > 64;
    const int64_t batch = paper ? 1 : 2;
    at::Tensor images = at::randn({batch, config.channels, config.image_size, config.image_size});
    models::AttentionObservation obs;
    at::Tensor logits;
    {
      at::NoGradGuard no_grad;
      vit->eval();
      logits = vit->forward(images, &obs);
    }
    EXPECT_EQ(logits.sizes(), (at::IntArrayRef{batch, config.num_classes}));
    EXPECT_TRUE(at::isfinite(logits).all().item<bool>());
    ASSERT_EQ(static_cast<int64_t>(obs.records.size()), config.transformer.depth);
    const double log_t = std::log(static_cast<double>(vit->tokens()));
    for (const auto& r : obs.records) {
      const auto& e = r.entropy;
      EXPECT_EQ(r.site.stack, "encoder");
      EXPECT_NEAR(r.uniform_entropy.item<double>(), log_t, 1e-12);
      EXPECT_EQ(e.per_head.size(0), config.transformer.heads);
      EXPECT_GT(e.mean.item<double>(), 0.0);
      EXPECT_LE(e.mean.item<double>(), log_t + 1e-5);
    }
    // σReparam covers every linear layer and the patch embedding; nothing else has it.
    const size_t reparam_layers = sigma::collect_sigma_reparam_stats(*vit).size();
    const bool reparam = spec->vit().transformer().reparam() != sigma_reparam::NONE;
    const int64_t per_block = spec->vit().transformer().qkv_layout() == sigma_reparam::FUSED_QKV ? 4
                              : spec->vit().transformer().qkv_layout() == sigma_reparam::QK_AND_V
                                  ? 5
                                  : 6;
    EXPECT_EQ(static_cast<int64_t>(reparam_layers),
              reparam ? per_block * config.transformer.depth + 2 : 0);
  }
}

TEST(VitSpecsTest, VitB16HasTheReferenceParameterCount) {
  // timm's vit_base_patch16_224 with a 1000-class head: 86,567,656 parameters.
  auto spec = load_spec("experiments/vit/specs/paper/vit_b16_baseline.textproto");
  ASSERT_TRUE(spec.ok()) << spec.status();
  sigma::StructureOnlyInit structure_only;  // shapes and a forward pass (sigma/init.h)
  models::VisionTransformer vit(*vit_config(spec->vit()));
  EXPECT_EQ(count_parameters(*vit), 86567656);
  // Without LayerNorm (2 per block + the final one, 1536 parameters each) and with one gamma per
  // reparameterised matrix (12 x 4 + patch + head = 50).
  auto sigma_spec = load_spec("experiments/vit/specs/paper/vit_b16_sigma_reparam.textproto");
  ASSERT_TRUE(sigma_spec.ok()) << sigma_spec.status();
  models::VisionTransformer sigma_vit(*vit_config(sigma_spec->vit()));
  ASSERT_EQ(sigma_spec->vit().transformer().norm(), sigma_reparam::NO_NORM);
  EXPECT_EQ(count_parameters(*sigma_vit), 86567656 - 25 * 1536 + 50);
}

TEST(VitSpecsTest, ReportedEntropyEqualsDirectComputationFromMaps) {
  auto spec = load_spec("experiments/vit/specs/baseline.textproto");
  ASSERT_TRUE(spec.ok()) << spec.status();
  at::manual_seed(1);
  models::VisionTransformer vit(*vit_config(spec->vit()));
  models::AttentionObservation obs;
  obs.keep_maps = true;
  at::NoGradGuard no_grad;
  vit->forward(at::randn({3, 1, 28, 28}) * 3, &obs);
  ASSERT_EQ(obs.records.size(), 4u);
  for (size_t layer = 0; layer < obs.records.size(); ++layer) {
    at::Tensor p = obs.records[layer].map.to(at::kDouble);  // (B, H, T, T)
    EXPECT_EQ(p.sizes(), (at::IntArrayRef{3, 4, 17, 17}));
    at::Tensor direct = -(p * p.log()).sum(-1).mean(at::IntArrayRef{0, 2});  // (H,)
    EXPECT_TRUE(
        at::allclose(obs.records[layer].entropy.per_head.to(at::kDouble), direct, 1e-5, 1e-6))
        << "layer " << layer;
  }
}

}  // namespace
}  // namespace experiments
