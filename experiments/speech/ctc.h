// CTC decoding and speech recognition error rates. No LibTorch: decoders read a row-major
// (T, C) array of log-probabilities (label 0 the blank).
//
//   std::vector<int64_t> y = experiments::ctc_greedy(log_probs, T, C);
//   std::vector<int64_t> z = experiments::ctc_prefix_beam(log_probs, T, C, /*beam=*/8);
//   experiments::ErrorCount w = experiments::word_errors("the cat sat", "the cat sad");  // 1 of 3
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace experiments {

// Best path: the most likely label of each frame, repeats merged, blanks dropped.
std::vector<int64_t> ctc_greedy(const float* log_probs, int64_t frames, int64_t labels,
                                int64_t blank = 0);

// Prefix beam search (Hannun et al. 2014, without a language model): keeps the `beam` most
// probable label prefixes, each summing the probability of every alignment that yields it
// (ending in a blank or not). Unlike the best path, it can prefer a label sequence that no
// single alignment makes most likely (tests/experiments/speech:ctc_test).
std::vector<int64_t> ctc_prefix_beam(const float* log_probs, int64_t frames, int64_t labels,
                                     int64_t beam, int64_t blank = 0);

// Edit distance (substitutions, insertions, deletions of unit cost) between two sequences.
template <typename T>
int64_t edit_distance(const std::vector<T>& hypothesis, const std::vector<T>& reference);

struct ErrorCount {
  int64_t errors = 0;
  int64_t reference = 0;  // words or characters of the reference
  double rate() const { return reference > 0 ? double(errors) / double(reference) : 0.0; }
  ErrorCount& operator+=(const ErrorCount& o) {
    errors += o.errors;
    reference += o.reference;
    return *this;
  }
};

// Word errors (words split at spaces) and character errors (spaces included, as usual for
// character-level CTC) of a hypothesis against its reference. Corpus rates sum both counts.
ErrorCount word_errors(const std::string& hypothesis, const std::string& reference);
ErrorCount char_errors(const std::string& hypothesis, const std::string& reference);

}  // namespace experiments
