// Every spec under experiments/speech/specs/ loads (base specs resolved), passes the family's
// checks, builds its CTC model and runs a NaN-free forward pass with every attention observed;
// the paper-scale specs (36 blocks of width 768) build with the paper's parameter count.
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/engine/spec_io.h"
#include "experiments/speech/speech_config.h"
#include "models/speech_ctc.h"
#include "sigma/sigma_stats.h"
#include "sigma/init.h"

namespace experiments {
namespace {

std::vector<std::string> spec_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           "experiments/speech/specs",
           std::filesystem::directory_options::follow_directory_symlink)) {
    if (entry.path().extension() == ".textproto") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(SpeechSpecsTest, EverySpecBuildsAndRunsForward) {
  const auto files = spec_files();
  EXPECT_EQ(files.size(), 6u) << "4 variants + 2 paper-scale specs";
  int paper = 0;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto spec = load_spec(file);  // validated by the family's checks
    ASSERT_TRUE(spec.ok()) << spec.status();
    ASSERT_TRUE(spec->has_speech());
    EXPECT_FALSE(spec->description().empty());
    const auto& s = spec->speech();
    EXPECT_EQ(s.transformer().qkv_layout(), sigma_reparam::QK_AND_V);
    const auto config = speech_config(s);
    ASSERT_TRUE(config.ok()) << config.status();
    sigma::StructureOnlyInit structure_only;  // shapes and a forward pass (sigma/init.h)
    at::manual_seed(0);
    models::SpeechCtc model(*config);
    models::AttentionObservation obs;
    at::Tensor logits, out_lengths;
    {
      at::NoGradGuard no_grad;
      model->eval();
      logits = model(at::randn({2, 40, s.n_mels()}), at::tensor({40, 25}, at::kLong), &out_lengths,
                     &obs);
    }
    EXPECT_EQ(logits.sizes(), (at::IntArrayRef{2, 14, 29}));  // ceil(40 / 3)
    EXPECT_EQ(out_lengths[1].item<int64_t>(), 9);             // ceil(25 / 3)
    EXPECT_TRUE(at::isfinite(logits).all().item<bool>());
    EXPECT_EQ(static_cast<int64_t>(obs.records.size()), s.transformer().depth());
    // σReparam on [Q;K], V, out, fc1, fc2 of every block, the convolution and the output layer.
    const bool reparam = s.transformer().reparam() == sigma_reparam::SIGMA_REPARAM;
    EXPECT_EQ(static_cast<int64_t>(sigma::collect_sigma_reparam_stats(*model).size()),
              reparam ? 5 * s.transformer().depth() + 2 : 0);
    if (s.transformer().width() == 768) {
      ++paper;
      int64_t params = 0;
      for (const auto& p : model->parameters()) params += p.numel();
      // 36 blocks of 12 d^2 (attention 4 d^2, MLP 8 d^2), d = 768: 254.8M, plus biases, norms,
      // the 560 x 1536 convolution and the output layer.
      const double blocks = 36.0 * 12 * 768 * 768;
      EXPECT_GT(params, blocks);
      EXPECT_LT(params, blocks * 1.01) << params;
      EXPECT_EQ(s.transformer().depth(), 36);
      EXPECT_EQ(spec->data().dataset(), sigma_reparam::DataSpec::LIBRISPEECH);
    }
  }
  EXPECT_EQ(paper, 2);
}

TEST(SpeechSpecsTest, BadSpecsAreNamed) {
  const std::string base =
      "base: \"" +
      std::filesystem::absolute("experiments/speech/specs/post_ln_sgd.textproto").string() + "\"\n";
  const auto write = [&](const std::string& name, const std::string& body) {
    const std::string path = std::string(::testing::TempDir()) + "/" + name;
    FILE* f = fopen(path.c_str(), "w");
    fputs((base + body).c_str(), f);
    fclose(f);
    return path;
  };
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {"data { dataset: FASHION_MNIST }", "data.dataset"},
           {"data { dataset: LIBRISPEECH }", "data.path"},
           {"speech { stride: 9 }", "speech.stride"},
           {"speech { beam_size: 0 }", "speech.beam_size"},
           {"speech { f_max: 12000 }", "speech.f_max"},
           {"speech { cape_max_global_scale: 0.5 }", "speech.cape_max_global_scale"},
       }) {
    const auto spec = load_spec(write("bad.textproto", body));
    ASSERT_FALSE(spec.ok()) << body;
    EXPECT_NE(std::string(spec.status().message()).find(field), std::string::npos)
        << body << ": " << spec.status();
  }
}

}  // namespace
}  // namespace experiments
