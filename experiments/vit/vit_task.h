// The supervised ViT experiment as a trainer Task: Fashion-MNIST (or, at paper scale, an
// ImageNet-format folder), random crop + flip, cross-entropy, test-set accuracy.
#pragma once

#include <cstdint>
#include <memory>

#include "datasets/augment.h"
#include "datasets/fashion_mnist.h"
#include "experiments/engine/task.h"
#include "models/vit.h"

namespace experiments {

class VitTask : public Task {
 public:
  // Loads the data (a missing data set throws, naming the setup command) and builds the model.
  explicit VitTask(const sigma_reparam::ExperimentSpec& spec);

  torch::nn::Module& model() override { return *model_; }
  int64_t examples_per_epoch() const override { return train_.images.size(0); }
  Output train_forward(int64_t step, models::AttentionObservation* observation) override;
  Evaluation evaluate() override;
  // The first 32 test images (without augmentation).
  bool probe(models::AttentionObservation* observation) override;
  // Test accuracy (the headline).
  std::vector<sigma_reparam::MetricInfo> metrics() const override;

 private:
  sigma_reparam::ExperimentSpec spec_;
  datasets::ImageClassification train_, test_;
  models::VisionTransformer model_{nullptr};
  std::unique_ptr<datasets::EpochBatcher> batcher_;
};

}  // namespace experiments
