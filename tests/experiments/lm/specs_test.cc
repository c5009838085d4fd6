// Every spec under experiments/lm/specs/ loads (base specs resolved), builds its causal decoder
// and runs a NaN-free forward pass of the right shape (paper scale at 1 x 16 tokens).
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/engine/spec_io.h"
#include "experiments/lm/lm_config.h"
#include "models/causal_lm.h"
#include "sigma/sigma_stats.h"
#include "sigma/init.h"

namespace experiments {
namespace {

std::vector<std::string> spec_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           "experiments/lm/specs", std::filesystem::directory_options::follow_directory_symlink)) {
    if (entry.path().extension() == ".textproto") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// An LM spec builds its causal decoder, which runs a finite forward pass (paper scale: 1 x 16
// tokens), with σReparam on exactly the blocks' linear layers.
void check_lm_model(const ExperimentSpec& spec) {
  sigma::StructureOnlyInit structure_only;  // shapes and a forward pass (sigma/init.h)
  at::manual_seed(0);
  const auto built = lm_config(spec.lm());
  ASSERT_TRUE(built.ok()) << built.status();
  const models::CausalLmConfig config = *built;
  models::CausalLm lm(config);
  const bool paper = config.transformer.width > 256;
  const int64_t batch = paper ? 1 : 2, T = paper ? 16 : config.context;
  models::AttentionObservation obs;
  at::Tensor logits;
  {
    at::NoGradGuard no_grad;
    lm->eval();
    logits = lm->forward(at::randint(0, config.vocab_size, {batch, T}, at::kLong), &obs);
  }
  EXPECT_EQ(logits.sizes(), (at::IntArrayRef{batch, T, config.vocab_size}));
  EXPECT_TRUE(at::isfinite(logits).all().item<bool>());
  ASSERT_EQ(static_cast<int64_t>(obs.records.size()), config.transformer.depth);
  const size_t reparam_layers = sigma::collect_sigma_reparam_stats(*lm).size();
  const bool reparam = spec.lm().transformer().reparam() != sigma_reparam::NONE;
  EXPECT_EQ(static_cast<int64_t>(reparam_layers),
            reparam ? 4 * config.transformer.depth + (config.tie_embeddings ? 0 : 1) : 0);
  if (paper) {
    int64_t params = 0;
    for (const auto& p : lm->parameters()) params += p.numel();
    EXPECT_GT(params, 200000000) << "the WikiText-103 model should be paper-sized";
  }
}

TEST(LmSpecsTest, EverySpecBuildsAndRunsForward) {
  const auto files = spec_files();
  EXPECT_GE(files.size(), 6u);
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto spec = load_spec(file);
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_FALSE(spec->description().empty()) << "spec needs a description";
    ASSERT_TRUE(spec->has_lm());
    check_lm_model(*spec);
  }
}

}  // namespace
}  // namespace experiments
