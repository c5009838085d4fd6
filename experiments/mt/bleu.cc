#include "experiments/mt/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

namespace experiments {
namespace {

// Byte length of the UTF-8 character starting with `c` (1 for invalid lead bytes).
size_t char_length(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

// The characters of `s` as byte strings (UTF-8 code points).
std::vector<std::string> characters(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const size_t n = std::min(char_length(static_cast<unsigned char>(s[i])), s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

bool is_digit(const std::string& c) { return c.size() == 1 && c[0] >= '0' && c[0] <= '9'; }
bool is_period_or_comma(const std::string& c) { return c == "." || c == ","; }

// mteval's first rule: the ASCII symbols {-~ [-` space-& (-+ :-@ and /.
bool is_13a_symbol(const std::string& c) {
  if (c.size() != 1) return false;
  const unsigned char x = c[0];
  return (x >= '{' && x <= '~') || (x >= '[' && x <= '`') || (x >= ' ' && x <= '&') ||
         (x >= '(' && x <= '+') || (x >= ':' && x <= '@') || x == '/';
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// One left-to-right, non-overlapping pass of a two-character rule (as a regular-expression
// substitution would do it): where first(a) and second(b), a b becomes `emit(a, b)`.
template <typename First, typename Second, typename Emit>
std::vector<std::string> two_char_pass(const std::vector<std::string>& in, First first,
                                       Second second, Emit emit) {
  std::vector<std::string> out;
  for (size_t i = 0; i < in.size();) {
    if (i + 1 < in.size() && first(in[i]) && second(in[i + 1])) {
      for (auto& piece : emit(in[i], in[i + 1])) out.push_back(piece);
      i += 2;
    } else {
      out.push_back(in[i++]);
    }
  }
  return out;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::istringstream in(s);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

using NgramCounts = std::map<std::string, int64_t>;

NgramCounts ngrams(const std::vector<std::string>& words, int n) {
  NgramCounts counts;
  for (size_t i = 0; i + n <= words.size(); ++i) {
    std::string key;
    for (int k = 0; k < n; ++k) key += words[i + k] + '\x01';
    ++counts[key];
  }
  return counts;
}

}  // namespace

std::string tokenize_13a(const std::string& raw) {
  std::string line = replace_all(raw, "<skipped>", "");
  line = replace_all(line, "-\n", "");
  line = replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    line = replace_all(line, "&quot;", "\"");
    line = replace_all(line, "&amp;", "&");
    line = replace_all(line, "&lt;", "<");
    line = replace_all(line, "&gt;", ">");
  }
  std::vector<std::string> chars = characters(" " + line + " ");
  // Symbols get spaces around them.
  std::vector<std::string> spaced;
  for (const auto& c : chars) {
    if (is_13a_symbol(c)) {
      spaced.insert(spaced.end(), {" ", c, " "});
    } else {
      spaced.push_back(c);
    }
  }
  // Periods and commas unless preceded by a digit, then unless followed by a digit.
  auto not_digit = [](const std::string& c) { return !is_digit(c); };
  spaced = two_char_pass(spaced, not_digit, is_period_or_comma,
                         [](const std::string& a, const std::string& b) {
                           return std::vector<std::string>{a, " ", b, " "};
                         });
  spaced = two_char_pass(spaced, is_period_or_comma, not_digit,
                         [](const std::string& a, const std::string& b) {
                           return std::vector<std::string>{" ", a, " ", b};
                         });
  // A dash after a digit.
  spaced = two_char_pass(
      spaced, is_digit, [](const std::string& c) { return c == "-"; },
      [](const std::string& a, const std::string& b) {
        return std::vector<std::string>{a, " ", b, " "};
      });
  std::string joined;
  for (const auto& c : spaced) joined += c;
  std::string out;
  for (const auto& w : split_words(joined)) out += (out.empty() ? "" : " ") + w;
  return out;
}

BleuScore bleu_from_counts(const int64_t counts[4], const int64_t totals[4], int64_t hyp_len,
                           int64_t ref_len, const BleuOptions& options) {
  BleuScore s;
  for (int n = 0; n < 4; ++n) {
    s.counts[n] = counts[n];
    s.totals[n] = totals[n];
  }
  s.hyp_len = hyp_len;
  s.ref_len = ref_len;
  s.bp = hyp_len >= ref_len ? 1.0
         : hyp_len > 0      ? std::exp(1.0 - static_cast<double>(ref_len) / hyp_len)
                            : 0.0;
  double smooth_mteval = 1;
  int effective_order = 4;
  for (int n = 0; n < 4; ++n) {
    if (totals[n] == 0) {
      if (options.use_effective_order) {
        effective_order = n;
        break;
      }
      continue;  // precision stays 0
    }
    if (counts[n] > 0) {
      s.precisions[n] = 100.0 * counts[n] / totals[n];
    } else {
      switch (options.smooth) {
        case BleuOptions::Smooth::kExp:
          smooth_mteval *= 2;
          s.precisions[n] = 100.0 / (smooth_mteval * totals[n]);
          break;
        case BleuOptions::Smooth::kFloor:
          s.precisions[n] = 100.0 * options.floor / totals[n];
          break;
        case BleuOptions::Smooth::kNone:
          break;
      }
    }
  }
  if (effective_order == 0) return s;
  double log_sum = 0;
  for (int n = 0; n < effective_order; ++n) {
    log_sum += s.precisions[n] > 0 ? std::log(s.precisions[n]) : -9999999999.0;
  }
  s.score = s.bp * std::exp(log_sum / effective_order);
  return s;
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references,
                      const BleuOptions& options) {
  auto tokenize = [&](const std::string& line) {
    return split_words(options.tokenize == BleuOptions::Tokenize::k13a ? tokenize_13a(line) : line);
  };
  int64_t counts[4] = {0, 0, 0, 0}, totals[4] = {0, 0, 0, 0}, hyp_len = 0, ref_len = 0;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const std::vector<std::string> hyp = tokenize(hypotheses[i]);
    std::vector<std::vector<std::string>> refs;
    for (const auto& stream : references) {
      if (i < stream.size() && !stream[i].empty()) refs.push_back(tokenize(stream[i]));
    }
    // The closest reference length (the shorter one on a tie).
    int64_t closest = -1;
    for (const auto& r : refs) {
      const int64_t len = static_cast<int64_t>(r.size());
      const int64_t hl = static_cast<int64_t>(hyp.size());
      if (closest < 0 || std::llabs(len - hl) < std::llabs(closest - hl) ||
          (std::llabs(len - hl) == std::llabs(closest - hl) && len < closest)) {
        closest = len;
      }
    }
    hyp_len += static_cast<int64_t>(hyp.size());
    ref_len += std::max<int64_t>(0, closest);
    for (int n = 1; n <= 4; ++n) {
      NgramCounts max_ref;
      for (const auto& r : refs) {
        for (const auto& [g, c] : ngrams(r, n)) max_ref[g] = std::max(max_ref[g], c);
      }
      for (const auto& [g, c] : ngrams(hyp, n)) {
        totals[n - 1] += c;
        const auto it = max_ref.find(g);
        if (it != max_ref.end()) counts[n - 1] += std::min(c, it->second);
      }
    }
  }
  return bleu_from_counts(counts, totals, hyp_len, ref_len, options);
}

std::string bleu_line(const BleuScore& s) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = "
                "%lld)",
                s.score, s.precisions[0], s.precisions[1], s.precisions[2], s.precisions[3], s.bp,
                s.ref_len > 0 ? static_cast<double>(s.hyp_len) / s.ref_len : 0.0,
                static_cast<long long>(s.hyp_len), static_cast<long long>(s.ref_len));
  return buf;
}

double corpus_chrf(const std::vector<std::string>& hypotheses,
                   const std::vector<std::string>& references, const ChrfOptions& options) {
  const int order = options.char_order;
  std::vector<double> n_hyp(order, 0), n_ref(order, 0), n_match(order, 0);
  auto chars_of = [&](const std::string& line) {
    std::string text = line;
    if (options.remove_whitespace) {
      text.clear();
      for (const auto& w : split_words(line)) text += w;
    }
    return characters(text);
  };
  for (size_t i = 0; i < hypotheses.size() && i < references.size(); ++i) {
    const auto hyp = chars_of(hypotheses[i]), ref = chars_of(references[i]);
    for (int n = 1; n <= order; ++n) {
      const NgramCounts h = ngrams(hyp, n), r = ngrams(ref, n);
      for (const auto& [g, c] : h) {
        n_hyp[n - 1] += c;
        const auto it = r.find(g);
        if (it != r.end()) n_match[n - 1] += std::min(c, it->second);
      }
      for (const auto& [g, c] : r) n_ref[n - 1] += c;
    }
  }
  const double eps = 1e-16, factor = options.beta * options.beta;
  double score = 0, avg_prec = 0, avg_rec = 0;
  int effective_order = 0;
  for (int n = 0; n < order; ++n) {
    const double prec = n_hyp[n] > 0 ? n_match[n] / n_hyp[n] : eps;
    const double rec = n_ref[n] > 0 ? n_match[n] / n_ref[n] : eps;
    const double denom = factor * prec + rec;
    score += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
    if (n_hyp[n] > 0 && n_ref[n] > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective_order;
    }
  }
  if (options.eps_smoothing) return 100 * score / order;
  if (effective_order == 0) return 0;
  avg_prec /= effective_order;
  avg_rec /= effective_order;
  if (avg_prec + avg_rec <= 0) return 0;
  return 100 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
}

}  // namespace experiments
