// Fashion-MNIST (Xiao et al. 2017): 60k train / 10k test 28x28 grey images, 10 classes.
// tools/setup.sh fetches it into $SIGMA_DATA/fashion-mnist (Debian dataset-fashion-mnist).
//
//   datasets::ImageClassification train = datasets::load_fashion_mnist("train");
//   train.images  // float (60000, 1, 28, 28), normalised with the training mean/std
//   train.labels  // int64 (60000,)
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace datasets {

struct ImageClassification {
  at::Tensor images;  // float (N, C, H, W)
  at::Tensor labels;  // int64 (N,)
  int64_t num_classes = 0;
};

// Pixel statistics of the Fashion-MNIST training images (0..1 scale), used to normalise both
// splits.
constexpr double kFashionMnistMean = 0.2860;
constexpr double kFashionMnistStd = 0.3530;

// split: "train" or "test". dir: defaults to data_dir() + "/fashion-mnist". A missing file
// throws std::runtime_error that names the setup command.
ImageClassification load_fashion_mnist(const std::string& split, const std::string& dir = "");

}  // namespace datasets
