// SentencePiece tokenisation (datasets/tokenizer.h): trained once per (corpus, settings, text),
// cached, reused; encode/decode round trip; eos per line.
#include "datasets/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace datasets {
namespace {

std::string corpus_text() {
  std::string text;
  const char* lines[] = {"the state of the union is strong", "we the people of the united states",
                         "congress shall make no law respecting an establishment",
                         "the union of the states is a union of the people"};
  for (int i = 0; i < 50; ++i) text += std::string(lines[i % 4]) + " " + std::to_string(i) + "\n";
  return text;
}

TEST(TokenizerTest, TrainsOnceThenLoadsFromTheCache) {
  const std::string cache = ::testing::TempDir() + "/tokenizers";
  std::filesystem::remove_all(cache);
  const std::string text = corpus_text();
  bool trained = false;
  Tokenizer a = Tokenizer::train_or_load("tiny", text, {120, "bpe"}, cache, &trained);
  EXPECT_TRUE(trained);
  EXPECT_TRUE(std::filesystem::exists(a.model_path()));
  EXPECT_EQ(std::filesystem::path(a.model_path()).filename().string(),
            tokenizer_cache_name("tiny", text, {120, "bpe"}));
  Tokenizer b = Tokenizer::train_or_load("tiny", text, {120, "bpe"}, cache, &trained);
  EXPECT_FALSE(trained);
  EXPECT_EQ(a.model_path(), b.model_path());
  EXPECT_EQ(a.encode(text), b.encode(text));
  // Other settings or other text: another model.
  EXPECT_NE(tokenizer_cache_name("tiny", text, {100, "bpe"}),
            tokenizer_cache_name("tiny", text, {120, "bpe"}));
  EXPECT_NE(tokenizer_cache_name("tiny", text + "x", {120, "bpe"}),
            tokenizer_cache_name("tiny", text, {120, "bpe"}));
  Tokenizer u = Tokenizer::train_or_load("tiny", text, {100, "unigram"}, cache, &trained);
  EXPECT_TRUE(trained);
  EXPECT_NE(u.model_path(), a.model_path());
}

TEST(TokenizerTest, EncodesLinesWithEosAndDecodesBack) {
  const std::string cache = ::testing::TempDir() + "/tokenizers2";
  Tokenizer t = Tokenizer::train_or_load("tiny", corpus_text(), {120, "bpe"}, cache);
  EXPECT_LE(t.vocab_size(), 120);
  const std::string text = "the union is strong\n\nwe the people\n";
  const std::vector<int> ids = t.encode(text);
  int eos = 0;
  for (int id : ids) {
    EXPECT_GE(id, 0);
    EXPECT_LT(id, t.vocab_size());
    eos += id == t.eos_id();
  }
  EXPECT_EQ(eos, 2);  // the empty line is skipped
  EXPECT_EQ(ids.back(), t.eos_id());
  EXPECT_EQ(t.decode(ids), "the union is strong\nwe the people\n");
  // Subwords: fewer tokens than characters.
  EXPECT_LT(t.encode_line("the state of the union").size(), 22u);
}

TEST(TokenizerTest, BadSettingsAndFilesAreClearErrors) {
  EXPECT_THROW(Tokenizer::train_or_load("tiny", corpus_text(), {120, "wordpiece"}),
               std::runtime_error);
  EXPECT_THROW(Tokenizer::train_or_load("tiny", corpus_text(), {4, "bpe"}), std::runtime_error);
  try {
    Tokenizer::load("/no/such/file.model");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/file.model"), std::string::npos);
  }
}

}  // namespace
}  // namespace datasets
