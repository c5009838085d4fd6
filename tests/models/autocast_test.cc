// bf16 autocast (models/autocast.h, run { precision: BF16 }) on the CPU: a training step of a
// σReparam ViT under autocast follows the float32 step. The power iteration runs in float32
// whatever the autocast state, so u and sigma come out bit-identical; the loss, the entropy and
// the gradients differ by bf16 rounding of the matrix products' inputs (8 bits of mantissa,
// relative error 2^-9 per rounding), here within the tolerances stated below.
#include "models/autocast.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/nn/functional/loss.h>

#include <cmath>

#include "models/vit.h"

namespace models {
namespace {

struct Step {
  at::Tensor loss, logits, entropy;
  std::vector<at::Tensor> grads, buffers;
};

Step train_step(bool bf16) {
  VitConfig c;
  c.transformer.width = 64;
  c.transformer.depth = 2;
  c.transformer.heads = 4;
  c.transformer.layers.reparam = Reparam::kSigmaReparam;
  at::manual_seed(0);
  VisionTransformer vit(c);
  vit->train();
  const at::Tensor images = at::randn({16, 1, 28, 28});
  const at::Tensor labels = at::randint(0, 10, {16}, at::kLong);
  Step s;
  AttentionObservation observation;
  {
    Bf16Autocast autocast(c10::kCPU, bf16);
    EXPECT_EQ(at::autocast::is_autocast_enabled(c10::kCPU), bf16);
    s.logits = vit->forward(images, &observation);
    s.loss = torch::nn::functional::cross_entropy(s.logits, labels);
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::kCPU)) << "the guard restores the state";
  s.loss.backward();
  std::vector<at::Tensor> entropies;
  for (const auto& r : observation.records) entropies.push_back(r.entropy.mean.reshape({1}));
  s.entropy = at::cat(entropies);
  for (const auto& p : vit->parameters()) s.grads.push_back(p.grad().detach().clone());
  for (const auto& b : vit->buffers()) s.buffers.push_back(b.detach().clone());
  return s;
}

TEST(AutocastTest, ABf16StepFollowsTheFloat32Step) {
  const Step fp32 = train_step(false), bf16 = train_step(true);
  EXPECT_EQ(bf16.logits.scalar_type(), at::kBFloat16) << "the head's product ran in bf16";
  EXPECT_EQ(bf16.loss.scalar_type(), at::kFloat) << "the loss in float32";
  EXPECT_EQ(bf16.entropy.scalar_type(), at::kFloat) << "softmax statistics in float32";
  // Loss: relative 2e-2 (bf16 logits carry 3 significant digits).
  const double l32 = fp32.loss.item<double>(), l16 = bf16.loss.item<double>();
  EXPECT_NEAR(l16, l32, 2e-2 * std::abs(l32)) << l16 << " vs " << l32;
  // Entropy per layer: 2e-2 nats absolute (log 17 = 2.83 for uniform attention).
  EXPECT_TRUE(at::allclose(bf16.entropy, fp32.entropy, 0, 2e-2))
      << bf16.entropy << " vs " << fp32.entropy;
  // Gradients: the whole gradient's direction within cosine 0.995 and its norm within 3%; each
  // tensor's direction within cosine 0.98 and its norm within 15% (the smallest tensors, the
  // norms' gains and biases, carry a few hundred bf16-rounded terms each).
  ASSERT_EQ(bf16.grads.size(), fp32.grads.size());
  std::vector<at::Tensor> all32, all16;
  for (size_t i = 0; i < fp32.grads.size(); ++i) {
    const at::Tensor a = fp32.grads[i].to(at::kDouble).flatten();
    const at::Tensor b = bf16.grads[i].to(at::kDouble).flatten();
    all32.push_back(a);
    all16.push_back(b);
    EXPECT_EQ(bf16.grads[i].scalar_type(), at::kFloat) << "parameter " << i;
    const double na = a.norm().item<double>(), nb = b.norm().item<double>();
    if (na == 0) continue;
    EXPECT_GT(a.dot(b).item<double>() / (na * nb), 0.98) << "parameter " << i;
    EXPECT_NEAR(nb, na, 0.15 * na) << "parameter " << i;
  }
  const at::Tensor a = at::cat(all32), b = at::cat(all16);
  const double na = a.norm().item<double>(), nb = b.norm().item<double>();
  EXPECT_GT(a.dot(b).item<double>() / (na * nb), 0.995);
  EXPECT_NEAR(nb, na, 0.03 * na);
  // σReparam's u and sigma: the same float32 power iteration on the same float32 weights.
  ASSERT_EQ(bf16.buffers.size(), fp32.buffers.size());
  for (size_t i = 0; i < fp32.buffers.size(); ++i) {
    EXPECT_TRUE(bf16.buffers[i].equal(fp32.buffers[i])) << "buffer " << i;
  }
}

TEST(AutocastTest, DisabledGuardChangesNothing) {
  {
    Bf16Autocast off(c10::kCPU, false);
    EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::kCPU));
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::kCPU));
}

}  // namespace
}  // namespace models
