// Log-mel filterbank features for speech (the paper's ASR input: 80 filterbanks, 25 ms windows,
// 10 ms hop). The power spectrum comes from at::stft (centred frames, reflect padding, periodic
// Hann window of 25 ms in an FFT of the next power of two); the triangular filters are HTK-mel
// with edges in Hz, so that features of different sample rates are comparable. The same
// definition as torchaudio.transforms.MelSpectrogram(mel_scale="htk", norm=None, power=2),
// which tests/datasets:log_mel_test checks against golden files from tools/reference/.
//
//   at::Tensor f = datasets::log_mel(samples, 16000);   // (samples,) float -> (frames, 80)
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace datasets {

struct LogMelOptions {
  int64_t n_mels = 80;
  double window_ms = 25.0;
  double hop_ms = 10.0;
  double f_min = 0.0;       // Hz
  double f_max = 8000.0;    // Hz, at most half the sample rate
  double log_floor = 1e-6;  // log(mel power + log_floor)
};

// Samples per window and hop at `sample_rate`, and the FFT size (next power of two >= window).
struct FrameGeometry {
  int64_t window = 0, hop = 0, n_fft = 0;
};
FrameGeometry frame_geometry(int sample_rate, const LogMelOptions& options = {});

// (n_fft / 2 + 1, n_mels) HTK-mel triangular filters (torchaudio's melscale_fbanks, norm=None).
at::Tensor mel_filterbank(int64_t n_freqs, int sample_rate, double f_min, double f_max,
                          int64_t n_mels);

// Mel power spectrogram (frames, n_mels) of mono samples (n,) float32; frames = 1 + n / hop.
at::Tensor mel_power(const at::Tensor& samples, int sample_rate, const LogMelOptions& options = {});

// log(mel_power + log_floor). (frames, n_mels)
at::Tensor log_mel(const at::Tensor& samples, int sample_rate, const LogMelOptions& options = {});

// Features normalised to zero mean and unit variance over all their frames and bins (the
// official speech model's per-utterance input normalisation).
at::Tensor normalize_utterance(const at::Tensor& features);

}  // namespace datasets
