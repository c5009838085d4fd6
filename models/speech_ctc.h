// The CTC acoustic model of the paper's speech experiments (Section 5; the official JAX model's
// layout): log-mel frames -> a 1-D convolution (kernel 7, stride 3) with a GLU -> positions
// (sinusoidal, or CAPE's augmented positions in training) -> a stack of Transformer blocks with
// the padded frames masked in every attention -> a final norm under pre-LN -> character logits
// for CTC. The convolution is a linear layer over `kernel` stacked frames, taken from the
// LayerFactory like every other linear layer, so σReparam covers it as the paper's patch
// embedding.
//
//   models::SpeechCtc model(config);
//   at::Tensor out_lengths;
//   at::Tensor logits = model(features, lengths, &out_lengths);  // (B, T, 80) -> (B, T', 29)
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/config.h"
#include "models/transformer.h"

namespace models {

enum class PositionKind { kSinusoidal, kCape };

// CAPE (Likhomanenko et al. 2021), in training only: every position of an utterance is shifted
// by one uniform draw in [-max_global_shift, max_global_shift], each by its own in
// [-max_local_shift, max_local_shift], and all scaled by exp(uniform(-log s, log s)),
// s = max_global_scale. Evaluation uses the plain positions.
struct CapeConfig {
  double max_global_shift = 0.0;
  double max_local_shift = 0.0;
  double max_global_scale = 1.0;
};

struct SpeechCtcConfig {
  TransformerConfig transformer = {};
  int64_t features = 80;  // log-mel bins per frame
  int64_t kernel = 7;     // frames per convolution window
  int64_t stride = 3;     // frames per output position (30 ms at a 10 ms hop)
  int64_t labels = 29;    // CTC labels, blank included
  PositionKind positions = PositionKind::kCape;
  CapeConfig cape = {};
};

// Output positions of an utterance of `frames` frames: ceil(frames / stride).
int64_t speech_output_length(int64_t frames, int64_t stride);

// (B, T) positions -> (B, T, width) interleaved sin/cos features (sin on even, cos on odd
// features, wavelengths 2pi .. 10000 x 2pi); NaN positions (padding) give zeros.
at::Tensor position_features(const at::Tensor& positions, int64_t width);

class SpeechCtcImpl : public torch::nn::Module {
 public:
  explicit SpeechCtcImpl(const SpeechCtcConfig& config);

  // features: (B, T, F) float, each utterance normalised and zero past its length;
  // lengths: (B) int64 frames. Returns logits (B, T', labels) and, in *out_lengths, the (B)
  // output lengths. `generator` draws CAPE's shifts in training (the default generator if null).
  at::Tensor forward(const at::Tensor& features, const at::Tensor& lengths,
                     at::Tensor* out_lengths = nullptr, AttentionObservation* observation = nullptr,
                     at::Generator* generator = nullptr);

  const SpeechCtcConfig& config() const { return config_; }

 private:
  SpeechCtcConfig config_;
  torch::nn::AnyModule conv_;  // (B, T', F * kernel) -> (B, T', 2 d), then GLU
  torch::nn::Dropout drop_{nullptr};
  std::vector<TransformerBlock> blocks_;
  torch::nn::AnyModule norm_, head_;
};
TORCH_MODULE(SpeechCtc);

}  // namespace models
