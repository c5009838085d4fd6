#include "experiments/vit/vit_task.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>

#include <stdexcept>

#include "experiments/engine/metric_format.h"
#include "experiments/vit/vit_config.h"

namespace experiments {

VitTask::VitTask(const sigma_reparam::ExperimentSpec& spec) : spec_(spec) {
  const auto& data = spec.data();
  if (data.dataset() != sigma_reparam::DataSpec::FASHION_MNIST) {
    throw std::runtime_error(
        "data.dataset: " + sigma_reparam::DataSpec::Dataset_Name(data.dataset()) +
        " has no reader yet; the paper-scale ViT specs instantiate their model only (tests). "
        "Use FASHION_MNIST.");
  }
  train_ = datasets::load_fashion_mnist("train", data.path());
  test_ = datasets::load_fashion_mnist("test", data.path());
  if (data.train_subset() > 0 && data.train_subset() < train_.images.size(0)) {
    train_.images = train_.images.narrow(0, 0, data.train_subset());
    train_.labels = train_.labels.narrow(0, 0, data.train_subset());
  }
  if (data.eval_subset() > 0 && data.eval_subset() < test_.images.size(0)) {
    test_.images = test_.images.narrow(0, 0, data.eval_subset());
    test_.labels = test_.labels.narrow(0, 0, data.eval_subset());
  }
  absl::StatusOr<models::VitConfig> config = vit_config(spec.vit());
  if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
  at::manual_seed(static_cast<uint64_t>(spec.run().seed()));  // model initialisation
  model_ = models::VisionTransformer(*config);
  batcher_ = std::make_unique<datasets::EpochBatcher>(train_.images.size(0), data.batch_size(),
                                                      static_cast<uint64_t>(spec.run().seed()));
}

Task::Output VitTask::train_forward(int64_t step, models::AttentionObservation* observation) {
  const auto& data = spec_.data();
  at::Tensor idx = batcher_->indices(step);
  at::Tensor images = train_.images.index_select(0, idx);  // (B, 1, 28, 28)
  at::Tensor labels = train_.labels.index_select(0, idx);  // (B,)
  at::Generator gen = datasets::make_generator(
      datasets::mix_seed(static_cast<uint64_t>(spec_.run().seed()) ^ 0xDA7Aull, step));
  const double black = -datasets::kFashionMnistMean / datasets::kFashionMnistStd;
  images =
      datasets::random_crop_flip(images, data.crop_padding(), black, data.horizontal_flip(), gen);
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
  const int64_t n = test_.images.size(0), chunk = 1000;
  double loss = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t m = std::min(chunk, n - i);
    at::Tensor logits = model_->forward(test_.images.narrow(0, i, m));
    at::Tensor labels = test_.labels.narrow(0, i, m);
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
  const int64_t n = std::min<int64_t>(32, test_.images.size(0));
  model_->forward(test_.images.narrow(0, 0, n), observation);
  return true;
}

}  // namespace experiments

