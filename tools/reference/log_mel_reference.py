#!/usr/bin/env python3
"""Golden files for tests/datasets:log_mel_test: torchaudio's MelSpectrogram (0.13, Debian's
python3-torchaudio on the same LibTorch) on deterministic test signals at 16 kHz and 22.05 kHz,
with the settings of datasets/log_mel.h (25 ms Hann window, 10 ms hop, FFT of the next power of
two, 80 HTK-mel filters from 0 to 8000 Hz without normalisation, power 2, centred frames with
reflect padding).

    /usr/bin/python3 tools/reference/log_mel_reference.py tests/datasets/testdata/log_mel_golden.pt

Writes a dict {"<rate>_samples": (n,) float32, "<rate>_mel": (frames, 80) float32} that
the C++ test reads with torch::pickle_load.
"""
import math
import sys

import torch
import torchaudio


def signal(rate: int) -> torch.Tensor:
    # 0.6 s: a chirp from 200 to 3000 Hz, a 440 Hz tone with harmonics, and seeded noise.
    n = int(0.6 * rate)
    t = torch.arange(n, dtype=torch.float64) / rate
    chirp = torch.sin(2 * math.pi * (200 * t + (3000 - 200) / (2 * 0.6) * t * t))
    tone = sum(0.3 / k * torch.sin(2 * math.pi * 440 * k * t) for k in range(1, 5))
    g = torch.Generator().manual_seed(rate)
    noise = 0.05 * torch.randn(n, generator=g, dtype=torch.float64)
    return (0.4 * chirp + tone + noise).clamp(-1, 1).to(torch.float32)


def main() -> None:
    out = {}
    for rate in (16000, 22050):
        window = round(0.025 * rate)
        hop = round(0.010 * rate)
        n_fft = 1 << (window - 1).bit_length()
        mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=rate, n_fft=n_fft, win_length=window, hop_length=hop, f_min=0.0,
            f_max=8000.0, n_mels=80, window_fn=torch.hann_window, power=2.0, normalized=False,
            center=True, pad_mode="reflect", norm=None, mel_scale="htk")
        x = signal(rate)
        out[f"{rate}_samples"] = x
        out[f"{rate}_mel"] = mel(x).t().contiguous()  # (frames, 80)
    torch.save(out, sys.argv[1], _use_new_zipfile_serialization=True)


if __name__ == "__main__":
    main()
