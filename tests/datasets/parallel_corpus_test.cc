// Parallel text for translation (datasets/parallel_corpus.h) on files the test writes: .mo
// catalogs in both byte orders with a header, contexts and plural forms; cleaning; the
// deduplicated, leak-free split; the WMT plain-text and SGML formats and their errors.
#include "datasets/parallel_corpus.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace datasets {
namespace {

std::string tmp(const std::string& name) { return ::testing::TempDir() + "/" + name; }

void put_u32(std::string& out, uint32_t v, bool big_endian) {
  for (int i = 0; i < 4; ++i) {
    const int shift = big_endian ? 24 - 8 * i : 8 * i;
    out += static_cast<char>((v >> shift) & 0xFF);
  }
}

// A .mo file as GNU msgfmt lays it out: header, the two string tables, then the strings.
std::string write_mo(const std::string& name,
                     const std::vector<std::pair<std::string, std::string>>& messages,
                     bool big_endian) {
  const uint32_t n = static_cast<uint32_t>(messages.size());
  const uint32_t originals = 28, translations = originals + 8 * n;
  uint32_t offset = translations + 8 * n;
  std::string header, tables_o, tables_t, strings;
  for (const auto& [id, str] : messages) {
    put_u32(tables_o, static_cast<uint32_t>(id.size()), big_endian);
    put_u32(tables_o, offset + static_cast<uint32_t>(strings.size()), big_endian);
    strings += id + '\0';
  }
  for (const auto& [id, str] : messages) {
    put_u32(tables_t, static_cast<uint32_t>(str.size()), big_endian);
    put_u32(tables_t, offset + static_cast<uint32_t>(strings.size()), big_endian);
    strings += str + '\0';
  }
  put_u32(header, 0x950412de, big_endian);
  put_u32(header, 0, big_endian);  // revision
  put_u32(header, n, big_endian);
  put_u32(header, originals, big_endian);
  put_u32(header, translations, big_endian);
  put_u32(header, 0, big_endian);  // hash table size
  put_u32(header, 0, big_endian);  // hash table offset
  const std::string path = tmp(name);
  std::ofstream(path, std::ios::binary) << header << tables_o << tables_t << strings;
  return path;
}

const std::vector<std::pair<std::string, std::string>> kMessages = {
    {"", "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2;\n"},
    {"_Open", "Ö_ffnen"},
    {std::string("menu\x04") + "Quit", "Beenden"},
    {std::string("%d file\0%d files", 16), std::string("%d Datei\0%d Dateien", 17)},
};

TEST(MoReaderTest, BothByteOrdersContextsPluralsAndTheHeader) {
  for (bool big_endian : {false, true}) {
    SCOPED_TRACE(big_endian ? "big-endian" : "little-endian");
    const auto entries = read_mo(write_mo("messages.mo", kMessages, big_endian));
    ASSERT_EQ(entries.size(), 3u) << "the header entry is skipped";
    EXPECT_EQ(entries[0].source, "_Open");
    EXPECT_EQ(entries[0].target, "Ö_ffnen");
    EXPECT_EQ(entries[1].context, "menu");
    EXPECT_EQ(entries[1].source, "Quit");
    EXPECT_EQ(entries[2].source, "%d file") << "the singular of a plural message";
    EXPECT_EQ(entries[2].target, "%d Datei") << "plural form 0";
  }
}

TEST(MoReaderTest, BadFilesAreNamed) {
  const std::string path = write_mo("cut.mo", kMessages, false);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::ofstream(tmp("truncated.mo"), std::ios::binary) << bytes.substr(0, bytes.size() - 20);
  std::ofstream(tmp("tiny.mo"), std::ios::binary) << bytes.substr(0, 10);
  std::ofstream(tmp("magic.mo"), std::ios::binary) << "not a catalog at all, just text";
  for (const auto& [file, message] :
       std::vector<std::pair<std::string, std::string>>{{"truncated.mo", "runs past the end"},
                                                        {"tiny.mo", "header alone needs 20"},
                                                        {"magic.mo", "magic number"},
                                                        {"missing.mo", "cannot read"}}) {
    try {
      read_mo(tmp(file));
      ADD_FAILURE() << file << " was accepted";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(file), std::string::npos) << what;
      EXPECT_NE(what.find(message), std::string::npos) << what;
    }
  }
}

TEST(CleanPairTest, SameCleaningOnBothSides) {
  std::string en = "_Open  the\nfile", de = "Datei ö_ffnen";
  ASSERT_TRUE(clean_pair(&en, &de));
  EXPECT_EQ(en, "Open the file");
  EXPECT_EQ(de, "Datei öffnen");

  en = "&Save && Exit";
  de = "&Speichern && Beenden";
  ASSERT_TRUE(clean_pair(&en, &de));
  EXPECT_EQ(en, "Save & Exit");
  EXPECT_EQ(de, "Speichern & Beenden");

  en = "cannot open \xE2\x80\x98%s\xE2\x80\x99: %1$d";
  de = "\xC2\xBB%s\xC2\xAB kann nicht ge\xC3\xB6"
       "ffnet werden: %1$d";
  ASSERT_TRUE(clean_pair(&en, &de));
  EXPECT_EQ(en, "cannot open '%s': %1$d") << "placeholders kept, quotes normalised";
  EXPECT_EQ(de,
            "\"%s\" kann nicht ge\xC3\xB6"
            "ffnet werden: %1$d");

  en = "max_file_size";  // two markers: an identifier, not a mnemonic
  de = "max_file_size (Bytes)";
  ASSERT_TRUE(clean_pair(&en, &de));
  EXPECT_EQ(en, "max_file_size");

  std::string same_a = "OK", same_b = "O_K";
  EXPECT_FALSE(clean_pair(&same_a, &same_b)) << "identical after cleaning";
  std::string empty = "  ", text = "Text";
  EXPECT_FALSE(clean_pair(&empty, &text));
  std::string long_en(400, 'a'), long_de = "kurz";
  EXPECT_FALSE(clean_pair(&long_en, &long_de));
}

TEST(ParallelCorpusTest, DedupedByTheSourceAndSplitWithoutLeaks) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 2000; ++i) {
    pairs.emplace_back("message number " + std::to_string(i),
                       "Nachricht Nummer " + std::to_string(i));
  }
  pairs.emplace_back("message number 7", "Meldung Nummer 7");  // a second translation
  pairs.emplace_back("same", "same");                          // dropped: identical
  const ParallelCorpus a = build_parallel_corpus("t", pairs, 0.05, 0.05);
  EXPECT_EQ(a.dropped, 1);
  EXPECT_EQ(a.duplicates, 1);
  const size_t total = a.train.source.size() + a.valid.source.size() + a.test.source.size();
  EXPECT_EQ(total, 2000u);
  EXPECT_NEAR(a.test.source.size(), 100.0, 40.0);
  EXPECT_NEAR(a.valid.source.size(), 100.0, 40.0);
  const std::set<std::string> train(a.train.source.begin(), a.train.source.end());
  for (const auto& s : a.test.source) EXPECT_EQ(train.count(s), 0u) << s;
  for (const auto& s : a.valid.source) EXPECT_EQ(train.count(s), 0u) << s;
  // The kept translation of a duplicated source does not depend on the input order.
  std::vector<std::pair<std::string, std::string>> reversed(pairs.rbegin(), pairs.rend());
  const ParallelCorpus b = build_parallel_corpus("t", reversed, 0.05, 0.05);
  EXPECT_EQ(a.train.source, b.train.source);
  EXPECT_EQ(a.train.target, b.train.target);
  EXPECT_EQ(a.test.target, b.test.target);
}

TEST(GettextCorpusTest, ReadsEveryCatalogBelowTheFolder) {
  const std::string dir = tmp("gettext");
  std::filesystem::create_directories(dir + "/pkg-a");
  std::filesystem::create_directories(dir + "/pkg-b");
  write_mo("gettext/pkg-a/a.mo", kMessages, false);
  write_mo("gettext/pkg-b/b.mo",
           {{"", "header"},
            {"Close",
             "Schlie\xC3\x9F"
             "en"},
            {"Quit", "Verlassen"}},
           true);
  const ParallelCorpus c = load_gettext_corpus(dir);
  // 3 + 2 messages; "Quit" appears in both catalogs and is kept once.
  EXPECT_EQ(c.pairs(), 4);
  EXPECT_EQ(c.duplicates, 1);
  EXPECT_EQ(c.fingerprint.size(), 16u);
  EXPECT_EQ(load_gettext_corpus(dir).fingerprint, c.fingerprint) << "deterministic";
  try {
    load_gettext_corpus(tmp("no-such-folder"));
    ADD_FAILURE() << "a missing folder was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tools/setup.sh --data-only"), std::string::npos)
        << e.what();
  }
}

// The catalogs tools/setup.sh fetched ($SIGMA_DATA/gettext-de): at least 50,000 distinct
// English messages survive cleaning, and no test source is a training source.
TEST(GettextCorpusTest, TheFetchedCatalogsGiveAtLeast50kPairs) {
  const ParallelCorpus c = load_gettext_corpus();
  EXPECT_GE(c.pairs(), 50000);
  EXPECT_GT(c.test.source.size(), 2000u);
  const std::set<std::string> train(c.train.source.begin(), c.train.source.end());
  for (const auto& s : c.test.source) ASSERT_EQ(train.count(s), 0u) << s;
  std::printf(
      "gettext-de: %lld pairs (train %zu, valid %zu, test %zu), %lld dropped, %lld "
      "duplicates, fingerprint %s\n",
      static_cast<long long>(c.pairs()), c.train.source.size(), c.valid.source.size(),
      c.test.source.size(), static_cast<long long>(c.dropped), static_cast<long long>(c.duplicates),
      c.fingerprint.c_str());
}

TEST(WmtFormatTest, PlainParallelTextAndSgml) {
  const std::string dir = tmp("wmt");
  std::filesystem::create_directories(dir);
  for (const char* split : {"train", "valid", "test"}) {
    std::ofstream(dir + "/" + split + ".en") << "Hello world.\r\nGood night.\n";
    std::ofstream(dir + "/" + split + ".de") << "Hallo Welt.\nGute Nacht.\n";
  }
  const ParallelCorpus c = load_parallel_text(dir);
  ASSERT_EQ(c.train.source.size(), 2u);
  EXPECT_EQ(c.train.source[0], "Hello world.");
  EXPECT_EQ(c.test.target[1], "Gute Nacht.");

  std::ofstream(dir + "/valid.de") << "Nur eine Zeile.\n";
  try {
    load_parallel_text(dir);
    ADD_FAILURE() << "a line-count mismatch was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("valid.en has 2 lines but"), std::string::npos)
        << e.what();
  }

  const std::string sgml = tmp("newstest.sgm");
  std::ofstream(sgml) << "<srcset setid=\"newstest2017\">\n<doc docid=\"a\">\n"
                         "<seg id=\"1\">Tom &amp; Jerry say &quot;hi&quot;.</seg>\n"
                         "<seg id=\"2\"> 3 &lt; 4 </seg>\n</doc>\n</srcset>\n";
  const auto segments = read_sgml_segments(sgml);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0], "Tom & Jerry say \"hi\".");
  EXPECT_EQ(segments[1], "3 < 4");
  std::ofstream(tmp("empty.sgm")) << "<srcset></srcset>\n";
  EXPECT_THROW(read_sgml_segments(tmp("empty.sgm")), std::runtime_error);

  // A test split given as newstest SGML (no plain test.en / test.de) is read from its segments.
  std::ofstream(dir + "/valid.de") << "Hallo Welt.\nGute Nacht.\n";
  std::filesystem::remove(dir + "/test.en");
  std::filesystem::remove(dir + "/test.de");
  std::filesystem::copy_file(sgml, dir + "/test.en.sgm");
  std::ofstream(dir + "/test.de.sgm") << "<refset><doc docid=\"a\"><seg id=\"1\">Tom &amp; Jerry "
                                         "sagen hallo.</seg>\n<seg id=\"2\">3 &lt; 4</seg></doc>"
                                         "</refset>\n";
  const ParallelCorpus news = load_parallel_text(dir);
  ASSERT_EQ(news.test.source.size(), 2u);
  EXPECT_EQ(news.test.source[0], "Tom & Jerry say \"hi\".");
  EXPECT_EQ(news.test.target[0], "Tom & Jerry sagen hallo.");
  EXPECT_EQ(news.train.source.size(), 2u);
}

}  // namespace
}  // namespace datasets
