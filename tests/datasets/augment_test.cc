// Deterministic batching and augmentation (datasets/augment.h).
#include "datasets/augment.h"
#include "core/hash.h"

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
  EXPECT_NE(core::mix_seed(0, 1), core::mix_seed(0, 2));
  EXPECT_NE(core::mix_seed(1, 0), core::mix_seed(0, 1));
  EXPECT_EQ(core::mix_seed(5, 9), core::mix_seed(5, 9));
}

// The SimCLR views (augment_view): deterministic in the generator's seed, pixels stay in [0, 1],
// and with every random transform switched off a view is the image itself.
TEST(AugmentViewTest, DeterministicInTheSeedAndInRange) {
  at::manual_seed(0);
  at::Tensor images = at::rand({6, 1, 28, 28});
  ViewAugment o;
  at::Generator g1 = make_generator(core::mix_seed(5, 1)),
                g2 = make_generator(core::mix_seed(5, 1)),
                g3 = make_generator(core::mix_seed(5, 2));
  at::Tensor a = augment_view(images, o, 28, g1), b = augment_view(images, o, 28, g2),
             c = augment_view(images, o, 28, g3);
  EXPECT_EQ(a.sizes(), images.sizes());
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::allclose(a, c));
  EXPECT_GE(a.min().item<float>(), 0.0f);
  EXPECT_LE(a.max().item<float>(), 1.0f);
  // The second view from the same generator differs from the first.
  EXPECT_FALSE(at::allclose(augment_view(images, o, 28, g1), a));
  // Another output size.
  EXPECT_EQ(augment_view(images, o, 14, g1).sizes(), (at::IntArrayRef{6, 1, 14, 14}));
}

TEST(AugmentViewTest, IdentityWhenEveryTransformIsOff) {
  at::manual_seed(1);
  at::Tensor images = at::rand({3, 1, 28, 28});
  ViewAugment o;
  o.min_scale = 1.0;  // the crop is the whole image
  o.min_ratio = o.max_ratio = 1.0;
  o.flip = false;
  o.jitter_probability = 0;
  o.blur_probability = 0;
  o.noise_std = 0;
  at::Generator gen = make_generator(9);
  EXPECT_TRUE(at::allclose(augment_view(images, o, 28, gen), images, 0, 1e-5));
  // Flips on: each output is the image or its mirror.
  o.flip = true;
  at::Tensor out = augment_view(images, o, 28, gen);
  for (int64_t b = 0; b < 3; ++b) {
    EXPECT_TRUE(at::allclose(out[b], images[b], 0, 1e-5) ||
                at::allclose(out[b], images[b].flip({-1}), 0, 1e-5));
  }
}

TEST(AugmentViewTest, JitterAndBlurChangeContrastAndSmoothness) {
  at::Tensor checker = (at::arange(28).view({28, 1}) + at::arange(28).view({1, 28}))
                           .remainder(2)
                           .to(at::kFloat)
                           .view({1, 1, 28, 28})
                           .repeat({8, 1, 1, 1});
  ViewAugment o;
  o.min_scale = 1.0;
  o.min_ratio = o.max_ratio = 1.0;
  o.flip = false;
  o.jitter_probability = 0;
  o.noise_std = 0;
  o.blur_probability = 1.0;
  at::Generator gen = make_generator(4);
  at::Tensor blurred = augment_view(checker, o, 28, gen);
  // A blur averages neighbouring black and white pixels: contrast falls with the blur's sigma
  // (drawn in [0.1, 2]; at 0.1 it is nearly none), to under half in most images.
  auto spread_of = [](const at::Tensor& x) {
    return std::get<0>(x.flatten(1).max(1)) - std::get<0>(x.flatten(1).min(1));
  };
  at::Tensor spread = spread_of(blurred);
  EXPECT_LT(spread.mean().item<double>(), 0.7) << spread;
  EXPECT_GE(spread.lt(0.5).sum().item<int64_t>(), 4) << spread;
  // Jitter alone, always on, strength 0.4: brightness and contrast change each image's mean.
  o.blur_probability = 0;
  o.jitter_probability = 1.0;
  at::Tensor jittered = augment_view(checker * 0.5 + 0.25, o, 28, gen);
  at::Tensor means = jittered.mean({1, 2, 3});
  EXPECT_GT((means - 0.5).abs().max().item<double>(), 0.02) << means;
}

}  // namespace
}  // namespace datasets
