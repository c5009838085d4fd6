#include "datasets/text_corpus.h"

#include "core/files.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "datasets/data_dir.h"

namespace datasets {
namespace {

namespace fs = std::filesystem;

void add_document(TextSplit& split, const std::string& text) {
  if (!split.text.empty() && split.text.back() != '\n') split.text += '\n';
  split.text += text;
  split.words += count_words(text);
  ++split.documents;
}

std::string default_dir(const std::string& dir, const char* name) {
  return dir.empty() ? data_dir() + "/" + name : dir;
}

void require_dir(const std::string& dir, const std::string& what) {
  if (!fs::is_directory(dir)) throw std::runtime_error(missing_data_message(what, dir, "lm"));
}

void require_splits(const TextCorpus& c, const std::string& where) {
  for (const auto* s : {&c.train, &c.valid, &c.test}) {
    if (s->words == 0) {
      throw std::runtime_error(c.name + " at " + where +
                               ": a split came out empty (train/valid/test words " +
                               std::to_string(c.train.words) + "/" + std::to_string(c.valid.words) +
                               "/" + std::to_string(c.test.words) + ")");
    }
  }
}

}  // namespace

int64_t invalid_utf8_offset(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return static_cast<int64_t>(i);
    }
    if (i + len > n) return static_cast<int64_t>(i);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return static_cast<int64_t>(i);
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return static_cast<int64_t>(i);
    }
    i += len;
  }
  return -1;
}

int64_t count_words(const std::string& text) {
  int64_t words = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    const bool space = std::isspace(c) != 0;
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::string read_utf8_file(const std::string& path) {
  std::optional<std::string> bytes = core::try_read_file(path);
  if (!bytes) throw std::runtime_error(path + ": cannot read (missing or unreadable)");
  std::string text = *std::move(bytes);
  if (count_words(text) == 0) throw std::runtime_error(path + ": empty (no words)");
  const int64_t bad = invalid_utf8_offset(text);
  if (bad >= 0) {
    throw std::runtime_error(path + ": not valid UTF-8 at byte " + std::to_string(bad));
  }
  return text;
}

TextCorpus load_sotu(const std::string& dir_in) {
  const std::string dir = default_dir(dir_in, "sotu");
  require_dir(dir, "The State of the Union corpus");
  std::map<std::string, int> files;  // sorted by name = by year
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".txt" || name.size() < 5 ||
        !std::all_of(name.begin(), name.begin() + 4, ::isdigit)) {
      continue;
    }
    files[name] = std::stoi(name.substr(0, 4));
  }
  if (files.empty()) {
    throw std::runtime_error(missing_data_message(
        "The State of the Union corpus (<year>_<name>_<party>.txt files)", dir, "lm"));
  }
  TextCorpus c;
  c.name = "sotu";
  for (const auto& [name, year] : files) {
    const std::string text = read_utf8_file(dir + "/" + name);
    add_document(year <= 1980 ? c.train : year <= 2000 ? c.valid : c.test, text);
  }
  require_splits(c, dir);
  return c;
}

TextCorpus load_wikitext(const std::string& dir) {
  if (!fs::is_directory(dir)) {
    throw std::runtime_error("WikiText not found at " + dir +
                             ": tools/setup.sh does not fetch it; point data.path at a folder "
                             "holding wiki.train.tokens, wiki.valid.tokens and wiki.test.tokens");
  }
  TextCorpus c;
  c.name = "wikitext";
  add_document(c.train, read_utf8_file(dir + "/wiki.train.tokens"));
  add_document(c.valid, read_utf8_file(dir + "/wiki.valid.tokens"));
  add_document(c.test, read_utf8_file(dir + "/wiki.test.tokens"));
  return c;
}

TextCorpus load_brown(const std::string& dir_in) {
  const std::string dir = default_dir(dir_in, "brown");
  require_dir(dir, "The Brown corpus");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.size() == 4 && n[0] == 'c' && n[1] >= 'a' && n[1] <= 'r' && std::isdigit(n[2]) &&
        std::isdigit(n[3])) {
      files.push_back(n);
    }
  }
  if (files.empty()) {
    throw std::runtime_error(
        missing_data_message("The Brown corpus (c[a-r][0-9][0-9] files)", dir, "lm"));
  }
  std::sort(files.begin(), files.end());
  TextCorpus c;
  c.name = "brown";
  for (const std::string& name : files) {
    const std::string tagged = read_utf8_file(dir + "/" + name);
    // word/TAG tokens, one sentence per line: keep the words.
    std::string text, line;
    std::istringstream lines(tagged);
    while (std::getline(lines, line)) {
      std::istringstream tokens(line);
      std::string token, sentence;
      while (tokens >> token) {
        const size_t slash = token.rfind('/');
        const std::string word =
            slash == std::string::npos || slash == 0 ? token : token.substr(0, slash);
        sentence += (sentence.empty() ? "" : " ") + word;
      }
      if (!sentence.empty()) text += sentence + "\n";
    }
    const int number = std::stoi(name.substr(2));
    add_document(number % 10 == 9 ? c.valid : number % 10 == 0 ? c.test : c.train, text);
  }
  require_splits(c, dir);
  return c;
}

TextCorpus load_text_file(const std::string& path) {
  const std::string text = read_utf8_file(path);
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (count_words(line) > 0) lines.push_back(line);
  }
  TextCorpus c;
  c.name = "text:" + fs::path(path).filename().string();
  const size_t n = lines.size(), train_end = n * 90 / 100, valid_end = n * 95 / 100;
  for (size_t i = 0; i < n; ++i) {
    add_document(i < train_end ? c.train : i < valid_end ? c.valid : c.test, lines[i]);
  }
  if (c.valid.words == 0 || c.test.words == 0) {
    throw std::runtime_error(path + ": " + std::to_string(n) +
                             " non-empty lines is too few to split 90/5/5 into train, valid and "
                             "test (need at least 20)");
  }
  return c;
}

}  // namespace datasets
