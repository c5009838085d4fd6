// Reading and writing audio files through libsndfile: WAV (PCM 8/16/24/32-bit, float), FLAC
// and the other formats libsndfile knows, at any sample rate; several channels are averaged to
// one. No LibTorch.
//
//   datasets::Audio a = datasets::read_audio("1272-128104-0000.flac");  // a.samples in [-1, 1]
//   datasets::write_audio("out.wav", a);                                  // 16-bit PCM WAV
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace datasets {

struct Audio {
  std::vector<float> samples;  // mono, in [-1, 1]
  int sample_rate = 0;         // Hz
  int channels = 1;            // channels of the file (averaged into `samples`)
  double seconds() const { return sample_rate > 0 ? samples.size() / double(sample_rate) : 0.0; }
};

// Reads `path`. Throws std::runtime_error naming the file and what is wrong (missing, not an
// audio format libsndfile reads, no samples).
Audio read_audio(const std::string& path);

enum class AudioFormat { kWavPcm16, kFlac16 };
// Writes mono `audio` (samples clipped to [-1, 1]), atomically (a temporary file renamed).
void write_audio(const std::string& path, const Audio& audio,
                 AudioFormat format = AudioFormat::kWavPcm16);

}  // namespace datasets
