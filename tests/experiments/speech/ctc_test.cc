// CTC decoding and error rates on cases worked out by hand.
#include "experiments/speech/ctc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace experiments {
namespace {

// Log-probabilities of per-frame distributions given as probabilities (rows of C labels).
std::vector<float> logs(const std::vector<std::vector<double>>& rows) {
  std::vector<float> out;
  for (const auto& r : rows) {
    for (double p : r) out.push_back(static_cast<float>(std::log(p)));
  }
  return out;
}

TEST(CtcTest, GreedyMergesRepeatsAndDropsBlanks) {
  // Best labels per frame: 1 1 0 1 2 2 0 -> "1 1 2" (the blank separates the two 1s).
  const auto lp = logs({{0.1, 0.8, 0.1},
                        {0.2, 0.7, 0.1},
                        {0.6, 0.2, 0.2},
                        {0.1, 0.8, 0.1},
                        {0.1, 0.1, 0.8},
                        {0.2, 0.1, 0.7},
                        {0.9, 0.05, 0.05}});
  EXPECT_EQ(ctc_greedy(lp.data(), 7, 3), (std::vector<int64_t>{1, 1, 2}));
  EXPECT_TRUE(ctc_greedy(lp.data(), 0, 3).empty());
}

TEST(CtcTest, PrefixBeamSumsAlignmentsWhereGreedyDoesNot) {
  // Two frames, labels {blank, a}. Best path: (blank, blank) with 0.6 x 0.6 = 0.36 -> "".
  // But "a" has the alignments (a, a) 0.16, (a, blank) 0.24, (blank, a) 0.24 = 0.64 > 0.36.
  const auto lp = logs({{0.6, 0.4}, {0.6, 0.4}});
  EXPECT_TRUE(ctc_greedy(lp.data(), 2, 2).empty());
  EXPECT_EQ(ctc_prefix_beam(lp.data(), 2, 2, 4), (std::vector<int64_t>{1}));
  // A beam of 1 prunes "a" (0.4 < 0.6) after the first frame and ends with "".
  EXPECT_TRUE(ctc_prefix_beam(lp.data(), 2, 2, 1).empty());
  EXPECT_EQ(ctc_prefix_beam(lp.data(), 2, 2, 2), (std::vector<int64_t>{1}));
}

TEST(CtcTest, PrefixBeamKeepsRepeatsSeparatedByBlanks) {
  // Confident frames a, blank, a -> "aa"; a, a -> "a".
  const auto lp = logs({{0.01, 0.98, 0.01}, {0.98, 0.01, 0.01}, {0.01, 0.98, 0.01}});
  EXPECT_EQ(ctc_prefix_beam(lp.data(), 3, 3, 8), (std::vector<int64_t>{1, 1}));
  const auto lp2 = logs({{0.01, 0.98, 0.01}, {0.01, 0.98, 0.01}});
  EXPECT_EQ(ctc_prefix_beam(lp2.data(), 2, 3, 8), (std::vector<int64_t>{1}));
}

TEST(CtcTest, PrefixBeamEqualsGreedyOnConfidentFrames) {
  const auto lp = logs({{0.02, 0.96, 0.02},
                        {0.96, 0.02, 0.02},
                        {0.02, 0.02, 0.96},
                        {0.02, 0.02, 0.96},
                        {0.02, 0.96, 0.02}});
  EXPECT_EQ(ctc_prefix_beam(lp.data(), 5, 3, 8), ctc_greedy(lp.data(), 5, 3));
  EXPECT_EQ(ctc_greedy(lp.data(), 5, 3), (std::vector<int64_t>{1, 2, 1}));
}

TEST(ErrorRateTest, WordErrorsByHand) {
  // the cat sat on the mat / the cat sad on mat: 1 substitution + 1 deletion of 6 words.
  const ErrorCount w = word_errors("the cat sad on mat", "the cat sat on the mat");
  EXPECT_EQ(w.errors, 2);
  EXPECT_EQ(w.reference, 6);
  EXPECT_DOUBLE_EQ(w.rate(), 2.0 / 6.0);
  // Insertions count: 3 extra words against 1 -> 300%.
  EXPECT_DOUBLE_EQ(word_errors("a b c d", "a").rate(), 3.0);
  EXPECT_EQ(word_errors("", "one two").errors, 2);
  EXPECT_EQ(word_errors("  same   words ", "same words").errors, 0);
}

TEST(ErrorRateTest, CharErrorsByHand) {
  // kitten -> sitting: 3 edits (k->s, e->i, +g) of 7 reference characters.
  const ErrorCount c = char_errors("kitten", "sitting");
  EXPECT_EQ(c.errors, 3);
  EXPECT_EQ(c.reference, 7);
  EXPECT_EQ(char_errors("a b", "ab").errors, 1);  // spaces are characters
  ErrorCount sum;
  sum += char_errors("kitten", "sitting");
  sum += char_errors("abc", "abc");
  EXPECT_DOUBLE_EQ(sum.rate(), 3.0 / 10.0);
}

TEST(ErrorRateTest, EditDistanceIsSymmetricOnIntegers) {
  const std::vector<int64_t> a{1, 2, 3, 4}, b{2, 3, 5};
  EXPECT_EQ(edit_distance(a, b), 2);
  EXPECT_EQ(edit_distance(b, a), 2);
  EXPECT_EQ(edit_distance(a, a), 0);
}

}  // namespace
}  // namespace experiments
