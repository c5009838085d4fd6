#include "experiments/simclr/contrastive.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <limits>

namespace experiments {

at::Tensor nt_xent(const at::Tensor& z1, const at::Tensor& z2, double temperature,
                   double* accuracy) {
  TORCH_CHECK(z1.dim() == 2 && z1.sizes() == z2.sizes(), "nt_xent: z1 and z2 must be (N, D), got ",
              z1.sizes(), " and ", z2.sizes());
  const int64_t N = z1.size(0);
  TORCH_CHECK(N >= 1 && temperature > 0, "nt_xent: needs N >= 1 and temperature > 0");
  at::Tensor z = at::cat({z1, z2}, 0);
  z = z / z.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
  at::Tensor logits = at::matmul(z, z.t()) / temperature;  // (2N, 2N)
  at::Tensor self = at::eye(2 * N, logits.options().dtype(at::kBool));
  logits = logits.masked_fill(self, -std::numeric_limits<double>::infinity());
  at::Tensor arange = at::arange(N, z.options().dtype(at::kLong));
  at::Tensor targets = at::cat({arange + N, arange});  // view i's positive: the other view
  if (accuracy != nullptr) {
    *accuracy = logits.detach().argmax(1).eq(targets).to(at::kDouble).mean().item<double>();
  }
  return at::cross_entropy_loss(logits, targets);
}

double knn_accuracy(const at::Tensor& bank, const at::Tensor& bank_labels,
                    const at::Tensor& queries, const at::Tensor& query_labels, int64_t classes,
                    int64_t k, double temperature) {
  TORCH_CHECK(bank.size(0) >= 1 && queries.size(0) >= 1, "knn_accuracy: empty bank or queries");
  k = std::min<int64_t>(k, bank.size(0));
  at::Tensor b = bank / bank.norm(2, {1}, true).clamp_min(1e-12);
  at::Tensor q = queries / queries.norm(2, {1}, true).clamp_min(1e-12);
  int64_t correct = 0;
  const int64_t chunk = 1024;
  for (int64_t i = 0; i < q.size(0); i += chunk) {
    const int64_t m = std::min(chunk, q.size(0) - i);
    auto [sim, idx] = at::topk(at::matmul(q.narrow(0, i, m), b.t()), k, 1);  // (m, k)
    at::Tensor votes = at::zeros({m, classes}, sim.options());
    votes.scatter_add_(1, bank_labels.index({idx.flatten()}).view({m, k}),
                       (sim / temperature).exp());
    correct += votes.argmax(1).eq(query_labels.narrow(0, i, m)).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / q.size(0);
}

LinearProbeResult linear_probe(const at::Tensor& train_x, const at::Tensor& train_y,
                               const at::Tensor& test_x, const at::Tensor& test_y, int64_t classes,
                               const LinearProbeOptions& o) {
  TORCH_CHECK(train_x.dim() == 2 && test_x.dim() == 2 && train_x.size(1) == test_x.size(1),
              "linear_probe: features must be (N, D) with the same D");
  const int64_t D = train_x.size(1);
  at::Tensor mean = train_x.mean(0, true);
  at::Tensor std = train_x.std(0, /*unbiased=*/false, true).clamp_min(1e-6);
  at::Tensor x = ((train_x - mean) / std).detach();
  at::Tensor xt = ((test_x - mean) / std).detach();
  at::Tensor w = at::zeros({D, classes}, x.options()).requires_grad_(true);
  at::Tensor bias = at::zeros({classes}, x.options()).requires_grad_(true);
  torch::optim::Adam adam({w, bias}, torch::optim::AdamOptions(o.lr));
  LinearProbeResult r;
  for (int64_t step = 0; step < o.steps; ++step) {
    adam.zero_grad();
    at::Tensor loss = at::cross_entropy_loss(at::addmm(bias, x, w), train_y) +
                      0.5 * o.weight_decay * w.pow(2).sum();
    loss.backward();
    adam.step();
  }
  at::NoGradGuard no_grad;
  r.train_accuracy =
      at::addmm(bias, x, w).argmax(1).eq(train_y).to(at::kDouble).mean().item<double>();
  r.test_accuracy =
      at::addmm(bias, xt, w).argmax(1).eq(test_y).to(at::kDouble).mean().item<double>();
  return r;
}

}  // namespace experiments
