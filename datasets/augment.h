// Deterministic batching and image augmentation. Every random choice is a function of
// (seed, epoch) or (seed, step), so a resumed run sees exactly the batches an uninterrupted
// run would, with no generator state to save.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace datasets {

// A CPU generator seeded with `seed`.
at::Generator make_generator(uint64_t seed);

// Shuffled epochs of full batches: epoch e is a permutation seeded by (seed, e); the last
// partial batch of an epoch is dropped.
class EpochBatcher {
 public:
  EpochBatcher(int64_t examples, int64_t batch_size, uint64_t seed);
  // Example indices (batch_size,) int64 of the 1-based training step.
  at::Tensor indices(int64_t step);
  int64_t steps_per_epoch() const { return steps_per_epoch_; }

 private:
  int64_t examples_, batch_size_, steps_per_epoch_;
  uint64_t seed_;
  int64_t cached_epoch_ = -1;
  at::Tensor permutation_;
};

// A batch of examples of similar length from `examples` sorted by length: a window of
// 4 x batch_size consecutive examples at a random place, and batch_size of them drawn from it in
// random order (every example reachable, little padding).
std::vector<int64_t> length_bucketed_batch(int64_t examples, int64_t batch_size,
                                           at::Generator& generator);

// Random crop after padding by `padding` pixels of value `fill`, then a random horizontal flip
// with probability 1/2 when `flip`. images: (B, C, H, W) -> (B, C, H, W).
at::Tensor random_crop_flip(const at::Tensor& images, int64_t padding, double fill, bool flip,
                            at::Generator& generator);

// One random view of each image for contrastive learning (SimCLR, Chen et al. 2020), with what
// suits grey images: a random resized crop (area [min_scale, 1], aspect ratio [3/4, 4/3] by
// default) with a horizontal flip, then with probability jitter_probability a brightness and a
// contrast factor each in [1 - jitter, 1 + jitter], a Gaussian blur with probability
// blur_probability (sigma in [0.1, 2] pixels x size / 28, kernel about a tenth of the image), and
// Gaussian noise of a std in [0, noise_std]. images: (B, C, H, W) with pixels in [0, 1] -> (B, C,
// size, size) in [0, 1].
struct ViewAugment {
  double min_scale = 0.3;
  double min_ratio = 3.0 / 4, max_ratio = 4.0 / 3;  // crop aspect ratio (width / height)
  bool flip = true;
  double jitter = 0.4;
  double jitter_probability = 0.8;
  double blur_probability = 0.5;
  double noise_std = 0.05;
};
at::Tensor augment_view(const at::Tensor& images, const ViewAugment& options, int64_t size,
                        at::Generator& generator);

}  // namespace datasets
