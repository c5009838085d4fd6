// Corpus BLEU and chrF as sacreBLEU computes them by default (Post 2018), for the translation
// family: BLEU with the 13a tokeniser of mteval-v13a, n-grams up to 4 clipped by the references,
// the brevity penalty against the closest reference length and "exp" smoothing; chrF with
// character 6-grams, beta 2 and whitespace removed. No LibTorch.
//
//   experiments::BleuScore b = experiments::corpus_bleu(hypotheses, {references});
//   std::cout << experiments::bleu_line(b);
//   // BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace experiments {

// mteval-v13a tokenisation: unescapes &quot; &amp; &lt; &gt;, splits off punctuation (periods
// and commas not inside numbers, dashes after digits), collapses whitespace.
std::string tokenize_13a(const std::string& line);

struct BleuOptions {
  enum class Tokenize { k13a, kNone };
  enum class Smooth { kExp, kFloor, kNone };
  Tokenize tokenize = Tokenize::k13a;
  Smooth smooth = Smooth::kExp;
  double floor = 0.1;                // the value of kFloor smoothing
  bool use_effective_order = false;  // average only over orders that have n-grams
};

struct BleuScore {
  double score = 0;                     // 0..100
  double precisions[4] = {0, 0, 0, 0};  // 0..100, after smoothing
  int64_t counts[4] = {0, 0, 0, 0};     // clipped n-gram matches
  int64_t totals[4] = {0, 0, 0, 0};     // hypothesis n-grams
  double bp = 0;                        // brevity penalty
  int64_t hyp_len = 0, ref_len = 0;
};

// Corpus BLEU of `hypotheses` against one or more reference streams (each as long as
// `hypotheses`; an empty reference line in a stream is skipped).
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references,
                      const BleuOptions& options = {});

// BLEU from sufficient statistics (sacreBLEU's compute_bleu).
BleuScore bleu_from_counts(const int64_t counts[4], const int64_t totals[4], int64_t hyp_len,
                           int64_t ref_len, const BleuOptions& options = {});

// "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
std::string bleu_line(const BleuScore& score);

struct ChrfOptions {
  int char_order = 6;
  double beta = 2;
  bool remove_whitespace = true;
  // true: average the F-score over every order, an order without n-grams counting 0 (chrF++
  // style); false (sacreBLEU's default): F of the precision and recall averaged over the orders
  // that have n-grams on both sides.
  bool eps_smoothing = false;
};

// Corpus chrF (0..100) of `hypotheses` against one reference stream: character n-gram
// statistics summed over the corpus.
double corpus_chrf(const std::vector<std::string>& hypotheses,
                   const std::vector<std::string>& references, const ChrfOptions& options = {});

}  // namespace experiments
