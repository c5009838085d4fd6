// SimCLR's loss and the two ways of judging self-supervised features without fine-tuning: a kNN
// classifier (the monitor during training) and a linear probe (the result).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace experiments {

// NT-Xent (normalised temperature-scaled cross entropy, Chen et al. 2020) over the 2N views:
// z1, z2 (N, D) are the projections of two views of the same N images. Each view's positive is
// the other view of its image, its negatives the other 2N - 2 views; cosine similarities divided
// by `temperature`; the mean over all 2N views. Returns the loss () and, in *accuracy when
// given, the fraction of views whose positive is their most similar other view.
at::Tensor nt_xent(const at::Tensor& z1, const at::Tensor& z2, double temperature,
                   double* accuracy = nullptr);

// Weighted kNN accuracy (Wu et al. 2018): each query's k most cosine-similar bank features vote
// for their labels with weight exp(similarity / temperature). bank (M, D), bank_labels (M,),
// queries (Q, D), query_labels (Q,).
double knn_accuracy(const at::Tensor& bank, const at::Tensor& bank_labels,
                    const at::Tensor& queries, const at::Tensor& query_labels, int64_t classes,
                    int64_t k, double temperature);

struct LinearProbeOptions {
  int64_t steps = 300;
  double lr = 0.05;
  double weight_decay = 1e-4;
};
struct LinearProbeResult {
  double train_accuracy = 0;
  double test_accuracy = 0;
};
// Multinomial logistic regression on frozen features: standardised with the training features'
// mean and std, trained full-batch with Adam (fixed initialisation at zero, so deterministic).
LinearProbeResult linear_probe(const at::Tensor& train_x, const at::Tensor& train_y,
                               const at::Tensor& test_x, const at::Tensor& test_y, int64_t classes,
                               const LinearProbeOptions& options);

}  // namespace experiments
