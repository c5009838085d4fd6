#include "datasets/log_mel.h"

#include <ATen/ATen.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace datasets {
namespace {

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }

}  // namespace

FrameGeometry frame_geometry(int sample_rate, const LogMelOptions& options) {
  FrameGeometry g;
  // Round half to even, as Python's round() (220.5 samples -> 220 at 22.05 kHz).
  g.window = static_cast<int64_t>(std::nearbyint(sample_rate * options.window_ms / 1000.0));
  g.hop = static_cast<int64_t>(std::nearbyint(sample_rate * options.hop_ms / 1000.0));
  g.n_fft = 1;
  while (g.n_fft < g.window) g.n_fft *= 2;
  return g;
}

at::Tensor mel_filterbank(int64_t n_freqs, int sample_rate, double f_min, double f_max,
                          int64_t n_mels) {
  if (f_max > sample_rate / 2 + 1e-9 || f_min < 0 || f_min >= f_max) {
    throw std::runtime_error("mel filterbank: f_min " + std::to_string(f_min) + " and f_max " +
                             std::to_string(f_max) + " Hz must satisfy 0 <= f_min < f_max <= " +
                             std::to_string(sample_rate / 2) + " (half the sample rate)");
  }
  // Bin frequencies 0 .. sample_rate // 2 (integer division, as torchaudio).
  const at::Tensor freqs = at::linspace(0, sample_rate / 2, n_freqs, at::kDouble);
  const at::Tensor mels = at::linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2, at::kDouble);
  const at::Tensor edges = 700.0 * (at::pow(10.0, mels / 2595.0) - 1.0);  // (n_mels + 2) Hz
  const at::Tensor diff = edges.slice(0, 1) - edges.slice(0, 0, -1);      // (n_mels + 1)
  const at::Tensor slopes = edges.unsqueeze(0) - freqs.unsqueeze(1);      // (n_freqs, n_mels + 2)
  const at::Tensor down = -slopes.slice(1, 0, -2) / diff.slice(0, 0, -1);
  const at::Tensor up = slopes.slice(1, 2) / diff.slice(0, 1);
  return at::clamp_min(at::minimum(down, up), 0.0).to(at::kFloat);
}

at::Tensor mel_power(const at::Tensor& samples, int sample_rate, const LogMelOptions& options) {
  const FrameGeometry g = frame_geometry(sample_rate, options);
  at::Tensor x = samples.to(at::kFloat).reshape({-1});
  if (x.numel() <= g.n_fft / 2) {  // reflect padding needs more samples than half a frame
    x = at::constant_pad_nd(x, {0, g.n_fft / 2 + 1 - x.numel()}, 0.0);
  }
  const at::Tensor window = at::hann_window(g.window, /*periodic=*/true, at::kFloat);
  const at::Tensor spec =
      at::stft(x, g.n_fft, g.hop, g.window, window, /*center=*/true, "reflect",
               /*normalized=*/false, /*onesided=*/true, /*return_complex=*/true);
  const at::Tensor power = at::view_as_real(spec).pow(2).sum(-1);  // (n_freqs, frames)
  const at::Tensor fb = mel_filterbank(g.n_fft / 2 + 1, sample_rate, options.f_min,
                                       std::min(options.f_max, sample_rate / 2.0), options.n_mels);
  return at::matmul(power.t(), fb);  // (frames, n_mels)
}

at::Tensor log_mel(const at::Tensor& samples, int sample_rate, const LogMelOptions& options) {
  return at::log(mel_power(samples, sample_rate, options) + options.log_floor);
}

at::Tensor normalize_utterance(const at::Tensor& features) {
  const at::Tensor mean = features.mean();
  const at::Tensor std = features.std(/*unbiased=*/false);
  return (features - mean) / (std + 1e-7);
}

}  // namespace datasets
