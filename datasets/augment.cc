#include "datasets/augment.h"

#include "core/hash.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>

namespace datasets {

at::Generator make_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

EpochBatcher::EpochBatcher(int64_t examples, int64_t batch_size, uint64_t seed)
    : examples_(examples), batch_size_(batch_size), seed_(seed) {
  TORCH_CHECK(batch_size >= 1 && examples >= batch_size, "EpochBatcher: ", examples,
              " examples cannot fill a batch of ", batch_size);
  steps_per_epoch_ = examples / batch_size;
}

at::Tensor EpochBatcher::indices(int64_t step) {
  TORCH_CHECK(step >= 1, "EpochBatcher: steps are 1-based, got ", step);
  const int64_t epoch = (step - 1) / steps_per_epoch_;
  if (epoch != cached_epoch_) {
    at::Generator gen = make_generator(core::mix_seed(seed_, static_cast<uint64_t>(epoch)));
    permutation_ = at::randperm(examples_, gen, at::kLong);
    cached_epoch_ = epoch;
  }
  return permutation_.narrow(0, ((step - 1) % steps_per_epoch_) * batch_size_, batch_size_);
}

at::Tensor random_crop_flip(const at::Tensor& images, int64_t padding, double fill, bool flip,
                            at::Generator& generator) {
  TORCH_CHECK(images.dim() == 4, "random_crop_flip: expected (B, C, H, W), got ", images.sizes());
  const int64_t B = images.size(0), H = images.size(2), W = images.size(3);
  at::Tensor out = images;
  if (padding > 0) {
    at::Tensor padded = at::constant_pad_nd(images, {padding, padding, padding, padding}, fill);
    at::Tensor offsets = at::randint(0, 2 * padding + 1, {B, 2}, generator, at::kLong);
    auto off = offsets.accessor<int64_t, 2>();
    out = at::empty_like(images);
    for (int64_t b = 0; b < B; ++b) {
      out[b].copy_(padded[b].narrow(1, off[b][0], H).narrow(2, off[b][1], W));
    }
  }
  if (flip) {
    at::Tensor coin = at::randint(0, 2, {B, 1, 1, 1}, generator, at::kLong).to(at::kBool);
    out = at::where(coin, out.flip({-1}), out);
  }
  return out;
}

std::vector<int64_t> length_bucketed_batch(int64_t examples, int64_t batch_size,
                                           at::Generator& generator) {
  const int64_t window = std::min(examples, 4 * batch_size);
  const int64_t start =
      at::randint(0, examples - window + 1, {1}, generator, at::kLong).item<int64_t>();
  at::Tensor pick =
      at::randperm(window, generator, at::kLong).narrow(0, 0, std::min(batch_size, window)) + start;
  return std::vector<int64_t>(pick.data_ptr<int64_t>(), pick.data_ptr<int64_t>() + pick.numel());
}

at::Tensor augment_view(const at::Tensor& images, const ViewAugment& o, int64_t size,
                        at::Generator& generator) {
  TORCH_CHECK(images.dim() == 4, "augment_view: expected (B, C, H, W), got ", images.sizes());
  const int64_t B = images.size(0), C = images.size(1);
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  // Every random number is drawn here, in a fixed order.
  at::Tensor area = o.min_scale + (1.0 - o.min_scale) * at::rand({B}, generator, f64);
  at::Tensor log_ratio = std::log(o.min_ratio) + (std::log(o.max_ratio) - std::log(o.min_ratio)) *
                                                     at::rand({B}, generator, f64);
  at::Tensor centre = at::rand({B, 2}, generator, f64);
  at::Tensor flip = at::randint(0, 2, {B}, generator, f64);
  at::Tensor jitter_on = at::rand({B}, generator, f64).lt(o.jitter_probability);
  at::Tensor brightness = 1.0 + o.jitter * (2 * at::rand({B}, generator, f64) - 1);
  at::Tensor contrast = 1.0 + o.jitter * (2 * at::rand({B}, generator, f64) - 1);
  at::Tensor blur_on = at::rand({B}, generator, f64).lt(o.blur_probability);
  at::Tensor blur_sigma = (0.1 + 1.9 * at::rand({B}, generator, f64)) * (size / 28.0);
  at::Tensor noise_std = o.noise_std * at::rand({B}, generator, f64);
  at::Tensor noise =
      at::randn({B, C, size, size}, generator, at::TensorOptions().dtype(at::kFloat));

  // Crop box as a fraction of the image: width w, height h (clamped to fit), centre anywhere that
  // keeps it inside. Normalised coordinates (align_corners = false): x_in = cx + sx * x_out.
  at::Tensor ratio = log_ratio.exp();
  at::Tensor w = (area * ratio).sqrt().clamp_max(1.0);
  at::Tensor h = (area / ratio).sqrt().clamp_max(1.0);
  at::Tensor cx = (2 * centre.select(1, 0) - 1) * (1 - w);
  at::Tensor cy = (2 * centre.select(1, 1) - 1) * (1 - h);
  at::Tensor sx = o.flip ? w * (1 - 2 * flip) : w;
  at::Tensor zero = at::zeros({B}, f64);
  at::Tensor theta = at::stack({at::stack({sx, zero, cx}, 1), at::stack({zero, h, cy}, 1)}, 1);
  at::Tensor grid = at::affine_grid_generator(theta.to(at::kFloat), {B, C, size, size},
                                              /*align_corners=*/false);
  at::Tensor x = at::grid_sampler(images.to(at::kFloat), grid, /*interpolation=*/0,
                                  /*padding=*/1, /*align_corners=*/false);  // bilinear, border

  // Brightness, then contrast about each image's mean.
  auto per_image = [&](const at::Tensor& v) { return v.to(at::kFloat).view({B, 1, 1, 1}); };
  at::Tensor jittered = (x * per_image(brightness)).clamp(0, 1);
  at::Tensor mean = jittered.mean({1, 2, 3}, /*keepdim=*/true);
  jittered = ((jittered - mean) * per_image(contrast) + mean).clamp(0, 1);
  x = at::where(per_image(jitter_on.to(at::kDouble)).gt(0), jittered, x);

  // Separable Gaussian blur, one kernel per image (a grouped convolution).
  const int64_t k = std::max<int64_t>(3, (size / 10) | 1);
  at::Tensor offsets = at::arange(k, f64) - (k - 1) / 2.0;
  at::Tensor kernel = (-(offsets.view({1, k}).pow(2)) / (2 * blur_sigma.view({B, 1}).pow(2))).exp();
  kernel = (kernel / kernel.sum(1, true)).to(at::kFloat).repeat_interleave(C, 0);  // (B*C, k)
  at::Tensor flat = at::reflection_pad2d(x.reshape({1, B * C, size, size}),
                                         {(k - 1) / 2, (k - 1) / 2, (k - 1) / 2, (k - 1) / 2});
  flat = at::conv2d(flat, kernel.view({B * C, 1, k, 1}), c10::nullopt, at::IntArrayRef{1},
                    at::IntArrayRef{0}, at::IntArrayRef{1}, B * C);
  flat = at::conv2d(flat, kernel.view({B * C, 1, 1, k}), c10::nullopt, at::IntArrayRef{1},
                    at::IntArrayRef{0}, at::IntArrayRef{1}, B * C);
  x = at::where(per_image(blur_on.to(at::kDouble)).gt(0), flat.view({B, C, size, size}), x);

  return (x + noise * per_image(noise_std)).clamp(0, 1);
}

}  // namespace datasets
