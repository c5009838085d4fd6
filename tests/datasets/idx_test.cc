// IDX reader and the Fashion-MNIST loader's errors, on files the test writes itself.
#include "datasets/idx.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "datasets/fashion_mnist.h"

namespace datasets {
namespace {

std::string tmp_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::vector<unsigned char> idx_bytes(std::vector<uint32_t> dims, const std::vector<uint8_t>& data) {
  std::vector<unsigned char> out = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back((d >> shift) & 0xff);
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void write_plain(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void write_gz(const std::string& path, const std::vector<unsigned char>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), bytes.size());
  gzclose(f);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(IdxTest, ReadsPlainAndGzipFiles) {
  std::vector<uint8_t> data(2 * 3 * 4);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  auto bytes = idx_bytes({2, 3, 4}, data);
  write_plain(tmp_path("a.idx"), bytes);
  write_gz(tmp_path("a.idx.gz"), bytes);
  for (const std::string name : {"a.idx", "a.idx.gz"}) {
    at::Tensor t = read_idx(tmp_path(name));
    EXPECT_EQ(t.sizes(), (at::IntArrayRef{2, 3, 4})) << name;
    EXPECT_EQ(t.scalar_type(), at::kByte);
    EXPECT_EQ(t[1][2][3].item<int>(), (23 * 7) % 256) << name;
  }
}

TEST(IdxTest, ClearErrors) {
  EXPECT_NE(error_of([] { read_idx(tmp_path("missing.idx")); }).find("cannot open"),
            std::string::npos);

  auto truncated = idx_bytes({10, 10}, std::vector<uint8_t>(50));
  write_plain(tmp_path("short.idx"), truncated);
  const std::string err = error_of([] { read_idx(tmp_path("short.idx")); });
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  EXPECT_NE(err.find("short.idx"), std::string::npos) << err;

  write_plain(tmp_path("text.idx"), {'h', 'e', 'l', 'l', 'o'});
  EXPECT_NE(error_of([] { read_idx(tmp_path("text.idx")); }).find("not an IDX file"),
            std::string::npos);

  auto floats = idx_bytes({1}, {0, 0, 0, 0});
  floats[2] = 0x0D;
  write_plain(tmp_path("float.idx"), floats);
  EXPECT_NE(error_of([] { read_idx(tmp_path("float.idx")); }).find("not supported"),
            std::string::npos);
}

TEST(FashionMnistTest, MissingDataNamesTheSetupCommand) {
  const std::string err = error_of([] { load_fashion_mnist("train", tmp_path("nowhere")); });
  EXPECT_NE(err.find("tools/setup.sh"), std::string::npos) << err;
  EXPECT_NE(err.find("nowhere"), std::string::npos) << err;
  EXPECT_NE(error_of([] { load_fashion_mnist("validation", tmp_path("x")); }).find("split"),
            std::string::npos);
}

TEST(FashionMnistTest, LoadsAndNormalisesASmallCopy) {
  const std::string dir = tmp_path("fmnist");
  mkdir(dir.c_str(), 0755);
  std::vector<uint8_t> pixels(3 * 28 * 28, 0);
  pixels[28 * 28] = 255;  // image 1, pixel (0, 0)
  write_gz(dir + "/t10k-images-idx3-ubyte.gz", idx_bytes({3, 28, 28}, pixels));
  write_gz(dir + "/t10k-labels-idx1-ubyte.gz", idx_bytes({3}, {9, 0, 4}));
  ImageClassification test = load_fashion_mnist("test", dir);
  EXPECT_EQ(test.images.sizes(), (at::IntArrayRef{3, 1, 28, 28}));
  EXPECT_EQ(test.labels[0].item<int64_t>(), 9);
  EXPECT_NEAR(test.images[1][0][0][0].item<double>(), (1.0 - kFashionMnistMean) / kFashionMnistStd,
              1e-5);
  EXPECT_NEAR(test.images[0][0][0][0].item<double>(), -kFashionMnistMean / kFashionMnistStd, 1e-5);

  write_gz(dir + "/t10k-labels-idx1-ubyte.gz", idx_bytes({2}, {9, 0}));
  EXPECT_NE(error_of([&] { load_fashion_mnist("test", dir); }).find("do not match"),
            std::string::npos);
}

}  // namespace
}  // namespace datasets
