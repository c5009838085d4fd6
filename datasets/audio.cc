#include "datasets/audio.h"

#include <sndfile.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <sys/stat.h>

namespace datasets {

Audio read_audio(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw std::runtime_error(path + ": no such audio file");
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (file == nullptr) {
    throw std::runtime_error(path +
                             ": not an audio file libsndfile can read (expected WAV, FLAC "
                             "or another libsndfile format): " +
                             sf_strerror(nullptr));
  }
  Audio audio;
  audio.sample_rate = info.samplerate;
  audio.channels = info.channels;
  if (info.channels < 1 || info.samplerate < 1000) {
    sf_close(file);
    throw std::runtime_error(path + ": " + std::to_string(info.channels) + " channels at " +
                             std::to_string(info.samplerate) +
                             " Hz (expected at least one channel and 1000 Hz)");
  }
  if (info.channels > 64) {
    sf_close(file);
    throw std::runtime_error(path + ": " + std::to_string(info.channels) +
                             " channels (expected at most 64): a corrupt header?");
  }
  // Read in blocks rather than trusting the header's frame count, and stop a decoder that
  // produces more audio than the file's bytes can hold (even silence in FLAC takes a byte per
  // few hundred samples): a corrupt header must not allocate gigabytes or decode for minutes.
  const sf_count_t limit = std::max<sf_count_t>(1 << 20, static_cast<sf_count_t>(st.st_size) * 512);
  constexpr sf_count_t kBlock = 1 << 14;
  std::vector<float> interleaved;
  sf_count_t got = 0;
  for (;;) {
    interleaved.resize(static_cast<size_t>(got + kBlock) * info.channels);
    const sf_count_t n = sf_readf_float(file, interleaved.data() + got * info.channels, kBlock);
    if (n <= 0) break;
    got += n;
    if (got > limit) {
      sf_close(file);
      throw std::runtime_error(path + ": decodes to more than " + std::to_string(limit) +
                               " frames from " + std::to_string(st.st_size) +
                               " bytes: a corrupt file?");
    }
  }
  sf_close(file);
  if (got <= 0) throw std::runtime_error(path + ": no audio samples");
  audio.samples.resize(static_cast<size_t>(got));
  for (sf_count_t i = 0; i < got; ++i) {
    double sum = 0;
    for (int c = 0; c < info.channels; ++c) sum += interleaved[i * info.channels + c];
    audio.samples[i] = static_cast<float>(sum / info.channels);
  }
  return audio;
}

void write_audio(const std::string& path, const Audio& audio, AudioFormat format) {
  SF_INFO info{};
  info.samplerate = audio.sample_rate;
  info.channels = 1;
  info.format = format == AudioFormat::kFlac16 ? (SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
                                               : (SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const std::string tmp = path + ".tmp";
  SNDFILE* file = sf_open(tmp.c_str(), SFM_WRITE, &info);
  if (file == nullptr) {
    throw std::runtime_error(path + ": cannot write audio: " + sf_strerror(nullptr));
  }
  std::vector<float> clipped(audio.samples);
  for (float& x : clipped) x = x > 1.f ? 1.f : (x < -1.f ? -1.f : x);
  const sf_count_t n = static_cast<sf_count_t>(clipped.size());
  const bool ok = sf_writef_float(file, clipped.data(), n) == n;
  sf_close(file);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot write audio");
  }
}

}  // namespace datasets
