// The spec and sweep parsers (experiments/engine/spec_io.h, sweep.h) against a bounded,
// deterministic mutation fuzz of every shipped spec and sweep file: bytes flipped, lines
// dropped, duplicated or cut, numbers replaced by extreme values (-1, 0, 1e308, nan, inf,
// 2^31, 2^63 - 1), enum values and field names replaced by other words. Every mutant must load
// or fail with a message naming the file, without a crash, and a spec that loads is no larger
// (as protobuf binary) than the text it came from: the mutant plus every shipped file it could
// name as a base (no base merged twice, no value expanded). Work, not time, is bounded: a parser
// that hung would meet Bazel's test timeout on any machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "experiments/engine/spec_io.h"
#include "experiments/engine/sweep.h"

namespace experiments {
namespace {

namespace fs = std::filesystem;

constexpr int kMutantsPerFile = 60;

std::string runfile(const std::string& path) {
  const char* root = std::getenv("TEST_SRCDIR");
  return std::string(root ? root : ".") + "/sigma_reparam/" + path;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string mutate(const std::string& text, std::mt19937& random) {
  auto pick = [&](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(random);
  };
  static const std::regex number(R"([-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?)");
  static const std::regex word(R"(\b[A-Za-z_][A-Za-z_0-9]*\b)");
  static const char* const extremes[] = {
      "-1",     "0", "1e308", "-1e308", "nan", "inf", "-inf", "2147483648", "9223372036854775807",
      "1e-320", "-0"};
  static const char* const words[] = {"SIGMA_REPARAM", "NONE",         "bogus", "depth", "true",
                                      "steps",         "UNKNOWN_KIND", "model", "base"};
  std::string out = text;
  const int rounds = 1 + static_cast<int>(pick(3));
  for (int r = 0; r < rounds; ++r) {
    switch (pick(6)) {
      case 0: {  // a number becomes an extreme value
        std::vector<std::pair<size_t, size_t>> spans;
        for (auto it = std::sregex_iterator(out.begin(), out.end(), number);
             it != std::sregex_iterator(); ++it) {
          spans.emplace_back(it->position(), it->length());
        }
        if (spans.empty()) break;
        const auto [at, n] = spans[pick(spans.size())];
        out.replace(at, n, extremes[pick(std::size(extremes))]);
        break;
      }
      case 1: {  // a word (field name, enum value) becomes another
        std::vector<std::pair<size_t, size_t>> spans;
        for (auto it = std::sregex_iterator(out.begin(), out.end(), word);
             it != std::sregex_iterator(); ++it) {
          spans.emplace_back(it->position(), it->length());
        }
        if (spans.empty()) break;
        const auto [at, n] = spans[pick(spans.size())];
        out.replace(at, n, words[pick(std::size(words))]);
        break;
      }
      case 2: {  // a line dropped or duplicated
        std::vector<std::string> lines = lines_of(out);
        const size_t i = pick(lines.size());
        if (pick(2) == 0) {
          lines.erase(lines.begin() + static_cast<long>(i));
        } else {
          lines.insert(lines.begin() + static_cast<long>(pick(lines.size() + 1)), lines[i]);
        }
        out = joined(lines);
        break;
      }
      case 3:  // cut short
        out.resize(pick(out.size() + 1));
        break;
      case 4:  // a byte flipped
        if (!out.empty()) out[pick(out.size())] ^= static_cast<char>(1 + pick(255));
        break;
      case 5: {  // a brace, quote or colon inserted
        static const char specials[] = {'{', '}', '"', ':', '\0', '\n', '#'};
        out.insert(pick(out.size() + 1), 1, specials[pick(std::size(specials))]);
        break;
      }
    }
  }
  return out;
}

// Shipped spec and sweep files (workspace-relative) found in the runfiles.
std::vector<std::string> shipped(const std::string& kind) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(runfile("experiments"))) {
    const std::string p = entry.path().string();
    if (entry.path().extension() == ".textproto" && p.find("/" + kind + "/") != std::string::npos) {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A writable copy of the runfiles' experiments/ specs and sweeps, so that a mutant written
// beside its original's copy resolves the original's relative `base:` paths.
std::string writable_tree() {
  static const std::string root = [] {
    const std::string r = ::testing::TempDir() + "/spec_fuzz";
    for (const auto& entry : fs::recursive_directory_iterator(runfile("experiments"))) {
      if (entry.path().extension() != ".textproto") continue;
      const fs::path rel = entry.path().lexically_relative(fs::path(runfile("")));
      fs::create_directories((fs::path(r) / rel).parent_path());
      std::ofstream(fs::path(r) / rel) << read_text(entry.path().string());
    }
    return r;
  }();
  return root;
}

// Bytes of every shipped spec and sweep file: what a mutant's base chain can bring in.
size_t shipped_bytes() {
  static const size_t total = [] {
    size_t n = 0;
    for (const auto& entry : fs::recursive_directory_iterator(runfile("experiments"))) {
      if (entry.path().extension() == ".textproto") n += fs::file_size(entry.path());
    }
    return n;
  }();
  return total;
}

// `load` returns the loaded message's binary size, or the error.
template <typename Load>
void fuzz_files(const std::vector<std::string>& files, const Load& load, uint32_t seed) {
  std::mt19937 random(seed);
  int accepted = 0, rejected = 0;
  size_t largest = 0;
  for (const auto& file : files) {
    const std::string original = read_text(file);
    const fs::path rel = fs::path(file).parent_path().lexically_relative(fs::path(runfile("")));
    const std::string target = (fs::path(writable_tree()) / rel / "mutant.textproto").string();
    // Unmutated, the copy loads: the mutants test the parser, not the copy.
    std::ofstream(target, std::ios::trunc) << original;
    const absl::StatusOr<size_t> as_shipped = load(target);
    EXPECT_TRUE(as_shipped.ok()) << file << ": " << as_shipped.status();
    for (int i = 0; i < kMutantsPerFile; ++i) {
      const std::string mutant = mutate(original, random);
      std::ofstream(target, std::ios::trunc) << mutant;
      const absl::StatusOr<size_t> loaded = load(target);
      if (loaded.ok()) {
        ++accepted;
        largest = std::max(largest, *loaded);
        EXPECT_LE(*loaded, mutant.size() + shipped_bytes()) << file << " mutant " << i;
      } else {
        ++rejected;
        EXPECT_NE(loaded.status().message().find("mutant.textproto"), std::string::npos)
            << file << " mutant " << i
            << ": the error does not name the file: " << loaded.status().message();
      }
    }
  }
  std::cout << files.size() << " files x " << kMutantsPerFile << " mutants: " << accepted
            << " loaded, " << rejected << " rejected with an error naming the file, largest "
            << largest << " bytes loaded\n";
}

template <typename Message>
absl::StatusOr<size_t> size_of(const absl::StatusOr<Message>& m) {
  if (!m.ok()) return m.status();
  return m->ByteSizeLong();
}

TEST(SpecFuzzTest, EveryShippedSpecSurvivesMutation) {
  const std::vector<std::string> specs = shipped("specs");
  ASSERT_GT(specs.size(), 30u);
  fuzz_files(
      specs, [](const std::string& path) { return size_of(load_spec(path)); }, 14);
}

TEST(SpecFuzzTest, EveryShippedSweepSurvivesMutation) {
  const std::vector<std::string> sweeps = shipped("sweeps");
  ASSERT_GE(sweeps.size(), 5u);
  fuzz_files(
      sweeps, [](const std::string& path) { return size_of(load_sweep(path)); }, 15);
}

}  // namespace
}  // namespace experiments
