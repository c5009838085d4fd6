// The supervised ViT experiment as a trainer Task: Fashion-MNIST (or, at paper scale, an
// ImageNet-format folder: random resized crop + flip, the validation split's resize + centre
// crop), random crop + flip, cross-entropy, test-set accuracy.
#pragma once

#include <cstdint>
#include <memory>

#include "datasets/augment.h"
#include "datasets/fashion_mnist.h"
#include "datasets/image_folder.h"
#include "experiments/engine/task.h"
#include "models/vit.h"

namespace experiments {

class VitTask : public Task {
 public:
  // Loads the data (a missing data set throws, naming the setup command) and builds the model.
  explicit VitTask(const sigma_reparam::ExperimentSpec& spec);

  torch::nn::Module& model() override { return *model_; }
  int64_t examples_per_epoch() const override { return train_examples_; }
  Output train_forward(int64_t step, models::AttentionObservation* observation) override;
  Evaluation evaluate() override;
  // The first 32 test images (without augmentation).
  bool probe(models::AttentionObservation* observation) override;
  std::string data_summary() const override;
  // Test accuracy (the headline).
  std::vector<sigma_reparam::MetricInfo> metrics() const override;

 private:
  sigma_reparam::ExperimentSpec spec_;
  // Fashion-MNIST in memory, or an ImageNet-format folder decoded batch by batch.
  datasets::ImageClassification train_, test_;
  std::unique_ptr<datasets::ImageFolder> folder_train_, folder_test_;
  int64_t train_examples_ = 0, test_examples_ = 0;
  // The test images [start, start + count), normalised; their labels.
  at::Tensor test_images(int64_t start, int64_t count) const;
  at::Tensor test_labels(int64_t start, int64_t count) const;
  models::VisionTransformer model_{nullptr};
  std::unique_ptr<datasets::EpochBatcher> batcher_;
};

}  // namespace experiments
