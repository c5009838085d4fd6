// The ImageNet-layout folder reader (datasets/image_folder.h) and the JPEG/PNG codec
// (datasets/image_codec.h), on a fixture of images this test writes.
#include "datasets/image_folder.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "datasets/augment.h"
#include "datasets/image_codec.h"

namespace datasets {
namespace {
namespace fs = std::filesystem;

Image gradient(int h, int w, int channels, int seed) {
  Image im;
  im.height = h;
  im.width = w;
  im.channels = channels;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c)
        im.pixels.push_back(static_cast<uint8_t>((seed * 37 + 3 * x + 2 * y + 60 * c) % 256));
  return im;
}

Image constant(int h, int w, int channels, uint8_t value) {
  Image im{h, w, channels, std::vector<uint8_t>(static_cast<size_t>(h) * w * channels, value)};
  return im;
}

class ImageFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("image_folder_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    // Two classes, sorted "cat" < "dog"; JPEG and PNG, grey and colour, varied sizes.
    for (const char* split : {"train", "val"}) {
      fs::create_directories(root_ / split / "dog");
      fs::create_directories(root_ / split / "cat");
    }
    write_jpeg((root_ / "train/cat/a.jpg").string(), gradient(40, 30, 3, 1));
    write_png((root_ / "train/cat/b.png").string(), gradient(20, 50, 1, 2));
    write_png((root_ / "train/dog/c.PNG").string(), gradient(64, 64, 3, 3));
    write_jpeg((root_ / "train/dog/d.JPEG").string(), gradient(33, 47, 1, 4));
    std::ofstream((root_ / "train/dog/notes.txt").string()) << "not an image";
    write_png((root_ / "val/cat/e.png").string(), constant(30, 40, 3, 128));
    write_jpeg((root_ / "val/dog/f.jpg").string(), gradient(50, 50, 3, 5));
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string path(const std::string& p) const { return (root_ / p).string(); }
  fs::path root_;
};

TEST_F(ImageFolderTest, ClassesFromSortedFoldersAndLabels) {
  ImageFolder train(path("train"), 16, 3);
  ASSERT_EQ(train.size(), 4);  // notes.txt is not an image
  EXPECT_EQ(train.classes(), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_TRUE(at::equal(train.labels(), at::tensor({0, 0, 1, 1}, at::kLong)));
  EXPECT_EQ(fs::path(train.path(2)).filename(), "c.PNG");
  ImageFolder val(path("val"), 16, 3, train.classes());
  EXPECT_TRUE(at::equal(val.labels(), at::tensor({0, 1}, at::kLong)));
}

TEST_F(ImageFolderTest, CodecRoundTrips) {
  const Image png = decode_image(path("train/cat/b.png"));
  EXPECT_EQ(png.height, 20);
  EXPECT_EQ(png.width, 50);
  EXPECT_EQ(png.channels, 1);
  EXPECT_EQ(png.pixels, gradient(20, 50, 1, 2).pixels);  // lossless
  const Image jpeg = decode_image(path("train/cat/a.jpg"));
  ASSERT_EQ(jpeg.height, 40);
  ASSERT_EQ(jpeg.width, 30);
  ASSERT_EQ(jpeg.channels, 3);
  const Image want = gradient(40, 30, 3, 1);
  double error = 0;
  for (size_t i = 0; i < want.pixels.size(); ++i)
    error += std::abs(jpeg.pixels[i] - want.pixels[i]);
  EXPECT_LT(error / want.pixels.size(), 6.0);  // lossy at quality 90, but close
}

TEST_F(ImageFolderTest, GreyAndColourConvert) {
  ImageFolder rgb(path("train"), 16, 3), grey(path("train"), 16, 1);
  EXPECT_EQ(rgb.load(1).sizes(), (at::IntArrayRef{3, 20, 50}));  // grey PNG replicated
  EXPECT_TRUE(at::equal(rgb.load(1)[0], rgb.load(1)[2]));
  EXPECT_EQ(grey.load(2).sizes(), (at::IntArrayRef{1, 64, 64}));  // colour PNG to luma
}

TEST_F(ImageFolderTest, EvalBatchIsResizeAndCentreCropNormalised) {
  ImageFolder train(path("train"), 16, 3);
  ImageFolder val(path("val"), 16, 3, train.classes());
  at::Tensor x = val.eval_batch(at::tensor({0, 1}, at::kLong));
  ASSERT_EQ(x.sizes(), (at::IntArrayRef{2, 3, 16, 16}));
  // A constant grey image stays constant: (128/255 - mean) / std per channel.
  at::Tensor want = normalize_imagenet(at::full({1, 3, 16, 16}, 128.0 / 255.0));
  EXPECT_TRUE(at::allclose(x[0], want[0], 1e-4, 1e-4));
  at::Tensor raw = val.eval_batch(at::tensor({0}, at::kLong), 256.0 / 224.0, /*normalize=*/false);
  EXPECT_EQ(raw.size(2), 18);  // round(16 x 256 / 224)
  EXPECT_NEAR(raw.mean().item<double>(), 128.0 / 255.0, 1e-4);
}

TEST_F(ImageFolderTest, TrainBatchIsDeterministicInTheGenerator) {
  ImageFolder train(path("train"), 16, 3);
  at::Tensor idx = at::tensor({0, 1, 2, 3, 2}, at::kLong);
  at::Generator g1 = make_generator(11), g2 = make_generator(11), g3 = make_generator(12);
  at::Tensor a = train.train_batch(idx, true, 0.08, g1);
  at::Tensor b = train.train_batch(idx, true, 0.08, g2);
  at::Tensor c = train.train_batch(idx, true, 0.08, g3);
  ASSERT_EQ(a.sizes(), (at::IntArrayRef{5, 3, 16, 16}));
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::equal(a, c));
  EXPECT_FALSE(at::equal(a[2], a[4]));  // the same image, two random crops
  EXPECT_TRUE(at::isfinite(a).all().item<bool>());
}

TEST_F(ImageFolderTest, BadInputNamesThePath) {
  // A truncated JPEG and a file that is no image at all.
  {
    std::ifstream in(path("train/cat/a.jpg"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(path("train/cat/broken.jpg"), std::ios::binary) << bytes.substr(0, 200);
    std::ofstream(path("train/cat/fake.png"), std::ios::binary) << "GIF89a not really";
  }
  auto message_of = [](auto&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of([&] {
              decode_image(path("train/cat/broken.jpg"));
            }).find("broken.jpg: corrupt JPEG"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              decode_image(path("train/cat/fake.png"));
            }).find("fake.png: not a JPEG or PNG"),
            std::string::npos);
  ImageFolder train(path("train"), 16, 3);  // broken.jpg is listed; decoding it names it
  at::Generator gen = make_generator(0);
  const std::string batch_error =
      message_of([&] { train.train_batch(at::arange(train.size(), at::kLong), true, 0.08, gen); });
  EXPECT_NE(batch_error.find(".jpg: corrupt JPEG"), std::string::npos) << batch_error;
  // Missing folder, a validation class the training split lacks, an empty split.
  EXPECT_NE(message_of([&] { ImageFolder(path("nope"), 16, 3); }).find("nope: no such folder"),
            std::string::npos);
  fs::create_directories(root_ / "val/zebra");
  EXPECT_NE(message_of([&] {
              ImageFolder(path("val"), 16, 3, {"cat", "dog"});
            }).find("zebra: a class folder that the training split does not have"),
            std::string::npos);
  fs::create_directories(root_ / "empty/cls");
  EXPECT_NE(message_of([&] { ImageFolder(path("empty"), 16, 3); }).find("holds no .jpg"),
            std::string::npos);
}

}  // namespace
}  // namespace datasets
