#include "experiments/vit/vit_task.h"

#include "core/hash.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>

#include <absl/strings/str_cat.h>

#include <algorithm>
#include <stdexcept>

#include "core/paths.h"
#include "experiments/engine/metric_format.h"
#include "experiments/vit/vit_config.h"

namespace experiments {

VitTask::VitTask(const sigma_reparam::ExperimentSpec& spec) : spec_(spec) {
  const auto& data = spec.data();
  if (data.dataset() == sigma_reparam::DataSpec::IMAGENET_FOLDER) {
    const auto& v = spec.vit();
    folder_train_ = std::make_unique<datasets::ImageFolder>(
        core::resolve_input(data.path()) + "/train", v.image_size(), v.channels());
    folder_test_ = std::make_unique<datasets::ImageFolder>(
        core::resolve_input(data.path()) + "/val", v.image_size(), v.channels(),
        folder_train_->classes());
    if (static_cast<int64_t>(folder_train_->classes().size()) > v.num_classes()) {
      throw std::runtime_error(
          data.path() + "/train has " + std::to_string(folder_train_->classes().size()) +
          " class folders but vit.num_classes is " + std::to_string(v.num_classes()));
    }
    train_examples_ = folder_train_->size();
    test_examples_ = folder_test_->size();
  } else {
    train_ = datasets::load_fashion_mnist("train", data.path());
    test_ = datasets::load_fashion_mnist("test", data.path());
    train_examples_ = train_.images.size(0);
    test_examples_ = test_.images.size(0);
  }
  if (data.train_subset() > 0)
    train_examples_ = std::min<int64_t>(train_examples_, data.train_subset());
  if (data.eval_subset() > 0)
    test_examples_ = std::min<int64_t>(test_examples_, data.eval_subset());
  absl::StatusOr<models::VitConfig> config = vit_config(spec.vit());
  if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
  at::manual_seed(static_cast<uint64_t>(spec.run().seed()));  // model initialisation
  model_ = models::VisionTransformer(*config);
  batcher_ = std::make_unique<datasets::EpochBatcher>(train_examples_, data.batch_size(),
                                                      static_cast<uint64_t>(spec.run().seed()));
}

std::string VitTask::data_summary() const {
  if (!folder_train_) return "";
  return absl::StrCat("image folder ", spec_.data().path(), ": ", train_examples_,
                      " training images, ", test_examples_, " validation images, ",
                      folder_train_->classes().size(), " classes");
}

at::Tensor VitTask::test_images(int64_t start, int64_t count) const {
  if (folder_test_) return folder_test_->eval_batch(at::arange(start, start + count, at::kLong));
  return test_.images.narrow(0, start, count);
}

at::Tensor VitTask::test_labels(int64_t start, int64_t count) const {
  return (folder_test_ ? folder_test_->labels() : test_.labels).narrow(0, start, count);
}

Task::Output VitTask::train_forward(int64_t step, models::AttentionObservation* observation) {
  const auto& data = spec_.data();
  at::Tensor idx = batcher_->indices(step);
  at::Generator gen = datasets::make_generator(
      core::mix_seed(static_cast<uint64_t>(spec_.run().seed()) ^ 0xDA7Aull, step));
  at::Tensor images, labels;
  if (folder_train_) {
    // The DeiT recipe's random resized crop (area 8-100%) and flip. Data parallel: each rank
    // decodes only its shard (with its own crops).
    idx = shard_rows(idx);
    images = folder_train_->train_batch(idx, data.horizontal_flip(), /*min_scale=*/0.08, gen);
    labels = folder_train_->labels().index_select(0, idx);
  } else {
    images = train_.images.index_select(0, idx);  // (B, 1, 28, 28)
    labels = train_.labels.index_select(0, idx);  // (B,)
    const double black = -datasets::kFashionMnistMean / datasets::kFashionMnistStd;
    images =
        datasets::random_crop_flip(images, data.crop_padding(), black, data.horizontal_flip(), gen);
    // Data parallel: this rank's rows of the global batch, augmented exactly as alone.
    images = shard_rows(images);
    labels = shard_rows(labels);
  }
  images = to_device(images);
  labels = to_device(labels);
  at::Tensor logits = model_->forward(images, observation);  // (B, classes)
  Output out;
  out.loss = torch::nn::functional::cross_entropy(
      logits, labels,
      torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(
          spec_.vit().label_smoothing()));
  out.metrics["accuracy"] = logits.argmax(1).eq(labels).to(at::kDouble).mean().item<double>();
  return out;
}

Task::Evaluation VitTask::evaluate() {
  const int64_t n = test_examples_, chunk = folder_test_ ? 64 : 1000;
  double loss = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t m = std::min(chunk, n - i);
    at::Tensor logits = model_->forward(to_device(test_images(i, m)));
    at::Tensor labels = to_device(test_labels(i, m));
    loss += at::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).item<double>();
    correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
  }
  Evaluation e;
  e.loss = loss / n;
  e.metrics["accuracy"] = static_cast<double>(correct) / n;
  return e;
}

std::vector<sigma_reparam::MetricInfo> VitTask::metrics() const {
  // The ViT evaluates on (a prefix of) the test split.
  return {metric_info("eval_accuracy", "test accuracy", "acc", /*higher_is_better=*/true,
                      /*percent=*/true, /*precision=*/2)};
}

bool VitTask::probe(models::AttentionObservation* observation) {
  model_->forward(to_device(test_images(0, std::min<int64_t>(32, test_examples_))), observation);
  return true;
}

}  // namespace experiments
