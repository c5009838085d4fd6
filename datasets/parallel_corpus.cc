#include "datasets/parallel_corpus.h"

#include "core/files.h"

#include <cstdio>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/hash.h"
#include "datasets/data_dir.h"

namespace datasets {
namespace {

std::string read_binary(const std::string& path) {
  std::optional<std::string> bytes = core::try_read_file(path);
  if (!bytes) throw std::runtime_error(path + ": cannot read");
  return *std::move(bytes);
}

uint32_t load_u32(const std::string& bytes, size_t at, bool big_endian) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  return big_endian ? (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3])
                    : (uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0]);
}

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

// Removes a keyboard accelerator marker `marker` if the string has exactly one that precedes a
// letter or digit (more than one such marker is an identifier such as max_file_size, not a
// mnemonic). For '&', "&&" is a literal '&' and entities such as "&amp;" are left alone.
std::string strip_accelerator(const std::string& s, char marker) {
  std::vector<size_t> marks;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != marker) continue;
    if (marker == '&' && i + 1 < s.size() && s[i + 1] == '&') {
      ++i;
      continue;
    }
    if (marker == '&') {
      size_t j = i + 1;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '#')) ++j;
      if (j > i + 1 && j < s.size() && s[j] == ';') continue;  // an entity
    }
    if (i + 1 < s.size() && is_word_byte(static_cast<unsigned char>(s[i + 1]))) marks.push_back(i);
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (marks.size() == 1 && i == marks[0]) continue;
    out += s[i];
    if (marker == '&' && s[i] == '&' && i + 1 < s.size() && s[i + 1] == '&') ++i;
  }
  return out;
}

// Replaces every occurrence of each table entry's first string by its second, left to right.
template <size_t N>
std::string replace_each(const std::string& s,
                         const std::pair<const char*, const char*> (&table)[N]) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool replaced = false;
    for (const auto& [from, to] : table) {
      const size_t n = std::strlen(from);
      if (s.compare(i, n, from) == 0) {
        out += to;
        i += n;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

// Typographic quotes to ASCII: double-style ones to ", single-style ones to '.
std::string normalize_quotes(const std::string& s) {
  static const std::pair<const char*, const char*> kQuotes[] = {
      {"\xE2\x80\x9C", "\""}, {"\xE2\x80\x9D", "\""}, {"\xE2\x80\x9E", "\""},
      {"\xE2\x80\x9F", "\""}, {"\xC2\xAB", "\""},     {"\xC2\xBB", "\""},
      {"\xE2\x80\x98", "'"},  {"\xE2\x80\x99", "'"},  {"\xE2\x80\x9A", "'"},
      {"\xE2\x80\x9B", "'"},  {"\xE2\x80\xB9", "'"},  {"\xE2\x80\xBA", "'"},
  };
  return replace_each(s, kQuotes);
}

std::string collapse_whitespace(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string clean_side(const std::string& s) {
  return collapse_whitespace(normalize_quotes(strip_accelerator(strip_accelerator(s, '_'), '&')));
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": missing (the WMT format needs train, valid and test files)");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string decode_entities(const std::string& s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
  return replace_each(s, kEntities);
}

}  // namespace

std::vector<MoEntry> read_mo(const std::string& path) {
  const std::string bytes = read_binary(path);
  if (bytes.size() < 20) {
    throw std::runtime_error(path + ": truncated .mo file (" + std::to_string(bytes.size()) +
                             " bytes, the header alone needs 20)");
  }
  bool big_endian = false;
  if (load_u32(bytes, 0, false) == 0x950412deu) {
    big_endian = false;
  } else if (load_u32(bytes, 0, true) == 0x950412deu) {
    big_endian = true;
  } else {
    throw std::runtime_error(path +
                             ": not a .mo file (magic number is not 0x950412de in either "
                             "byte order)");
  }
  const uint32_t n = load_u32(bytes, 8, big_endian);
  const uint32_t originals = load_u32(bytes, 12, big_endian);
  const uint32_t translations = load_u32(bytes, 16, big_endian);
  auto string_at = [&](uint32_t table, uint32_t i) {
    const uint64_t entry = uint64_t{table} + 8ull * i;
    if (entry + 8 > bytes.size()) {
      throw std::runtime_error(path + ": truncated .mo file (string table entry " +
                               std::to_string(i) + " past the end)");
    }
    const uint32_t length = load_u32(bytes, entry, big_endian);
    const uint32_t offset = load_u32(bytes, entry + 4, big_endian);
    if (uint64_t{offset} + length > bytes.size()) {
      throw std::runtime_error(path + ": truncated .mo file (string " + std::to_string(i) +
                               " runs past the end)");
    }
    return bytes.substr(offset, length);
  };
  std::vector<MoEntry> entries;
  for (uint32_t i = 0; i < n; ++i) {
    std::string id = string_at(originals, i);
    std::string str = string_at(translations, i);
    MoEntry e;
    const size_t eot = id.find('\x04');
    if (eot != std::string::npos) {
      e.context = id.substr(0, eot);
      id = id.substr(eot + 1);
    }
    e.source = id.substr(0, id.find('\0'));    // singular
    e.target = str.substr(0, str.find('\0'));  // plural form 0
    if (e.source.empty()) continue;            // the header entry
    entries.push_back(std::move(e));
  }
  return entries;
}

bool clean_pair(std::string* source, std::string* target, size_t max_chars) {
  *source = clean_side(*source);
  *target = clean_side(*target);
  return !source->empty() && !target->empty() && *source != *target &&
         source->size() <= max_chars && target->size() <= max_chars;
}

ParallelCorpus build_parallel_corpus(const std::string& name,
                                     std::vector<std::pair<std::string, std::string>> pairs,
                                     double valid_fraction, double test_fraction) {
  ParallelCorpus c;
  c.name = name;
  std::vector<std::pair<std::string, std::string>> kept;
  for (auto& [source, target] : pairs) {
    if (clean_pair(&source, &target)) {
      kept.emplace_back(std::move(source), std::move(target));
    } else {
      ++c.dropped;
    }
  }
  std::sort(kept.begin(), kept.end());
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0 && kept[i].first == kept[i - 1].first) {
      ++c.duplicates;  // the smallest target of a source came first
      continue;
    }
    const double u = static_cast<double>(core::fnv1a64(kept[i].first) % 1000000) / 1e6;
    ParallelSplit& split = u < test_fraction                    ? c.test
                           : u < test_fraction + valid_fraction ? c.valid
                                                                : c.train;
    split.source.push_back(kept[i].first);
    split.target.push_back(kept[i].second);
  }
  uint64_t h = core::fnv1a64("");
  for (const ParallelSplit* split : {&c.train, &c.valid, &c.test}) {
    for (size_t i = 0; i < split->source.size(); ++i) {
      h = core::fnv1a64(split->target[i] + '\t', core::fnv1a64(split->source[i] + '\t', h));
    }
    h = core::fnv1a64("\xFF", h);  // split boundary
  }
  c.fingerprint = core::hex64(h);
  return c;
}

ParallelCorpus load_gettext_corpus(const std::string& dir_arg) {
  const std::string dir = dir_arg.empty() ? data_dir() + "/gettext-de" : dir_arg;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw std::runtime_error(missing_data_message("the German gettext catalogs", dir, "mt"));
  }
  std::vector<std::string> files;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file() && it->path().extension() == ".mo") files.push_back(it->path());
  }
  if (files.empty()) {
    throw std::runtime_error(
        missing_data_message("the German gettext catalogs (.mo files)", dir, "mt"));
  }
  std::sort(files.begin(), files.end());
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& file : files) {
    for (MoEntry& e : read_mo(file)) pairs.emplace_back(std::move(e.source), std::move(e.target));
  }
  return build_parallel_corpus("gettext-de", std::move(pairs), 0.05, 0.05);
}

ParallelCorpus load_parallel_text(const std::string& dir, const std::string& source_lang,
                                  const std::string& target_lang) {
  ParallelCorpus c;
  c.name = "parallel:" + dir;
  for (auto [split, name] : {std::pair<ParallelSplit*, const char*>{&c.train, "train"},
                             {&c.valid, "valid"},
                             {&c.test, "test"}}) {
    // Plain text, or newstest SGML (<name>.<lang>.sgm) when there is no plain file.
    const auto read_side = [&](const std::string& lang, std::string* path) {
      *path = dir + "/" + name + "." + lang;
      std::error_code ec;
      if (!std::filesystem::exists(*path, ec) && std::filesystem::exists(*path + ".sgm", ec)) {
        *path += ".sgm";
        return read_sgml_segments(*path);
      }
      return read_lines(*path);
    };
    std::string src, tgt;
    split->source = read_side(source_lang, &src);
    split->target = read_side(target_lang, &tgt);
    if (split->source.size() != split->target.size()) {
      throw std::runtime_error(
          src + " has " + std::to_string(split->source.size()) + " lines but " + tgt + " has " +
          std::to_string(split->target.size()) + ": the files must be aligned line by line");
    }
  }
  return c;
}

std::vector<std::string> read_sgml_segments(const std::string& path) {
  const std::string text = read_binary(path);
  std::vector<std::string> segments;
  for (size_t at = text.find("<seg"); at != std::string::npos; at = text.find("<seg", at)) {
    const size_t open = text.find('>', at);
    const size_t close = text.find("</seg>", open);
    if (open == std::string::npos || close == std::string::npos) {
      throw std::runtime_error(path + ": a <seg> element at byte " + std::to_string(at) +
                               " is not closed");
    }
    segments.push_back(
        collapse_whitespace(decode_entities(text.substr(open + 1, close - open - 1))));
    at = close + 6;
  }
  if (segments.empty()) throw std::runtime_error(path + ": no <seg> elements (not newstest SGML?)");
  return segments;
}

}  // namespace datasets
