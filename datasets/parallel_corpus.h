// Parallel text for translation: the gettext catalogs (.mo) that Debian packages ship, cleaned
// and split so that no test source sentence was trained on, and the paper's WMT formats (plain
// parallel text and newstest SGML). No LibTorch.
//
//   std::vector<datasets::MoEntry> entries = datasets::read_mo("de/LC_MESSAGES/gcc.mo");
//   datasets::ParallelCorpus c = datasets::build_parallel_corpus("gettext", pairs, 0.05, 0.05);
//   c.train.source[i] / c.train.target[i]: English / German
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace datasets {

// One translated message of a .mo catalog.
struct MoEntry {
  std::string context;  // msgctxt, "" if none
  std::string source;   // msgid (the singular form of a plural message)
  std::string target;   // msgstr (plural form 0)
};

// Reads a GNU gettext .mo file: either byte order (magic 0x950412de), contexts
// ("ctx\x04id"), plural forms ("singular\0plural" / "form0\0form1...", form 0 kept), the header
// entry (empty msgid) skipped. Throws std::runtime_error naming the file for a bad magic number,
// a truncated file or a string that runs past its end.
std::vector<MoEntry> read_mo(const std::string& path);

// Cleans a pair in place, the same way on both sides: keyboard accelerator markers removed
// ("_Open", "&File"; "&&" stays a literal "&"), typographic quotes normalised to ' and ",
// whitespace (newlines and tabs included) collapsed and trimmed; printf-style placeholders such
// as %s and %1$d are kept. False if the pair should be dropped: either side empty, both sides
// equal, or either side longer than `max_chars` bytes.
bool clean_pair(std::string* source, std::string* target, size_t max_chars = 300);

struct ParallelSplit {
  std::vector<std::string> source, target;  // aligned: source[i] translates to target[i]
};

struct ParallelCorpus {
  std::string name;
  ParallelSplit train, valid, test;
  int64_t dropped = 0;     // pairs removed by clean_pair
  int64_t duplicates = 0;  // pairs removed because their cleaned source was already seen
  // FNV-1a 64 of every pair in split order, as 16 hex digits: the same corpus gives the same
  // fingerprint, so run records can say which one they trained on.
  std::string fingerprint;
  int64_t pairs() const {
    return static_cast<int64_t>(train.source.size() + valid.source.size() + test.source.size());
  }
};

// Cleans every pair, keeps one pair per distinct source (the smallest target, so the choice does
// not depend on input order), and splits by a hash of the source: about `valid_fraction` to
// valid and `test_fraction` to test, the rest to train. The split is deterministic and a source
// sentence lands in exactly one split.
ParallelCorpus build_parallel_corpus(const std::string& name,
                                     std::vector<std::pair<std::string, std::string>> pairs,
                                     double valid_fraction, double test_fraction);

// The German gettext catalogs that tools/setup.sh fetches ($SIGMA_DATA/gettext-de, or `dir`):
// every .mo file below it (in path order), English msgid -> German msgstr, built by
// build_parallel_corpus with 5% valid and 5% test. A missing folder names the setup command.
ParallelCorpus load_gettext_corpus(const std::string& dir = "");

// The paper's WMT format at `dir`: train.<src> / train.<tgt>, valid.*, test.* with one sentence
// per line, aligned by line; a split may instead come as newstest SGML (<split>.<lang>.sgm, e.g.
// test.en.sgm / test.de.sgm). Throws naming the files for a missing file or a count mismatch.
ParallelCorpus load_parallel_text(const std::string& dir, const std::string& source_lang = "en",
                                  const std::string& target_lang = "de");

// The segments of a newstest SGML file (<seg id="...">text</seg>), in document order, with the
// XML entities &amp; &lt; &gt; &quot; &apos; decoded. Throws naming the file if it has none.
std::vector<std::string> read_sgml_segments(const std::string& path);

}  // namespace datasets
