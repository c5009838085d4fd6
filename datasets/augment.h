// Deterministic batching and image augmentation. Every random choice is a function of
// (seed, epoch) or (seed, step), so a resumed run sees exactly the batches an uninterrupted
// run would, with no generator state to save.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace datasets {

// A 64-bit mix of two values (splitmix64), for deriving seeds.
uint64_t mix_seed(uint64_t a, uint64_t b);

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

}  // namespace datasets
