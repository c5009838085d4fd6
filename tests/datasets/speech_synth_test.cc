// The synthetic speech corpus: sentence selection, and determinism (the same seed writes the
// same bytes; another seed does not). Runs espeak-ng and flite (installed by tools/setup.sh).
#include "datasets/speech_synth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "datasets/speech_corpus.h"

namespace datasets {
namespace {

namespace fs = std::filesystem;

TEST(SpeechSynthTest, SpeakableSentences) {
  const std::string text =
      "Members of the Congress: It is a pleasure to return. Mr. Speaker, we are here again. "
      "We spent $40 billion "
      "in 1961. The U.S. Navy grew. Our well-being depends on peace, and on work! Why? "
      "The NATO allies met.";
  // Dropped: "Mr" (too short), the fragment after it, digits and $, "U.S.", "Why?" (one word),
  // the acronym NATO.
  const auto s = speakable_sentences(text, 3, 12);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], "Members of the Congress, It is a pleasure to return.");
  EXPECT_EQ(s[1], "Our well being depends on peace, and on work.");
  EXPECT_EQ(normalize_transcript(s[1]), "our well being depends on peace and on work");
}

TEST(SpeechSynthTest, BrownPlainText) {
  const std::string tagged =
      "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, then/rb left/vbd ./.\n"
      "\n\tWhy/wrb not/*\n";
  EXPECT_EQ(brown_plain_text(tagged), "The jury said no evidence, then left.\nWhy not.\n");
}

std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out[fs::relative(e.path(), dir).string()] = s.str();
  }
  return out;
}

TEST(SpeechSynthTest, SameSeedSameBytes) {
  const fs::path root = fs::path(::testing::TempDir()) / "synth";
  fs::create_directories(root / "text");
  std::ofstream(root / "text" / "a.txt")
      << "The people of this land have spoken. We shall meet the needs of our farmers. "
         "Our schools must serve every child. The world is watching what we do here. "
         "Peace is the work of many hands. Let us keep faith with those who came before. "
         "Trade between nations has grown again. The army and the navy stand ready.";
  SpeechSynthOptions o;
  o.text_dir = (root / "text").string();
  o.use_brown = false;
  o.train = 3;
  o.valid = 1;
  o.test = 2;
  o.test_flite = 2;
  o.min_words = 4;
  o.out = (root / "one").string();
  synthesize_speech_corpus(o);
  o.out = (root / "two").string();
  synthesize_speech_corpus(o);
  o.seed = 2;
  o.out = (root / "other").string();
  synthesize_speech_corpus(o);
  const auto one = files_of(root / "one"), two = files_of(root / "two"),
             other = files_of(root / "other");
  EXPECT_EQ(one.size(), 8u + 8u + 2u) << "8 WAV files, their transcripts, SPEAKERS.txt, MANIFEST";
  EXPECT_TRUE(one == two) << "the same seed wrote different files";
  EXPECT_FALSE(one == other) << "seed 2 wrote the same corpus as seed 1";
  // Every split reads back in LibriSpeech's layout; test-flite holds flite's voices.
  for (const char* split : {"train", "valid", "test", "test-flite"}) {
    const SpeechSplit s = read_librispeech_split((root / "one" / split).string());
    EXPECT_FALSE(s.utterances.empty()) << split;
  }
  EXPECT_NE(one.at("SPEAKERS.txt").find("| test-flite | flite |"), std::string::npos);
  EXPECT_FALSE(fs::exists(root / "one.tmp"));
}

TEST(SpeechSynthTest, TooFewSentencesIsAnError) {
  const fs::path root = fs::path(::testing::TempDir()) / "synth_small";
  fs::create_directories(root);
  std::ofstream(root / "a.txt") << "Only one sentence is here today.";
  SpeechSynthOptions o;
  o.text_dir = root.string();
  o.use_brown = false;
  o.out = (root / "out").string();
  EXPECT_THROW(synthesize_speech_corpus(o), std::runtime_error);
}

}  // namespace
}  // namespace datasets
