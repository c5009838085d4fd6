// BLEU and chrF (experiments/mt/bleu.h) against the figures sacreBLEU publishes for its own test
// vectors (its test suite: test_bleu.py and test_chrf.py; the figures carry over, the code does
// not).
#include "experiments/mt/bleu.h"

#include <gtest/gtest.h>

namespace experiments {
namespace {

const std::vector<std::string> kHyps = {
    "The dog bit the man.",
    "It wasn't surprising.",
    "The man had just bitten him.",
};
const std::vector<std::vector<std::string>> kRefs = {
    {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
    {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."},
};

TEST(BleuTest, CorpusBleuMatchesSacrebleu) {
  EXPECT_NEAR(corpus_bleu(kHyps, kRefs).score, 48.530827, 1e-6);  // 13a, exp smoothing
  BleuOptions none;
  none.tokenize = BleuOptions::Tokenize::kNone;
  EXPECT_NEAR(corpus_bleu(kHyps, kRefs, none).score, 49.1919566, 1e-6);
  BleuOptions no_smoothing;
  no_smoothing.smooth = BleuOptions::Smooth::kNone;
  EXPECT_NEAR(corpus_bleu(kHyps, kRefs, no_smoothing).score, 48.530827, 1e-6);
  // Empty hypotheses are scored, not removed.
  EXPECT_EQ(corpus_bleu({"", "", ""}, kRefs).score, 0.0);
}

// sacreBLEU's raw_corpus_bleu: no tokenisation, floor smoothing 0.01, effective order.
BleuOptions raw() {
  BleuOptions o;
  o.tokenize = BleuOptions::Tokenize::kNone;
  o.smooth = BleuOptions::Smooth::kFloor;
  o.floor = 0.01;
  o.use_effective_order = true;
  return o;
}

TEST(BleuTest, RawBleuAndEffectiveOrder) {
  EXPECT_NEAR(
      corpus_bleu({"this is a test", "another test"}, {{"ref1", "ref2"}}, raw()).score / 100,
      0.003799178428257963, 1e-8);
  EXPECT_NEAR(corpus_bleu({"this is a test"}, {{"this is a test"}}, raw()).score / 100, 1.0, 1e-8);
  EXPECT_NEAR(corpus_bleu({"this is a fest"}, {{"this is a test"}}, raw()).score / 100,
              0.223606797749979, 1e-8);
  EXPECT_NEAR(corpus_bleu({"test"}, {{"a test"}}, raw()).score / 100, 0.3678794411714425, 1e-8);
  EXPECT_NEAR(corpus_bleu({"a test"}, {{"a test"}}, raw()).score / 100, 1.0, 1e-8);
  EXPECT_NEAR(corpus_bleu({"a little test"}, {{"a test"}}, raw()).score / 100, 0.03218297948685433,
              1e-8);
}

TEST(BleuTest, StatisticsScoringAndDegenerateCases) {
  const BleuScore s =
      corpus_bleu({"am I am a character sequence"}, {{"I am a symbol string sequence a a"}}, raw());
  EXPECT_EQ(std::vector<int64_t>(s.counts, s.counts + 4), (std::vector<int64_t>{4, 2, 1, 0}));
  EXPECT_EQ(std::vector<int64_t>(s.totals, s.totals + 4), (std::vector<int64_t>{6, 5, 4, 3}));
  BleuOptions floor_default = raw();
  floor_default.floor = 0.1;
  EXPECT_NEAR(corpus_bleu({"am I am a character sequence"}, {{"I am a symbol string sequence a a"}},
                          floor_default)
                      .score /
                  100,
              0.1555722182, 1e-8);

  const int64_t counts[4] = {9, 7, 5, 3}, totals[4] = {10, 8, 6, 4};
  EXPECT_NEAR(bleu_from_counts(counts, totals, 11, 11).score / 100, 0.8375922397, 1e-8);

  BleuOptions floor = raw();
  floor.use_effective_order = false;
  struct Case {
    int64_t counts[4], totals[4], hyp, ref;
    double floor;
  };
  for (const Case& c :
       {Case{{0, 0, 0, 0}, {4, 4, 2, 1}, 0, 1, 0.0},
        Case{{0, 0, 0, 0}, {10, 11, 12, 0}, 14, 10, 0.0},
        Case{{0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0, 0.0}, Case{{6, 5, 4, 0}, {6, 5, 4, 3}, 6, 6, 0.0},
        Case{{0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0, 0.1},
        Case{{0, 0, 0, 0}, {0, 0, 0, 0}, 1, 5, 0.01}}) {
    floor.floor = c.floor;
    EXPECT_EQ(bleu_from_counts(c.counts, c.totals, c.hyp, c.ref, floor).score, 0.0);
  }
}

TEST(BleuTest, PrintsAsSacrebleuDoes) {
  const std::string line = bleu_line(corpus_bleu(kHyps, kRefs));
  EXPECT_EQ(line.rfind("BLEU = 48.53 ", 0), 0u) << line;
  EXPECT_NE(line.find("(BP = "), std::string::npos) << line;
  EXPECT_NE(line.find(" ratio = "), std::string::npos) << line;
  EXPECT_NE(line.find(" hyp_len = "), std::string::npos) << line;
}

TEST(Tokenize13aTest, SplitsPunctuationButNotNumbers) {
  EXPECT_EQ(tokenize_13a("Hello, world! It costs 3,000.50 dollars."),
            "Hello , world ! It costs 3,000.50 dollars .");
  EXPECT_EQ(tokenize_13a("a 1-2 b-c &quot;x&quot; &amp; (y)"), "a 1 - 2 b-c \" x \" & ( y )");
  EXPECT_EQ(tokenize_13a("Größe: 5.\nEnde"), "Größe : 5 . Ende");
}

// chrF with beta 3, as sacreBLEU's tests run it (eps smoothing: every order counts).
TEST(ChrfTest, MatchesSacrebleu) {
  ChrfOptions eps;
  eps.beta = 3;
  eps.eps_smoothing = true;
  struct Case {
    std::vector<std::string> hyp, ref;
    double score;
  };
  for (const Case& c : std::vector<Case>{
           {{"abcdefg"}, {"hijklmnop"}, 0.0},
           {{"a"}, {"b"}, 0.0},
           {{""}, {"reference"}, 0.0},
           {{"aa"}, {"ab"}, 8.3333},
           {{"a", "b"}, {"a", "c"}, 8.3333},
           {{"a"}, {"a"}, 16.6667},
           {{"a b c"}, {"a b c"}, 50.0},
           {{"a b c"}, {"abc"}, 50.0},
           {{" risk assessment must be made of those who are qualified and expertise in the "
             "sector - these are the scientists ."},
            {"risk assessment has to be undertaken by those who are qualified and expert in "
             "that area - that is the scientists ."},
            63.361730},
           {{" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
            {"Das Verh\xC3\xA4ltnis zwischen Obama und Netanyahu ist nicht gerade "
             "freundschaftlich."},
            64.1302698},
           {{"Niemand hat die Absicht, eine Mauer zu errichten"},
            {"Niemand hat die Absicht, eine Mauer zu errichten"},
            100.0},
       }) {
    EXPECT_NEAR(corpus_chrf(c.hyp, c.ref, eps), c.score, 1e-4) << c.hyp[0];
  }
  ChrfOptions effective;  // sacreBLEU's default averaging, beta 3 as in its tests
  effective.beta = 3;
  EXPECT_NEAR(corpus_chrf({"a"}, {"a"}, effective), 100.0, 1e-4);
  EXPECT_NEAR(corpus_chrf({"a", "b"}, {"a", "c"}, effective), 50.0, 1e-4);
  EXPECT_NEAR(corpus_chrf({"aa"}, {"ab"}, effective), 25.0, 1e-4);
  EXPECT_NEAR(corpus_chrf({""}, {"c"}, effective), 0.0, 1e-4);
  ChrfOptions keep = effective;
  keep.remove_whitespace = false;
  EXPECT_NEAR(
      corpus_chrf({"Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."},
                  {"Das Verh\xC3\xA4ltnis zwischen Obama und Netanyahu ist nicht gerade "
                   "freundschaftlich."},
                  keep),
      67.3481606, 1e-4);
}

}  // namespace
}  // namespace experiments
