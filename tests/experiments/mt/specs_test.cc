// Every spec under experiments/mt/specs/ loads (base specs resolved), passes the family's checks,
// builds its encoder-decoder and runs a NaN-free forward pass with every attention observed; the
// paper-scale specs (WMT-base width, 6L-6L and 100L-100L) build with their parameter counts (the
// 100L-100L ones without a forward pass).
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/engine/family.h"
#include "experiments/engine/spec_io.h"
#include "experiments/mt/mt_config.h"
#include "models/encoder_decoder.h"
#include "sigma/sigma_stats.h"
#include "sigma/init.h"

namespace experiments {
namespace {

std::vector<std::string> spec_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           "experiments/mt/specs", std::filesystem::directory_options::follow_directory_symlink)) {
    if (entry.path().extension() == ".textproto") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

int64_t parameter_count(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(MtSpecsTest, EverySpecBuildsAndRunsForward) {
  const auto files = spec_files();
  EXPECT_EQ(files.size(), 23u)
      << "5 variants x 3 depths + 4 at 100L-100L (the diagnostics sweep) + 4 paper-scale specs";
  int paper = 0;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto spec = load_spec(file);  // validated by the family's checks
    ASSERT_TRUE(spec.ok()) << spec.status();
    ASSERT_TRUE(spec->has_mt());
    EXPECT_FALSE(spec->description().empty());
    const auto& mt = spec->mt();
    const auto config = mt_config(mt, mt.vocab_size());
    ASSERT_TRUE(config.ok()) << config.status();
    sigma::StructureOnlyInit structure_only;  // shapes and a forward pass (sigma/init.h)
    at::manual_seed(0);
    models::EncoderDecoder model(*config);
    const bool paper_scale = mt.transformer().width() >= 512;
    // A forward pass for all but the 100L-100L models (built and counted only; the paper-scale
    // ones have 750M parameters, the diagnostics sweep runs the small ones).
    if (mt.encoder_depth() < 100) {
      const int64_t S = paper_scale ? 16 : 12, T = paper_scale ? 8 : 10;
      models::AttentionObservation obs;
      at::Tensor logits;
      {
        at::NoGradGuard no_grad;
        model->eval();
        logits = model(at::randint(2, config->vocab_size, {1, S}, at::kLong),
                       at::randint(2, config->vocab_size, {1, T}, at::kLong), &obs);
      }
      EXPECT_EQ(logits.sizes(), (at::IntArrayRef{1, T, config->vocab_size}));
      EXPECT_TRUE(at::isfinite(logits).all().item<bool>());
      EXPECT_EQ(static_cast<int64_t>(obs.records.size()),
                mt.encoder_depth() + 2 * mt.decoder_depth());
    }
    // σReparam on q, k, v, out, fc1, fc2 of every encoder layer and on self and cross attention
    // and the MLP of every decoder layer (the tied output layer is the embedding).
    const bool reparam = mt.transformer().reparam() == sigma_reparam::SIGMA_REPARAM;
    EXPECT_EQ(static_cast<int64_t>(sigma::collect_sigma_reparam_stats(*model).size()),
              reparam ? 6 * mt.encoder_depth() + 10 * mt.decoder_depth() : 0);
    if (paper_scale) {
      ++paper;
      const int64_t params = parameter_count(*model);
      // Per layer: attention 4 d^2 and MLP 8 d^2 (d = 512), the decoder's cross attention another
      // 4 d^2; plus the shared 32k x 512 embedding.
      const int64_t d2 = 512 * 512;
      const int64_t weights =
          mt.encoder_depth() * 12 * d2 + mt.decoder_depth() * 16 * d2 + config->vocab_size * 512;
      EXPECT_GE(params, weights);
      EXPECT_LE(params, weights + weights / 50) << "biases and norms add under 2%";
      EXPECT_GT(params, mt.encoder_depth() == 100 ? 700000000 : 55000000);
    }
  }
  EXPECT_EQ(paper, 4);
}

TEST(MtSpecsTest, TheFamilyIsRegistered) {
  const Family* family = find_family(sigma_reparam::ExperimentSpec::kMt);
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->name, "mt");
}

}  // namespace
}  // namespace experiments
