// Image classification data in the ImageNet folder layout: one folder per class under each split,
//
//   <path>/train/n01440764/n01440764_10026.JPEG
//   <path>/val/n01440764/ILSVRC2012_val_00000293.JPEG
//
// JPEG or PNG files (datasets/image_codec.h), the class index being the position of the class's
// folder name among the sorted folder names of the training split. Images are decoded when a
// batch asks for them (ImageNet does not fit in memory): random resized crop and flip for
// training, resize and centre crop for evaluation (the DeiT/torchvision recipe), normalised with
// the ImageNet channel statistics.
//
//   datasets::ImageFolder train("imagenet/train", /*image_size=*/224, /*channels=*/3);
//   datasets::ImageFolder val("imagenet/val", 224, 3, train.classes());
//   at::Tensor x = train.train_batch(indices, /*flip=*/true, /*min_scale=*/0.08, generator);
//   at::Tensor y = train.labels().index_select(0, indices);
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace datasets {

class ImageFolder {
 public:
  // root: one split's folder. classes: the class names to index by (the training split's); empty
  // to take root's sorted subfolders. Throws, naming the path, when root is missing, holds no
  // class folder or no image, or holds a class that `classes` lacks.
  ImageFolder(const std::string& root, int64_t image_size, int64_t channels,
              std::vector<std::string> classes = {});

  int64_t size() const { return static_cast<int64_t>(paths_.size()); }
  int64_t image_size() const { return image_size_; }
  const std::vector<std::string>& classes() const { return classes_; }
  const std::string& path(int64_t i) const { return paths_.at(static_cast<size_t>(i)); }
  at::Tensor labels() const { return labels_; }  // int64 (N,)

  // One image as float (channels, H, W) in [0, 1] at its own size (grey <-> RGB converted).
  at::Tensor load(int64_t i) const;
  // Training crops (B, channels, S, S), normalised: per image a random resized crop of area
  // [min_scale, 1] of the image and aspect ratio [3/4, 4/3], then a horizontal flip with
  // probability 1/2 when `flip`. The random choices come from `generator` only.
  at::Tensor train_batch(const at::Tensor& indices, bool flip, double min_scale,
                         at::Generator& generator) const;
  // Evaluation crops (B, channels, S, S), normalised: the shorter side resized to S * 256 / 224,
  // then the central S x S. `scale` > 1 keeps a larger centre (S * scale) for callers that crop
  // further themselves; normalize = false leaves pixels in [0, 1].
  at::Tensor eval_batch(const at::Tensor& indices, double scale = 1.0, bool normalize = true) const;

 private:
  std::string root_;
  int64_t image_size_, channels_;
  std::vector<std::string> classes_;
  std::vector<std::string> paths_;
  at::Tensor labels_;
};

// Normalises (B, C, H, W) images in [0, 1] with the ImageNet channel mean and std (grey: their
// averages).
at::Tensor normalize_imagenet(const at::Tensor& images);

}  // namespace datasets
