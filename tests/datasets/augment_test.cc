// Deterministic batching and augmentation (datasets/augment.h).
#include "datasets/augment.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace datasets {
namespace {

TEST(EpochBatcherTest, EachEpochIsAPermutationAndReproducible) {
  EpochBatcher a(100, 10, /*seed=*/7), b(100, 10, /*seed=*/7), c(100, 10, /*seed=*/8);
  EXPECT_EQ(a.steps_per_epoch(), 10);
  std::vector<at::Tensor> epoch;
  for (int64_t step = 1; step <= 10; ++step) epoch.push_back(a.indices(step));
  at::Tensor all = std::get<0>(at::sort(at::cat(epoch)));
  EXPECT_TRUE(at::equal(all, at::arange(100, at::kLong)));
  // Same (seed, step) gives the same batch, in any order of calls.
  EXPECT_TRUE(at::equal(b.indices(13), a.indices(13)));
  EXPECT_TRUE(at::equal(b.indices(2), epoch[1]));
  // A new epoch reshuffles; another seed differs.
  EXPECT_FALSE(at::equal(a.indices(11), a.indices(1)));
  EXPECT_FALSE(at::equal(c.indices(1), b.indices(1)));
}

TEST(EpochBatcherTest, DropsThePartialBatch) {
  EpochBatcher a(25, 10, 0);
  EXPECT_EQ(a.steps_per_epoch(), 2);
  EXPECT_THROW(EpochBatcher(5, 10, 0), c10::Error);
}

TEST(AugmentTest, CropIsAShiftOfThePaddedImageAndFlipMirrors) {
  at::Tensor images = at::arange(2 * 1 * 6 * 6, at::kFloat).view({2, 1, 6, 6});
  at::Generator gen = make_generator(3);
  at::Tensor out = random_crop_flip(images, /*padding=*/2, /*fill=*/-1.0, /*flip=*/false, gen);
  EXPECT_EQ(out.sizes(), images.sizes());
  at::Tensor padded = at::constant_pad_nd(images, {2, 2, 2, 2}, -1.0);
  for (int64_t b = 0; b < 2; ++b) {
    bool found = false;
    for (int64_t dy = 0; dy <= 4 && !found; ++dy)
      for (int64_t dx = 0; dx <= 4 && !found; ++dx)
        found = at::equal(out[b], padded[b].narrow(1, dy, 6).narrow(2, dx, 6));
    EXPECT_TRUE(found) << "image " << b << " is not a crop of its padded copy";
  }
  at::Generator g1 = make_generator(5), g2 = make_generator(5);
  at::Tensor f = random_crop_flip(images, 0, 0.0, /*flip=*/true, g1);
  at::Tensor again = random_crop_flip(images, 0, 0.0, true, g2);
  EXPECT_TRUE(at::equal(f, again)) << "same seed, same augmentation";
  for (int64_t b = 0; b < 2; ++b) {
    EXPECT_TRUE(at::equal(f[b], images[b]) || at::equal(f[b], images[b].flip({-1})));
  }
  at::Generator g3 = make_generator(0);
  EXPECT_TRUE(at::equal(random_crop_flip(images, 0, 0.0, false, g3), images));
}

TEST(AugmentTest, MixSeedSeparatesNeighbours) {
  EXPECT_NE(mix_seed(0, 1), mix_seed(0, 2));
  EXPECT_NE(mix_seed(1, 0), mix_seed(0, 1));
  EXPECT_EQ(mix_seed(5, 9), mix_seed(5, 9));
}

}  // namespace
}  // namespace datasets
