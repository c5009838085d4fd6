// The SimCLR experiment as a trainer Task: two augmented views of each training image
// (deterministic from (seed, step)), NT-Xent over the 2N views, a kNN monitor at every
// evaluation and a linear probe on frozen backbone features when the run completes. Data:
// Fashion-MNIST (labels unused in training) or, at paper scale, an ImageNet-format folder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "datasets/augment.h"
#include "datasets/fashion_mnist.h"
#include "datasets/image_folder.h"
#include "experiments/engine/task.h"
#include "models/simclr.h"

namespace experiments {

class SimclrTask : public Task {
 public:
  // Loads the data (a missing data set throws, naming the setup command) and builds the model.
  explicit SimclrTask(const sigma_reparam::ExperimentSpec& spec);

  torch::nn::Module& model() override { return *net_; }
  int64_t examples_per_epoch() const override { return train_examples_; }
  Output train_forward(int64_t step, models::AttentionObservation* observation) override;
  // NT-Xent on fixed views of test images, and kNN accuracy.
  Evaluation evaluate() override;
  // Linear probe (the headline), kNN on the whole test split, and optionally the probe of the
  // same backbone at its random initialisation.
  bool test(Evaluation* out) override;
  std::string test_summary() const override { return test_summary_; }
  std::string data_summary() const override;
  // The first 32 test images (without augmentation).
  bool probe(models::AttentionObservation* observation) override;
  std::vector<sigma_reparam::MetricInfo> metrics() const override;

  // Two views of the training images `indices` as one batch (2B, C, S, S), normalised: view 1 of
  // every image, then view 2. Deterministic in (seed, step).
  at::Tensor views(const at::Tensor& indices, uint64_t seed, int64_t step) const;

 private:
  bool folder() const { return folder_train_ != nullptr; }
  int64_t test_examples() const;
  at::Tensor train_labels() const;
  at::Tensor test_labels() const;
  // Normalised, unaugmented images of a split.
  at::Tensor eval_images(bool train_split, const at::Tensor& indices) const;
  // Backbone features (n, width) of n evenly spaced images of a split, in chunks.
  at::Tensor features(models::SimclrNetwork& net, bool train_split, int64_t n,
                      at::Tensor* labels) const;
  at::Tensor normalize(const at::Tensor& pixels) const;

  sigma_reparam::ExperimentSpec spec_;
  datasets::ViewAugment augment_;
  datasets::ImageClassification train_, test_;  // Fashion-MNIST, pixels in [0, 1]
  std::unique_ptr<datasets::ImageFolder> folder_train_, folder_test_;
  int64_t train_examples_ = 0;
  models::SimclrNetwork net_{nullptr};
  std::unique_ptr<datasets::EpochBatcher> batcher_;
  std::string test_summary_;
};

}  // namespace experiments
