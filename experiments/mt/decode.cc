#include "experiments/mt/decode.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace experiments {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// The non-pad length of each row of `source`.
std::vector<int64_t> row_lengths(const at::Tensor& source, int64_t pad) {
  at::Tensor n = source.ne(pad).sum(1).to(at::kLong).contiguous();
  return std::vector<int64_t>(n.data_ptr<int64_t>(), n.data_ptr<int64_t>() + n.numel());
}

// Log-probabilities (rows, vocab) of the next token after `last` (rows, 1) at `position`, never
// pad or bos; `cache` holds the decoder's state of the earlier positions.
at::Tensor next_log_probs(models::EncoderDecoder& model, const at::Tensor& last, int64_t position,
                          const at::Tensor& memory, const at::Tensor& source,
                          std::vector<at::Tensor>* cache, const DecodeOptions& o) {
  at::Tensor logits = model->decode_step(last, position, memory, source, cache).to(at::kFloat);
  logits.select(1, o.pad).fill_(-INFINITY);
  logits.select(1, o.bos).fill_(-INFINITY);
  return at::log_softmax(logits, -1);
}

// Each row's token budget (max_target_length of its non-pad length).
std::vector<int64_t> row_budgets(const at::Tensor& source, const DecodeOptions& o) {
  std::vector<int64_t> budget = row_lengths(source, o.pad);
  for (int64_t& b : budget) b = max_target_length(b, o);
  return budget;
}

}  // namespace

int64_t max_target_length(int64_t source_length, const DecodeOptions& o) {
  const auto budget = static_cast<int64_t>(
      std::floor(o.max_length_a * static_cast<double>(source_length)) + o.max_length_b);
  return std::clamp<int64_t>(budget, 1, o.max_length);
}

at::Tensor pad_batch(const std::vector<const std::vector<int64_t>*>& rows, int64_t pad) {
  size_t width = 1;
  for (const auto* r : rows) width = std::max(width, r->size());
  at::Tensor out =
      at::full({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)}, pad, at::kLong);
  int64_t* data = out.data_ptr<int64_t>();
  for (size_t i = 0; i < rows.size(); ++i) {
    std::copy(rows[i]->begin(), rows[i]->end(), data + i * width);
  }
  return out;
}

std::vector<std::vector<int64_t>> greedy_search(models::EncoderDecoder& model,
                                                const at::Tensor& source, const DecodeOptions& o) {
  const int64_t B = source.size(0);
  const std::vector<int64_t> budget = row_budgets(source, o);
  const int64_t steps = *std::max_element(budget.begin(), budget.end());
  const at::Tensor memory = model->encode(source);
  std::vector<std::vector<int64_t>> out(B);
  std::vector<bool> done(B, false);
  at::Tensor last = at::full({B, 1}, o.bos, at::kLong);
  std::vector<at::Tensor> cache;
  int64_t open = B;
  for (int64_t t = 0; t < steps && open > 0; ++t) {
    at::Tensor next =
        next_log_probs(model, last, t, memory, source, &cache, o).argmax(-1).contiguous();
    int64_t* tok = next.data_ptr<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) {
        tok[b] = o.pad;
        continue;
      }
      if (tok[b] == o.eos) {
        done[b] = true;
      } else {
        out[b].push_back(tok[b]);
        // The budget counts end-of-sentence: a hypothesis one short of it ends here.
        if (static_cast<int64_t>(out[b].size()) >= budget[b] - 1) done[b] = true;
      }
      if (done[b]) --open;
    }
    last = next.unsqueeze(1);
  }
  return out;
}

std::vector<std::vector<int64_t>> beam_search(models::EncoderDecoder& model,
                                              const at::Tensor& source, const DecodeOptions& o) {
  const int64_t B = source.size(0), K = o.beam_size;
  const std::vector<int64_t> budget = row_budgets(source, o);
  const int64_t steps = *std::max_element(budget.begin(), budget.end());
  const at::Tensor expanded = source.repeat_interleave(K, 0);  // (B*K, S)
  const at::Tensor memory = model->encode(expanded);
  struct Hypothesis {
    double score;  // normalised
    std::vector<int64_t> tokens;
  };
  std::vector<std::vector<Hypothesis>> finished(B);
  std::vector<bool> done(B, false);
  // Alive hypotheses: tokens (B*K rows, t + 1 columns with bos) and summed log-probabilities.
  std::vector<std::vector<int64_t>> alive(B * K);
  std::vector<double> scores(B * K, kNegInf);
  for (int64_t b = 0; b < B; ++b) scores[b * K] = 0;  // one live beam at the start
  at::Tensor last = at::full({B * K, 1}, o.bos, at::kLong);
  std::vector<at::Tensor> cache;
  const auto finish = [&](int64_t b, double score, std::vector<int64_t> tokens) {
    const double length = static_cast<double>(tokens.size() + 1);  // with end-of-sentence
    finished[b].push_back({score / std::pow(length, o.length_penalty), std::move(tokens)});
  };
  for (int64_t t = 0; t < steps; ++t) {
    at::Tensor logp = next_log_probs(model, last, t, memory, expanded, &cache, o).to(at::kDouble);
    const int64_t V = logp.size(1);
    at::Tensor total = logp + at::tensor(scores, at::kDouble).unsqueeze(1);  // (B*K, V)
    auto [values, indices] = total.view({B, K * V}).topk(std::min<int64_t>(2 * K, K * V), 1);
    values = values.contiguous();
    indices = indices.contiguous();
    const int64_t C = values.size(1);
    const double* value = values.data_ptr<double>();
    const int64_t* index_of = indices.data_ptr<int64_t>();
    std::vector<int64_t> parent(B * K), token(B * K, o.pad);
    std::vector<double> next_scores(B * K, kNegInf);
    std::vector<std::vector<int64_t>> next_alive(B * K);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t k = 0; k < K; ++k) parent[b * K + k] = b * K + k;
      if (done[b]) continue;
      int64_t chosen = 0;
      for (int64_t c = 0; c < C && chosen < K; ++c) {
        const double score = value[b * C + c];
        if (score == kNegInf) break;
        const int64_t index = index_of[b * C + c];
        const int64_t row = b * K + index / V, tok = index % V;
        if (tok == o.eos) {
          if (static_cast<int64_t>(finished[b].size()) < K) finish(b, score, alive[row]);
          continue;
        }
        const int64_t slot = b * K + chosen++;
        parent[slot] = row;
        token[slot] = tok;
        next_scores[slot] = score;
        next_alive[slot] = alive[row];
        next_alive[slot].push_back(tok);
      }
      // The budget counts end-of-sentence: hypotheses one short of it end here.
      const bool at_budget = t + 1 >= budget[b] - 1;
      if (at_budget) {
        for (int64_t k = 0; k < chosen; ++k) {
          finish(b, next_scores[b * K + k], next_alive[b * K + k]);
          next_scores[b * K + k] = kNegInf;
        }
      }
      done[b] = at_budget || static_cast<int64_t>(finished[b].size()) >= K;
    }
    alive = std::move(next_alive);
    scores = std::move(next_scores);
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    const at::Tensor parents = at::tensor(parent, at::kLong);
    for (auto& c : cache) c = c.index_select(0, parents);  // each row follows its parent beam
    last = at::tensor(token, at::kLong).unsqueeze(1);
  }
  std::vector<std::vector<int64_t>> out(B);
  for (int64_t b = 0; b < B; ++b) {
    if (finished[b].empty()) continue;
    const auto best = std::max_element(
        finished[b].begin(), finished[b].end(),
        [](const Hypothesis& x, const Hypothesis& y) { return x.score < y.score; });
    out[b] = best->tokens;
  }
  return out;
}

std::vector<std::vector<int64_t>> translate(models::EncoderDecoder& model,
                                            const std::vector<std::vector<int64_t>>& sources,
                                            const DecodeOptions& o) {
  std::vector<size_t> order(sources.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sources[a].size() < sources[b].size(); });
  std::vector<std::vector<int64_t>> out(sources.size());
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, o.batch_size));
  for (size_t start = 0; start < order.size(); start += batch) {
    const size_t end = std::min(order.size(), start + batch);
    std::vector<const std::vector<int64_t>*> rows;
    for (size_t i = start; i < end; ++i) rows.push_back(&sources[order[i]]);
    const at::Tensor source = pad_batch(rows, o.pad);
    auto decoded =
        o.beam_size <= 1 ? greedy_search(model, source, o) : beam_search(model, source, o);
    for (size_t i = start; i < end; ++i) out[order[i]] = std::move(decoded[i - start]);
  }
  return out;
}

}  // namespace experiments
