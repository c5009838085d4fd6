// Audio files through libsndfile: WAV and FLAC at several rates, channels averaged, clear errors.
#include "datasets/audio.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

namespace datasets {
namespace {

std::string temp(const std::string& name) { return std::string(::testing::TempDir()) + "/" + name; }

Audio tone(int rate, double seconds) {
  Audio a;
  a.sample_rate = rate;
  for (int i = 0; i < static_cast<int>(rate * seconds); ++i) {
    a.samples.push_back(static_cast<float>(0.5 * std::sin(2 * M_PI * 440.0 * i / rate)));
  }
  return a;
}

TEST(AudioTest, WavAndFlacRoundTripAtSeveralRates) {
  for (AudioFormat format : {AudioFormat::kWavPcm16, AudioFormat::kFlac16}) {
    for (int rate : {8000, 16000, 22050, 44100}) {
      const std::string path = temp("tone_" + std::to_string(rate) +
                                    (format == AudioFormat::kFlac16 ? ".flac" : ".wav"));
      const Audio a = tone(rate, 0.25);
      write_audio(path, a, format);
      const Audio b = read_audio(path);
      EXPECT_EQ(b.sample_rate, rate) << path;
      EXPECT_EQ(b.channels, 1);
      ASSERT_EQ(b.samples.size(), a.samples.size()) << path;
      double err = 0;
      for (size_t i = 0; i < a.samples.size(); ++i)
        err = std::max(err, double(std::fabs(a.samples[i] - b.samples[i])));
      EXPECT_LT(err, 1.0 / 32768 + 1e-6) << path;  // 16-bit quantisation
      EXPECT_NEAR(b.seconds(), 0.25, 1e-3);
    }
  }
}

TEST(AudioTest, StereoIsAveragedToMono) {
  const std::string path = temp("stereo.wav");
  SF_INFO info{};
  info.samplerate = 16000;
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr);
  const float frames[] = {0.5f, -0.5f, 0.25f, 0.75f, -1.0f, 0.0f};  // 3 frames x 2 channels
  sf_writef_float(f, frames, 3);
  sf_close(f);
  const Audio a = read_audio(path);
  EXPECT_EQ(a.channels, 2);
  ASSERT_EQ(a.samples.size(), 3u);
  EXPECT_NEAR(a.samples[0], 0.0, 1e-4);
  EXPECT_NEAR(a.samples[1], 0.5, 1e-4);
  EXPECT_NEAR(a.samples[2], -0.5, 1e-4);
}

TEST(AudioTest, WrongFormatAndMissingFileAreNamed) {
  const std::string text = temp("not_audio.wav");
  std::ofstream(text) << "this is a transcript, not audio\n";
  try {
    read_audio(text);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("expected WAV, FLAC"), std::string::npos) << e.what();
  }
  try {
    read_audio(temp("missing.flac"));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.flac: no such audio file"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace datasets
