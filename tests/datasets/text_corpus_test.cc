// Text corpora (datasets/text_corpus.h) on small files the test writes: splits, word counts, and
// clear errors for missing folders, empty files and bad UTF-8.
#include "datasets/text_corpus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace datasets {
namespace {

namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(TextCorpusTest, SotuSplitsByYear) {
  const std::string dir = fresh_dir("sotu");
  write(dir + "/1790_george_washington_n.txt", "Fellow citizens of the Senate.\nSecond line.");
  write(dir + "/1980_jimmy_carter_d.txt", "Three words here.");
  write(dir + "/1981_ronald_reagan_r.txt", "Valid text.");
  write(dir + "/2000_bill_clinton_d.txt", "More valid.");
  write(dir + "/2001_george_w_bush_r.txt", "Test text for the end.");
  write(dir + "/LICENSE", "not an address");
  const TextCorpus c = load_sotu(dir);
  EXPECT_EQ(c.name, "sotu");
  EXPECT_EQ(c.train.documents, 2);
  EXPECT_EQ(c.train.words, 5 + 2 + 3);
  EXPECT_EQ(c.valid.documents, 2);
  EXPECT_EQ(c.valid.words, 4);
  EXPECT_EQ(c.test.documents, 1);
  EXPECT_EQ(c.test.words, 5);
  EXPECT_NE(c.train.text.find("Second line.\nThree words"), std::string::npos) << c.train.text;
}

TEST(TextCorpusTest, MissingCorpusNamesTheFetchCommand) {
  const std::string m = error_of([] { load_sotu(::testing::TempDir() + "/no_such_dir"); });
  EXPECT_NE(m.find("no_such_dir"), std::string::npos) << m;
  EXPECT_NE(m.find("tools/setup.sh --data-only"), std::string::npos) << m;
  const std::string empty_dir = fresh_dir("sotu_empty");
  EXPECT_NE(error_of([&] { load_sotu(empty_dir); }).find("tools/setup.sh"), std::string::npos);
}

TEST(TextCorpusTest, EmptyFilesAndBadUtf8AreNamed) {
  const std::string dir = fresh_dir("bad");
  write(dir + "/empty.txt", " \n\t\n");
  std::string m = error_of([&] { read_utf8_file(dir + "/empty.txt"); });
  EXPECT_NE(m.find("empty.txt: empty"), std::string::npos) << m;

  write(dir + "/bad.txt", "good text \xC3\xA9 then \xFF bad");
  m = error_of([&] { read_utf8_file(dir + "/bad.txt"); });
  EXPECT_NE(m.find("bad.txt: not valid UTF-8 at byte 18"), std::string::npos) << m;

  m = error_of([&] { read_utf8_file(dir + "/missing.txt"); });
  EXPECT_NE(m.find("missing.txt: cannot read"), std::string::npos) << m;
}

TEST(TextCorpusTest, Utf8Validation) {
  EXPECT_EQ(invalid_utf8_offset("plain ascii"), -1);
  EXPECT_EQ(invalid_utf8_offset("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), -1);  // é € 😀
  EXPECT_EQ(invalid_utf8_offset("ab\xC3"), 2);                                      // truncated
  EXPECT_EQ(invalid_utf8_offset("\xC0\xAF"), 0);                                    // overlong '/'
  EXPECT_EQ(invalid_utf8_offset("x\xED\xA0\x80"), 1);                               // surrogate
  EXPECT_EQ(invalid_utf8_offset("\xF4\x90\x80\x80"), 0);                            // > U+10FFFF
  EXPECT_EQ(invalid_utf8_offset("a\x80"), 1);  // lone continuation
}

TEST(TextCorpusTest, WikitextNeedsItsThreeFiles) {
  const std::string dir = fresh_dir("wikitext");
  write(dir + "/wiki.train.tokens", " = Title = \n the cat sat on the mat <unk> . \n");
  write(dir + "/wiki.valid.tokens", " a dog . \n");
  std::string m = error_of([&] { load_wikitext(dir + "/nope"); });
  EXPECT_NE(m.find("does not fetch it"), std::string::npos) << m;
  m = error_of([&] { load_wikitext(dir); });
  EXPECT_NE(m.find("wiki.test.tokens: cannot read"), std::string::npos) << m;
  write(dir + "/wiki.test.tokens", " end of it . \n");
  const TextCorpus c = load_wikitext(dir);
  EXPECT_EQ(c.train.words, 3 + 8);
  EXPECT_EQ(c.valid.words, 3);
  EXPECT_EQ(c.test.words, 4);
}

TEST(TextCorpusTest, BrownStripsTagsAndSplitsByFileNumber) {
  const std::string dir = fresh_dir("brown");
  for (int i = 1; i <= 10; ++i) {
    char name[8];
    std::snprintf(name, sizeof(name), "ca%02d", i);
    write(dir + "/" + name, "\n\n\tThe/at jury/nn said/vbd ./.\n");
  }
  write(dir + "/README", "not a text");
  const TextCorpus c = load_brown(dir);
  EXPECT_EQ(c.train.documents, 8);
  EXPECT_EQ(c.valid.documents, 1);  // ca09
  EXPECT_EQ(c.test.documents, 1);   // ca10
  EXPECT_EQ(c.valid.text, "The jury said .\n");
}

TEST(TextCorpusTest, PlainFileSplitsByLines) {
  const std::string dir = fresh_dir("plain");
  std::string text;
  for (int i = 0; i < 40; ++i) text += "line number " + std::to_string(i) + "\n\n";
  write(dir + "/book.txt", text);
  const TextCorpus c = load_text_file(dir + "/book.txt");
  EXPECT_EQ(c.name, "text:book.txt");
  EXPECT_EQ(c.train.documents, 36);
  EXPECT_EQ(c.valid.documents, 2);
  EXPECT_EQ(c.test.documents, 2);
  EXPECT_NE(c.test.text.find("line number 39"), std::string::npos);
  write(dir + "/short.txt", "one line\n");
  EXPECT_NE(error_of([&] { load_text_file(dir + "/short.txt"); }).find("too few"),
            std::string::npos);
}

}  // namespace
}  // namespace datasets
