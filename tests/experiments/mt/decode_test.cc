// Greedy and beam search (experiments/mt/decode.h) on a small random encoder-decoder: beam size 1
// is exactly greedy, budgets hold, a wider beam never ranks below greedy by its own score, and
// padded source keys get probability exactly 0 in cross attention.
#include "experiments/mt/decode.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace experiments {
namespace {

models::EncoderDecoderConfig tiny(models::NormPlacement placement) {
  models::EncoderDecoderConfig c;
  c.transformer.width = 32;
  c.transformer.heads = 4;
  c.transformer.qkv_layout = models::QkvLayout::kSeparate;
  c.transformer.layers.norm = placement;
  c.encoder_depth = 2;
  c.decoder_depth = 2;
  c.vocab_size = 12;  // small: random models emit end-of-sentence (3) now and then
  c.max_length = 24;
  return c;
}

// Sources of lengths 3..8, each ending with eos (3), tokens 4..11.
std::vector<std::vector<int64_t>> sources(int n) {
  std::vector<std::vector<int64_t>> out;
  for (int i = 0; i < n; ++i) {
    std::vector<int64_t> s;
    for (int t = 0; t < 2 + i % 6; ++t) s.push_back(4 + (i * 7 + t * 3) % 8);
    s.push_back(3);
    out.push_back(s);
  }
  return out;
}

// Sum of log-probabilities of `tokens` then eos (or no eos when the budget ended it).
double sequence_log_prob(models::EncoderDecoder& model, const std::vector<int64_t>& source,
                         const std::vector<int64_t>& tokens, bool with_eos) {
  at::Tensor src = at::tensor(source, at::kLong).unsqueeze(0);
  std::vector<int64_t> in{1};
  in.insert(in.end(), tokens.begin(), tokens.end());
  at::Tensor logits = model->forward(src, at::tensor(in, at::kLong).unsqueeze(0)).squeeze(0);
  logits.select(1, 0).fill_(-INFINITY);
  logits.select(1, 1).fill_(-INFINITY);
  const at::Tensor logp = at::log_softmax(logits.to(at::kDouble), -1);
  double sum = 0;
  for (size_t t = 0; t < tokens.size(); ++t) sum += logp[t][tokens[t]].item<double>();
  if (with_eos) sum += logp[tokens.size()][3].item<double>();
  return sum;
}

TEST(DecodeTest, BeamOfOneIsGreedy) {
  for (auto placement : {models::NormPlacement::kPostLN, models::NormPlacement::kPreLN}) {
    at::manual_seed(3);
    models::EncoderDecoder model(tiny(placement));
    model->eval();
    at::NoGradGuard no_grad;
    const auto src = sources(12);
    std::vector<const std::vector<int64_t>*> rows;
    for (const auto& s : src) rows.push_back(&s);
    const at::Tensor batch = pad_batch(rows, 0);
    DecodeOptions o;
    o.beam_size = 1;
    const auto greedy = greedy_search(model, batch, o);
    const auto beam = beam_search(model, batch, o);
    EXPECT_EQ(greedy, beam);
    // Batching and order do not change a sentence's output.
    EXPECT_EQ(translate(model, src, o), greedy);
    o.batch_size = 5;
    EXPECT_EQ(translate(model, src, o), greedy);
    int ended = 0;
    for (size_t i = 0; i < src.size(); ++i) {
      const int64_t budget = max_target_length(static_cast<int64_t>(src[i].size()), o);
      EXPECT_LE(static_cast<int64_t>(greedy[i].size()), budget - 1);
      ended += static_cast<int64_t>(greedy[i].size()) < budget - 1;
      for (int64_t t : greedy[i]) EXPECT_GE(t, 2) << "pad, bos and eos never appear in an output";
    }
    EXPECT_GT(ended, 0) << "some hypotheses should end with end-of-sentence before the budget";
  }
}

TEST(DecodeTest, WiderBeamFindsAtLeastGreedysScore) {
  at::manual_seed(4);
  models::EncoderDecoder model(tiny(models::NormPlacement::kPostLN));
  model->eval();
  at::NoGradGuard no_grad;
  DecodeOptions o;
  o.length_penalty = 0;  // rank by total log-probability
  o.max_length_a = 0;
  o.max_length_b = 6;
  const auto src = sources(8);
  o.beam_size = 1;
  const auto greedy = translate(model, src, o);
  o.beam_size = 5;
  const auto beam = translate(model, src, o);
  for (size_t i = 0; i < src.size(); ++i) {
    const int64_t budget = max_target_length(static_cast<int64_t>(src[i].size()), o);
    const bool greedy_eos = static_cast<int64_t>(greedy[i].size()) < budget - 1;
    const bool beam_eos = static_cast<int64_t>(beam[i].size()) < budget - 1;
    // Only hypotheses that ended with eos compare on equal terms.
    if (!greedy_eos || !beam_eos) continue;
    EXPECT_GE(sequence_log_prob(model, src[i], beam[i], true),
              sequence_log_prob(model, src[i], greedy[i], true) - 1e-6);
  }
  o.max_length_a = 1.5;
  o.max_length_b = 10;
  EXPECT_EQ(max_target_length(4, o), 16);
  o.max_length = 12;
  EXPECT_EQ(max_target_length(4, o), 12);
}

TEST(DecodeTest, PaddedSourceKeysGetProbabilityExactlyZeroInCrossAttention) {
  at::manual_seed(5);
  models::EncoderDecoder model(tiny(models::NormPlacement::kPostLN));
  model->eval();
  at::NoGradGuard no_grad;
  at::Tensor source =
      at::tensor(std::vector<int64_t>{5, 6, 7, 3, 0, 0, 4, 5, 3, 0, 0, 0}, at::kLong).view({2, 6});
  at::Tensor target = at::tensor(std::vector<int64_t>{1, 8, 9, 1, 10, 0}, at::kLong).view({2, 3});
  models::AttentionObservation obs;
  obs.keep_maps = true;
  model->forward(source, target, &obs);
  int cross = 0;
  for (const auto& r : obs.records) {
    if (r.site.kind != models::AttentionKind::kCross) continue;
    ++cross;
    // (B, heads, Tq, Tk): keys 4-5 of row 0 and 3-5 of row 1 are padding.
    const at::Tensor map = r.map;
    ASSERT_EQ(map.size(3), 6);
    EXPECT_EQ(map[0].narrow(2, 4, 2).abs().max().item<float>(), 0.0f);
    EXPECT_EQ(map[1].narrow(2, 3, 3).abs().max().item<float>(), 0.0f);
    EXPECT_GT(map[0].narrow(2, 0, 4).min().item<float>(), 0.0f);
  }
  EXPECT_EQ(cross, 2);
}

}  // namespace
}  // namespace experiments
