// The causal language model (models/causal_lm.h, experiments/lm_task.h): no position sees the
// future, entropy is taken over visible keys only, perplexity is exp of the mean token loss.
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "experiments/lm/lm_task.h"
#include "models/causal_lm.h"

namespace experiments {
namespace {

models::CausalLmConfig tiny(bool sigma, bool qk_norm = false) {
  models::CausalLmConfig c;
  c.transformer.depth = 2;
  c.transformer.width = 32;
  c.transformer.heads = 4;
  c.transformer.qk_norm = qk_norm;
  if (sigma) {
    c.transformer.layers.reparam = models::Reparam::kSigmaReparam;
    c.transformer.layers.norm = models::NormPlacement::kNoNorm;
  }
  c.vocab_size = 50;
  c.context = 12;
  return c;
}

TEST(CausalLmTest, ChangingAFutureTokenLeavesEarlierLogitsUnchanged) {
  for (bool sigma : {false, true}) {
    for (bool tied : {true, false}) {
      SCOPED_TRACE(std::string(sigma ? "σReparam" : "baseline") + (tied ? " tied" : " untied"));
      at::manual_seed(1);
      models::CausalLmConfig config = tiny(sigma, !sigma);
      config.tie_embeddings = tied;
      models::CausalLm lm(config);
      lm->eval();
      at::NoGradGuard no_grad;
      at::Tensor tokens = at::randint(0, 50, {2, 12}, at::kLong);
      const at::Tensor before = lm->forward(tokens);
      ASSERT_EQ(before.sizes(), (std::vector<int64_t>{2, 12, 50}));
      for (int64_t t : {0, 5, 10}) {
        at::Tensor changed = tokens.clone();
        changed.select(1, t + 1).add_(7).remainder_(50);
        const at::Tensor after = lm->forward(changed);
        EXPECT_TRUE(at::equal(before.narrow(1, 0, t + 1), after.narrow(1, 0, t + 1)))
            << "position <= " << t << " saw token " << t + 1;
        EXPECT_FALSE(at::allclose(before.narrow(1, t + 1, 1), after.narrow(1, t + 1, 1)))
            << "position " << t + 1 << " ignores its own token";
      }
    }
  }
}

TEST(CausalLmTest, EntropyOfQueryIIsOverItsVisibleKeys) {
  // Zero weights: every logit is equal, so query i attends uniformly to its i+1 keys and its
  // entropy is log(i+1); the output is uniform over the vocabulary.
  models::CausalLm lm(tiny(false));
  {
    at::NoGradGuard no_grad;
    for (auto& p : lm->parameters()) p.zero_();
  }
  lm->eval();
  at::NoGradGuard no_grad;
  models::AttentionObservation obs;
  at::Tensor tokens = at::randint(0, 50, {3, 12}, at::kLong);
  const at::Tensor logits = lm->forward(tokens, &obs);
  ASSERT_EQ(obs.records.size(), 2u);
  const at::Tensor expected = at::log(at::arange(1, 13, at::kDouble));
  for (size_t l = 0; l < obs.records.size(); ++l) {
    const auto& r = obs.records[l];
    EXPECT_EQ(r.site.stack, "decoder");
    EXPECT_EQ(r.site.kind, models::AttentionKind::kSelf);
    EXPECT_EQ(r.site.layer, static_cast<int64_t>(l));
    EXPECT_TRUE(at::allclose(r.entropy.per_query.to(at::kDouble)[1][2], expected, 1e-6, 1e-6));
    EXPECT_NEAR(r.entropy.mean.item<double>(), expected.mean().item<double>(), 1e-6);
    // The uniform reference comes from the causal mask: the mean of log(i + 1).
    EXPECT_NEAR(r.uniform_entropy.item<double>(), expected.mean().item<double>(), 1e-12);
  }
  EXPECT_TRUE(at::allclose(logits, at::zeros_like(logits)));
}

TEST(CausalLmTest, PerplexityIsExpOfTheMeanTokenLoss) {
  // Uniform predictions over V = 50: every token costs log 50, so perplexity is exactly 50.
  models::CausalLm lm(tiny(false));
  {
    at::NoGradGuard no_grad;
    for (auto& p : lm->parameters()) p.zero_();
  }
  lm->eval();
  at::NoGradGuard no_grad;
  const at::Tensor tokens = at::randint(0, 50, {100}, at::kLong);
  // 100 tokens, context 12: 8 windows of 13 tokens predict 8 x 12 = 96 tokens.
  const TokenLoss loss = mean_token_loss(lm, tokens, 12, 0, 3);
  EXPECT_EQ(loss.tokens, 96);
  EXPECT_NEAR(loss.mean, std::log(50.0), 1e-6);
  EXPECT_NEAR(std::exp(loss.mean), 50.0, 1e-4);
  EXPECT_EQ(mean_token_loss(lm, tokens, 12, 2, 3).tokens, 24);  // at most 2 windows
  // Per word: 100 tokens for 50 words cost 2 x log 50 nats a word: perplexity 2500.
  EXPECT_NEAR(word_perplexity(std::log(50.0), 100, 50), 2500.0, 1e-6);
  // A hand-made case: losses log 2 and log 8 over 2 tokens of 1 word: exp(log 2 + log 8) = 16.
  EXPECT_NEAR(word_perplexity((std::log(2.0) + std::log(8.0)) / 2, 2, 1), 16.0, 1e-9);
}

TEST(CausalLmTest, RejectsTooLongInput) {
  models::CausalLm lm(tiny(false));
  EXPECT_THROW(lm->forward(at::zeros({1, 13}, at::kLong)), c10::Error);
}

}  // namespace
}  // namespace experiments
