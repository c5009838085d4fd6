#include "experiments/speech/ctc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

namespace experiments {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

std::vector<int64_t> ctc_greedy(const float* log_probs, int64_t frames, int64_t labels,
                                int64_t blank) {
  std::vector<int64_t> out;
  int64_t previous = -1;
  for (int64_t t = 0; t < frames; ++t) {
    const float* row = log_probs + t * labels;
    const int64_t best = std::max_element(row, row + labels) - row;
    if (best != blank && best != previous) out.push_back(best);
    previous = best;
  }
  return out;
}

std::vector<int64_t> ctc_prefix_beam(const float* log_probs, int64_t frames, int64_t labels,
                                     int64_t beam, int64_t blank) {
  struct Score {
    double blank = kNegInf, label = kNegInf;  // log P(prefix, ending in blank / in its last label)
    double total() const { return log_add(blank, label); }
  };
  std::map<std::vector<int64_t>, Score> beams;
  beams[{}].blank = 0.0;
  for (int64_t t = 0; t < frames; ++t) {
    const float* row = log_probs + t * labels;
    std::map<std::vector<int64_t>, Score> next;
    for (const auto& [prefix, score] : beams) {
      const double total = score.total();
      // Stay: a blank, or the last label repeated without a blank in between.
      next[prefix].blank = log_add(next[prefix].blank, total + row[blank]);
      if (!prefix.empty()) {
        next[prefix].label = log_add(next[prefix].label, score.label + row[prefix.back()]);
      }
      // Extend by a label (a repeat of the last one only after a blank).
      for (int64_t c = 0; c < labels; ++c) {
        if (c == blank) continue;
        std::vector<int64_t> longer = prefix;
        longer.push_back(c);
        const double from = (!prefix.empty() && prefix.back() == c) ? score.blank : total;
        next[longer].label = log_add(next[longer].label, from + row[c]);
      }
    }
    std::vector<std::pair<double, const std::vector<int64_t>*>> ranked;
    for (const auto& [prefix, score] : next) ranked.emplace_back(score.total(), &prefix);
    const size_t keep = std::min<size_t>(std::max<int64_t>(beam, 1), ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(),
                      [](const auto& a, const auto& b) {
                        return a.first > b.first || (a.first == b.first && *a.second < *b.second);
                      });
    std::map<std::vector<int64_t>, Score> kept;
    for (size_t i = 0; i < keep; ++i) kept[*ranked[i].second] = next[*ranked[i].second];
    beams = std::move(kept);
  }
  const auto best = std::max_element(beams.begin(), beams.end(), [](const auto& a, const auto& b) {
    return a.second.total() < b.second.total();
  });
  return best->first;
}

template <typename T>
int64_t edit_distance(const std::vector<T>& hyp, const std::vector<T>& ref) {
  std::vector<int64_t> row(ref.size() + 1);
  for (size_t j = 0; j <= ref.size(); ++j) row[j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= hyp.size(); ++i) {
    int64_t diagonal = row[0];
    row[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= ref.size(); ++j) {
      const int64_t up = row[j];
      row[j] =
          std::min({row[j] + 1, row[j - 1] + 1, diagonal + (hyp[i - 1] == ref[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[ref.size()];
}

template int64_t edit_distance(const std::vector<std::string>&, const std::vector<std::string>&);
template int64_t edit_distance(const std::vector<char>&, const std::vector<char>&);
template int64_t edit_distance(const std::vector<int64_t>&, const std::vector<int64_t>&);

ErrorCount word_errors(const std::string& hypothesis, const std::string& reference) {
  const auto ref = words(reference);
  return {edit_distance(words(hypothesis), ref), static_cast<int64_t>(ref.size())};
}

ErrorCount char_errors(const std::string& hypothesis, const std::string& reference) {
  const std::vector<char> h(hypothesis.begin(), hypothesis.end()),
      r(reference.begin(), reference.end());
  return {edit_distance(h, r), static_cast<int64_t>(r.size())};
}

}  // namespace experiments
