#include "datasets/augment.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

namespace datasets {

uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

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
    at::Generator gen = make_generator(mix_seed(seed_, static_cast<uint64_t>(epoch)));
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
  const int64_t start = at::randint(0, examples - window + 1, {1}, generator, at::kLong).item<int64_t>();
  at::Tensor pick =
      at::randperm(window, generator, at::kLong).narrow(0, 0, std::min(batch_size, window)) + start;
  return std::vector<int64_t>(pick.data_ptr<int64_t>(), pick.data_ptr<int64_t>() + pick.numel());
}

}  // namespace datasets
