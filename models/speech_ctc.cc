#include "models/speech_ctc.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include <cmath>

#include "models/layer_factory.h"
#include "models/norms.h"

namespace models {

int64_t speech_output_length(int64_t frames, int64_t stride) {
  return (frames + stride - 1) / stride;
}

at::Tensor position_features(const at::Tensor& positions, int64_t width) {
  const at::Tensor i = at::arange(width, positions.options().dtype(at::kFloat));
  const at::Tensor freq = at::exp(-2.0 * at::floor(i / 2) * (std::log(1e4) / width));
  const at::Tensor shift = (M_PI / 2) * at::remainder(i, 2);
  const at::Tensor p = positions.to(at::kFloat).unsqueeze(-1);
  return at::nan_to_num(at::sin(p * freq + shift), 0.0);
}

SpeechCtcImpl::SpeechCtcImpl(const SpeechCtcConfig& c) : config_(c) {
  TORCH_CHECK(c.kernel >= 1 && c.stride >= 1, "SpeechCtc: kernel and stride must be >= 1");
  TORCH_CHECK(c.labels >= 2, "SpeechCtc: needs at least the blank and one label");
  const int64_t d = c.transformer.width;
  const TransformerConfig t =
      with_deep_norm_scales(c.transformer, DeepNormStack::kEncoderOnly, c.transformer.depth, 0);
  LayerFactory make(t.layers);
  conv_ = make.linear(Role::kEmbed, c.features * c.kernel, 2 * d);
  register_module("conv", conv_.ptr());
  drop_ = register_module("drop", torch::nn::Dropout(t.dropout));
  torch::nn::ModuleList blocks;
  for (int64_t i = 0; i < t.depth; ++i) {
    blocks_.push_back(TransformerBlock(t, make, BlockSite{"encoder", i, false}));
    blocks->push_back(blocks_.back());
  }
  register_module("blocks", blocks);
  norm_ = t.layers.norm == NormPlacement::kPreLN ? make.norm(d)
                                                 : torch::nn::AnyModule(torch::nn::Identity());
  register_module("norm", norm_.ptr());
  head_ = make.linear(Role::kHead, d, c.labels);
  register_module("head", head_.ptr());
}

at::Tensor SpeechCtcImpl::forward(const at::Tensor& features, const at::Tensor& lengths,
                                  at::Tensor* out_lengths, AttentionObservation* observation,
                                  at::Generator* generator) {
  const auto& c = config_;
  TORCH_CHECK(features.dim() == 3 && features.size(2) == c.features, "SpeechCtc: expected (B, T, ",
              c.features, ") features, got ", features.sizes());
  const int64_t B = features.size(0), T = features.size(1);
  const int64_t out_t = speech_output_length(T, c.stride);
  // 'Same' convolution: windows centred on frames 0, s, 2s, ... (zeros beyond both ends).
  const int64_t left = (c.kernel - 1) / 2;
  const int64_t right = (out_t - 1) * c.stride + c.kernel - T - left;
  at::Tensor x = at::constant_pad_nd(features, {0, 0, left, std::max<int64_t>(right, 0)}, 0.0);
  x = x.unfold(1, c.kernel, c.stride).narrow(1, 0, out_t);  // (B, T', F, kernel)
  x = conv_.forward<at::Tensor>(x.reshape({B, out_t, c.features * c.kernel}));
  x = drop_(at::glu(x, -1));  // (B, T', d)
  const at::Tensor out_len = at::floor_divide(lengths + (c.stride - 1), c.stride).clamp_max(out_t);
  const at::Tensor real = at::arange(out_t, lengths.options()).unsqueeze(0) < out_len.unsqueeze(1);
  at::Tensor positions = at::arange(out_t, x.options()).unsqueeze(0).expand({B, out_t});
  if (is_training() && c.positions == PositionKind::kCape) {
    const auto gen = generator != nullptr ? c10::optional<at::Generator>(*generator) : c10::nullopt;
    const auto& cape = c.cape;
    at::Tensor p = positions;
    if (cape.max_global_shift > 0) {
      p = p + at::empty({B, 1}, x.options())
                  .uniform_(-cape.max_global_shift, cape.max_global_shift, gen);
    }
    if (cape.max_local_shift > 0) {
      p = p + at::empty({B, out_t}, x.options())
                  .uniform_(-cape.max_local_shift, cape.max_local_shift, gen);
    }
    if (cape.max_global_scale > 1) {
      const double l = std::log(cape.max_global_scale);
      p = p * at::exp(at::empty({B, 1}, x.options()).uniform_(-l, l, gen));
    }
    positions = p;
  }
  x = x + position_features(positions, c.transformer.width) * real.unsqueeze(-1);
  AttentionMask mask;
  mask.key_mask = real;
  mask.query_mask = real;
  for (auto& block : blocks_) x = block(x, &mask, observation);
  x = norm_.forward<at::Tensor>(x);
  if (out_lengths != nullptr) *out_lengths = out_len;
  return head_.forward<at::Tensor>(x);
}

}  // namespace models
