#include "datasets/fashion_mnist.h"

#include <ATen/ATen.h>
#include <sys/stat.h>

#include <stdexcept>

#include "datasets/data_dir.h"
#include "datasets/idx.h"

namespace datasets {
namespace {

std::string existing(const std::string& dir, const std::string& stem) {
  struct stat st;
  for (const std::string& name : {stem + ".gz", stem}) {
    if (stat((dir + "/" + name).c_str(), &st) == 0) return dir + "/" + name;
  }
  throw std::runtime_error(
      missing_data_message("Fashion-MNIST file " + stem + "(.gz)", dir, "vit"));
}

}  // namespace

ImageClassification load_fashion_mnist(const std::string& split, const std::string& dir_in) {
  if (split != "train" && split != "test") {
    throw std::invalid_argument("load_fashion_mnist: split must be \"train\" or \"test\", got \"" +
                                split + "\"");
  }
  const std::string dir = dir_in.empty() ? data_dir() + "/fashion-mnist" : dir_in;
  const std::string prefix = split == "train" ? "train" : "t10k";
  at::Tensor images = read_idx(existing(dir, prefix + "-images-idx3-ubyte"));
  at::Tensor labels = read_idx(existing(dir, prefix + "-labels-idx1-ubyte"));
  if (images.dim() != 3 || labels.dim() != 1 || images.size(0) != labels.size(0)) {
    throw std::runtime_error(dir + ": Fashion-MNIST " + split + " images " +
                             c10::str(images.sizes()) + " do not match labels " +
                             c10::str(labels.sizes()));
  }
  ImageClassification out;
  out.images = ((images.to(at::kFloat) / 255.0 - kFashionMnistMean) / kFashionMnistStd)
                   .unsqueeze(1);  // (N, 1, 28, 28)
  out.labels = labels.to(at::kLong);
  out.num_classes = 10;
  return out;
}

}  // namespace datasets
