#include "datasets/image_folder.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "datasets/augment.h"
#include "datasets/image_codec.h"

namespace datasets {
namespace fs = std::filesystem;

namespace {

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

// Crop (top, left, height, width) of `image` (C, H, W), resized to S x S with antialiasing.
at::Tensor crop_resize(const at::Tensor& image, int64_t top, int64_t left, int64_t h, int64_t w,
                       int64_t size) {
  at::Tensor crop = image.narrow(1, top, h).narrow(2, left, w).unsqueeze(0);
  return at::_upsample_bilinear2d_aa(crop, {size, size}, /*align_corners=*/false).squeeze(0);
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root, int64_t image_size, int64_t channels,
                         std::vector<std::string> classes)
    : root_(root), image_size_(image_size), channels_(channels), classes_(std::move(classes)) {
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument("ImageFolder: channels must be 1 or 3, got " +
                                std::to_string(channels));
  }
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw std::runtime_error(root +
                             ": no such folder (expected one folder per class holding "
                             "JPEG or PNG images, the ImageNet train/val layout)");
  }
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) found.push_back(entry.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  if (found.empty()) throw std::runtime_error(root + ": holds no class folder");
  if (classes_.empty()) classes_ = found;
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < classes_.size(); ++i) index[classes_[i]] = static_cast<int64_t>(i);
  std::vector<int64_t> labels;
  for (const std::string& name : found) {
    auto it = index.find(name);
    if (it == index.end()) {
      throw std::runtime_error(root + "/" + name +
                               ": a class folder that the training split does not have");
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(fs::path(root) / name)) {
      if (entry.is_regular_file() && is_image_name(entry.path())) {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      paths_.push_back(std::move(f));
      labels.push_back(it->second);
    }
  }
  if (paths_.empty()) {
    throw std::runtime_error(root + ": holds no .jpg, .jpeg or .png image in its class folders");
  }
  labels_ = at::tensor(labels, at::kLong);
}

at::Tensor ImageFolder::load(int64_t i) const {
  const Image image = decode_image(path(i));
  at::Tensor t = at::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                               {image.height, image.width, image.channels}, at::kByte)
                     .permute({2, 0, 1})
                     .to(at::kFloat)
                     .div_(255.0);
  if (image.channels == 3 && channels_ == 1) {  // ITU-R 601 luma, as PIL's convert("L")
    t = (t[0] * 0.299 + t[1] * 0.587 + t[2] * 0.114).unsqueeze(0);
  } else if (image.channels == 1 && channels_ == 3) {
    t = t.expand({3, -1, -1});
  }
  return t.contiguous();
}

at::Tensor ImageFolder::train_batch(const at::Tensor& indices, bool flip, double min_scale,
                                    at::Generator& generator) const {
  const int64_t B = indices.numel(), S = image_size_, attempts = 10;
  at::Tensor idx = indices.to(at::kLong).contiguous();
  // Every random number first, in a fixed order, so that decoding may run in parallel.
  at::Tensor u = at::rand({B, attempts, 4}, generator, at::kDouble);
  at::Tensor coin = at::randint(0, 2, {B}, generator, at::kLong);
  at::Tensor out = at::empty({B, channels_, S, S}, at::kFloat);
  auto ua = u.accessor<double, 3>();
  auto ca = coin.accessor<int64_t, 1>();
  const int64_t* ip = idx.data_ptr<int64_t>();
  at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      at::Tensor image = load(ip[b]);
      const int64_t H = image.size(1), W = image.size(2);
      int64_t top = 0, left = 0, h = H, w = W;
      bool found = false;
      for (int64_t a = 0; a < attempts && !found; ++a) {
        const double area = H * W * (min_scale + (1.0 - min_scale) * ua[b][a][0]);
        const double log_ratio =
            std::log(3.0 / 4) + (std::log(4.0 / 3) - std::log(3.0 / 4)) * ua[b][a][1];
        const double ratio = std::exp(log_ratio);
        const int64_t cw = std::llround(std::sqrt(area * ratio));
        const int64_t ch = std::llround(std::sqrt(area / ratio));
        if (cw >= 1 && ch >= 1 && cw <= W && ch <= H) {
          h = ch;
          w = cw;
          top = static_cast<int64_t>(ua[b][a][2] * (H - h + 1));
          left = static_cast<int64_t>(ua[b][a][3] * (W - w + 1));
          found = true;
        }
      }
      if (!found) {  // the central crop of the whole image (torchvision's fallback)
        h = std::min(H, W);
        w = h;
        top = (H - h) / 2;
        left = (W - w) / 2;
      }
      at::Tensor crop = crop_resize(image, top, left, h, w, S);
      if (flip && ca[b] == 1) crop = crop.flip({-1});
      out[b].copy_(crop);
    }
  });
  return normalize_imagenet(out);
}

at::Tensor ImageFolder::eval_batch(const at::Tensor& indices, double scale, bool normalize) const {
  const int64_t B = indices.numel();
  const int64_t S = std::llround(image_size_ * scale);
  at::Tensor idx = indices.to(at::kLong).contiguous();
  const int64_t* ip = idx.data_ptr<int64_t>();
  at::Tensor out = at::empty({B, channels_, S, S}, at::kFloat);
  at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      at::Tensor image = load(ip[b]);
      const int64_t H = image.size(1), W = image.size(2);
      // Resize the shorter side to image_size * 256 / 224 and keep the central S x S: the same
      // as cropping the central S / f of the original, f the resize factor.
      const double f = (image_size_ * 256.0 / 224.0) / std::min(H, W);
      const int64_t side = std::clamp<int64_t>(std::llround(S / f), 1, std::min(H, W));
      out[b].copy_(crop_resize(image, (H - side) / 2, (W - side) / 2, side, side, S));
    }
  });
  return normalize ? normalize_imagenet(out) : out;
}

at::Tensor normalize_imagenet(const at::Tensor& images) {
  const int64_t C = images.size(1);
  at::Tensor mean =
      C == 3 ? at::tensor({0.485, 0.456, 0.406}, at::kFloat) : at::full({C}, 0.449, at::kFloat);
  at::Tensor std =
      C == 3 ? at::tensor({0.229, 0.224, 0.225}, at::kFloat) : at::full({C}, 0.226, at::kFloat);
  return (images - mean.view({1, C, 1, 1})) / std.view({1, C, 1, 1});
}

}  // namespace datasets
