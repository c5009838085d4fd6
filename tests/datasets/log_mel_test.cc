// Log-mel features against torchaudio 0.13's MelSpectrogram (golden files written by
// tools/reference/log_mel_reference.py; this test needs no Python).
#include "datasets/log_mel.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace datasets {
namespace {

std::map<std::string, at::Tensor> golden() {
  const std::string path = "tests/datasets/testdata/log_mel_golden.pt";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, at::Tensor> out;
  for (const auto& item : torch::pickle_load(bytes).toGenericDict()) {
    out[item.key().toStringRef()] = item.value().toTensor();
  }
  return out;
}

TEST(LogMelTest, FrameGeometry) {
  const FrameGeometry g16 = frame_geometry(16000);
  EXPECT_EQ(g16.window, 400);
  EXPECT_EQ(g16.hop, 160);
  EXPECT_EQ(g16.n_fft, 512);
  const FrameGeometry g22 = frame_geometry(22050);
  EXPECT_EQ(g22.window, 551);
  EXPECT_EQ(g22.hop, 220);
  EXPECT_EQ(g22.n_fft, 1024);
}

// Tolerance: the mel power within 1e-4 relative to the largest value of each utterance, and the
// log-mel (log floor 1e-6) within 1e-3 absolute where the power is above 1e-4 of the peak.
TEST(LogMelTest, MatchesTorchaudioAt16kAnd22k) {
  const auto g = golden();
  for (const std::string rate : {"16000", "22050"}) {
    const at::Tensor want = g.at(rate + "_mel");
    const at::Tensor got = mel_power(g.at(rate + "_samples"), std::stoi(rate));
    ASSERT_EQ(got.sizes(), want.sizes()) << rate;
    const double peak = want.abs().max().item<double>();
    const double err = (got - want).abs().max().item<double>();
    EXPECT_LT(err, 1e-4 * peak) << rate << " Hz: max |diff| " << err << " of peak " << peak;
    const at::Tensor strong = want > 1e-4 * peak;
    const double log_err = (at::log(got + 1e-6) - at::log(want + 1e-6))
                               .abs()
                               .masked_select(strong)
                               .max()
                               .item<double>();
    EXPECT_LT(log_err, 1e-3) << rate;
    EXPECT_TRUE(
        at::allclose(log_mel(g.at(rate + "_samples"), std::stoi(rate)), at::log(got + 1e-6)));
  }
}

TEST(LogMelTest, FiltersInHzMatchAcrossRates) {
  // Half a second of a 1 kHz tone peaks in the same mel bin at 16, 22.05 and 44.1 kHz.
  const auto peak_bin = [](int rate) {
    const at::Tensor t = at::arange(rate / 2, at::kFloat) / rate;
    return mel_power(at::sin(2 * M_PI * 1000.0 * t), rate).mean(0).argmax().item<int64_t>();
  };
  const int64_t at_16k = peak_bin(16000);
  for (int rate : {22050, 44100}) EXPECT_EQ(peak_bin(rate), at_16k) << rate;
}

TEST(LogMelTest, NormaliseUtterance) {
  const at::Tensor f = at::randn({50, 80}) * 3 + 7;
  const at::Tensor n = normalize_utterance(f);
  EXPECT_NEAR(n.mean().item<double>(), 0.0, 1e-5);
  EXPECT_NEAR(n.std(false).item<double>(), 1.0, 1e-4);
}

TEST(LogMelTest, FilterEdgesAboveNyquistAreAnError) {
  EXPECT_THROW(mel_filterbank(257, 8000, 0, 8000, 80), std::runtime_error);
}

}  // namespace
}  // namespace datasets
