// Every data reader against a bounded, deterministic mutation fuzz: a valid file the test writes
// is mutated (bytes flipped, zeroed, replaced by extreme values, truncated, spliced, extended)
// a few hundred times per reader with a fixed seed, and each mutant is read. A reader may accept
// the file or throw; it must not crash, must not produce more than a format can legitimately
// hold (a giant allocation from a header, a decoder that runs on: kMaxBytesPerByte), and when it
// throws, the message must name the file. The bound is work done, not time, so it holds on any
// machine and under the sanitizers; a reader that hangs would meet Bazel's test timeout.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "datasets/audio.h"
#include "datasets/idx.h"
#include "datasets/image_codec.h"
#include "datasets/parallel_corpus.h"
#include "datasets/speech_corpus.h"
#include "datasets/text_corpus.h"

namespace datasets {
namespace {

namespace fs = std::filesystem;

constexpr int kMutantsPerReader = 300;
// What a reader returns (bytes of samples, pixels, text) per byte of its file: deflate expands at
// most 1032:1 (gzip IDX, PNG), and the audio reader refuses past max(2^20, 512 x file bytes)
// float samples (datasets/audio.cc), i.e. 2048 bytes per byte or 4 MiB. Nothing else read here
// expands its input.
constexpr double kMaxBytesPerByte = 2048;
constexpr double kMaxBytesFloor = 4 << 20;

std::string tmp(const std::string& name) { return ::testing::TempDir() + "/fuzz_" + name; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// One mutation of `bytes`, chosen by `random`.
std::string mutate(std::string bytes, std::mt19937& random) {
  auto pick = [&](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(random);
  };
  const int rounds = 1 + static_cast<int>(pick(4));
  for (int r = 0; r < rounds; ++r) {
    switch (pick(7)) {
      case 0:  // flip bits of a byte
        if (!bytes.empty()) bytes[pick(bytes.size())] ^= static_cast<char>(1 + pick(255));
        break;
      case 1:  // an extreme value in a 4-byte field (sizes, counts, offsets)
        if (bytes.size() >= 4) {
          static const uint32_t extremes[] = {0u,          1u,      0x7FFFFFFFu, 0x80000000u,
                                              0xFFFFFFFFu, 0xFFFFu, 0x10000u};
          const uint32_t v = extremes[pick(7)];
          const size_t at = pick(bytes.size() - 3);
          for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
        }
        break;
      case 2:  // truncate
        bytes.resize(pick(bytes.size() + 1));
        break;
      case 3:  // zero a run
        if (!bytes.empty()) {
          const size_t at = pick(bytes.size());
          const size_t n = std::min(bytes.size() - at, 1 + pick(64));
          std::fill(bytes.begin() + at, bytes.begin() + at + n, '\0');
        }
        break;
      case 4:  // duplicate a chunk somewhere else
        if (!bytes.empty()) {
          const size_t at = pick(bytes.size());
          const std::string chunk = bytes.substr(at, 1 + pick(128));
          bytes.insert(pick(bytes.size() + 1), chunk);
        }
        break;
      case 5:  // random bytes appended or inserted
      {
        std::string noise(1 + pick(32), '\0');
        for (auto& c : noise) c = static_cast<char>(pick(256));
        bytes.insert(pick(bytes.size() + 1), noise);
        break;
      }
      case 6:  // a line break, a NUL or invalid UTF-8 in text
        if (!bytes.empty()) {
          static const char specials[] = {'\n', '\0', '\r', '\xff', '\xc3', ' '};
          bytes[pick(bytes.size())] = specials[pick(6)];
        }
        break;
    }
  }
  return bytes;
}

struct FuzzReport {
  int accepted = 0;
  int rejected = 0;
  double largest_ratio = 0;  // output bytes per mutant byte, over the accepted mutants
};

// Mutates the file at `target` (restored from `original` each time) and calls `read` on it;
// `read` returns the bytes of what it read.
FuzzReport fuzz(const std::string& name, const std::string& target, const std::string& original,
                const std::function<size_t()>& read, uint32_t seed,
                const std::string& named_in_errors = "") {
  std::mt19937 random(seed);
  FuzzReport report;
  const std::string must_name = named_in_errors.empty() ? target : named_in_errors;
  for (int i = 0; i < kMutantsPerReader; ++i) {
    const std::string mutant = mutate(original, random);
    write_bytes(target, mutant);
    try {
      const double out = static_cast<double>(read());
      ++report.accepted;
      const double in = static_cast<double>(std::max<size_t>(mutant.size(), 1));
      report.largest_ratio = std::max(report.largest_ratio, out / in);
      EXPECT_LE(out, kMaxBytesPerByte * in + kMaxBytesFloor)
          << name << " mutant " << i << " of " << mutant.size() << " bytes read as " << out
          << " bytes";
    } catch (const std::exception& e) {
      ++report.rejected;
      EXPECT_NE(std::string(e.what()).find(must_name), std::string::npos)
          << name << " mutant " << i << ": the error does not name " << must_name << ": "
          << e.what();
    }
  }
  write_bytes(target, original);
  std::cout << name << ": " << kMutantsPerReader << " mutants, " << report.accepted << " accepted, "
            << report.rejected << " rejected with an error, at most " << report.largest_ratio
            << " bytes read per byte\n";
  return report;
}

// Bytes of what the readers return.
size_t bytes_of(const at::Tensor& t) { return t.numel() * t.element_size(); }
size_t bytes_of(const std::vector<std::string>& v) {
  size_t n = 0;
  for (const auto& x : v) n += x.size();
  return n;
}
size_t bytes_of(const std::vector<MoEntry>& entries) {
  size_t n = 0;
  for (const auto& e : entries) n += e.context.size() + e.source.size() + e.target.size();
  return n;
}
size_t bytes_of(const Audio& a) { return a.samples.size() * sizeof(float); }
size_t bytes_of(const Image& image) { return image.pixels.size(); }
size_t bytes_of(const SpeechSplit& split) {
  size_t n = 0;
  for (const auto& u : split.utterances) n += u.id.size() + u.transcript.size();
  return n;
}
size_t bytes_of(const TextCorpus& c) {
  return c.train.text.size() + c.valid.text.size() + c.test.text.size();
}
size_t bytes_of(const ParallelCorpus& c) {
  size_t n = 0;
  for (const ParallelSplit* s : {&c.train, &c.valid, &c.test}) {
    n += bytes_of(s->source) + bytes_of(s->target);
  }
  return n;
}

std::string gzip(const std::string& raw) {
  const std::string path = tmp("gz.tmp");
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(f);
  return read_bytes(path);
}

std::string idx_file() {
  std::string bytes = {0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6};
  for (int i = 0; i < 4 * 5 * 6; ++i) bytes += static_cast<char>(i);
  return bytes;
}

TEST(ReaderFuzzTest, Idx) {
  const std::string path = tmp("images-idx3-ubyte");
  const std::string original = idx_file();
  write_bytes(path, original);
  ASSERT_EQ(read_idx(path).numel(), 120);
  fuzz(
      "IDX", path, original, [&] { return bytes_of(read_idx(path)); }, 1);
  const std::string gz = tmp("images-idx3-ubyte.gz");
  const std::string compressed = gzip(original);
  write_bytes(gz, compressed);
  ASSERT_EQ(read_idx(gz).numel(), 120);
  fuzz(
      "IDX (gzip)", gz, compressed, [&] { return bytes_of(read_idx(gz)); }, 2);
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::string mo_file() {
  const std::vector<std::pair<std::string, std::string>> messages = {
      {"", "Content-Type: text/plain; charset=UTF-8\n"}, {"_Open", "Ö_ffnen"}, {"Quit", "Beenden"}};
  const uint32_t n = static_cast<uint32_t>(messages.size());
  const uint32_t originals = 28, translations = originals + 8 * n;
  const uint32_t offset = translations + 8 * n;
  std::string header, tables_o, tables_t, strings;
  for (const auto& m : messages) {
    put_u32(tables_o, static_cast<uint32_t>(m.first.size()));
    put_u32(tables_o, offset + static_cast<uint32_t>(strings.size()));
    strings += m.first + '\0';
  }
  for (const auto& m : messages) {
    put_u32(tables_t, static_cast<uint32_t>(m.second.size()));
    put_u32(tables_t, offset + static_cast<uint32_t>(strings.size()));
    strings += m.second + '\0';
  }
  for (uint32_t v : {0x950412deu, 0u, n, originals, translations, 0u, 0u}) put_u32(header, v);
  return header + tables_o + tables_t + strings;
}

TEST(ReaderFuzzTest, GettextMo) {
  const std::string path = tmp("de.mo");
  write_bytes(path, mo_file());
  ASSERT_EQ(read_mo(path).size(), 2u);  // the header entry is not a message
  fuzz(
      ".mo", path, mo_file(), [&] { return bytes_of(read_mo(path)); }, 3);
}

TEST(ReaderFuzzTest, WavAndFlac) {
  Audio a;
  a.sample_rate = 16000;
  for (int i = 0; i < 1600; ++i) a.samples.push_back(0.3f * std::sin(i * 0.05f));
  for (const auto& [name, format] : std::vector<std::pair<std::string, AudioFormat>>{
           {"tone.wav", AudioFormat::kWavPcm16}, {"tone.flac", AudioFormat::kFlac16}}) {
    const std::string path = tmp(name);
    write_audio(path, a, format);
    const std::string original = read_bytes(path);
    ASSERT_EQ(read_audio(path).samples.size(), 1600u);
    fuzz(
        name, path, original, [&] { return bytes_of(read_audio(path)); }, 4);
  }
}

TEST(ReaderFuzzTest, PngAndJpeg) {
  Image image;
  image.height = 12;
  image.width = 10;
  image.channels = 3;
  for (int i = 0; i < 12 * 10 * 3; ++i) image.pixels.push_back(static_cast<uint8_t>(i * 7));
  const std::string png = tmp("image.png"), jpeg = tmp("image.jpg");
  write_png(png, image);
  write_jpeg(jpeg, image);
  const std::string png_bytes = read_bytes(png), jpeg_bytes = read_bytes(jpeg);
  ASSERT_EQ(decode_image(png).width, 10);
  ASSERT_EQ(decode_image(jpeg).height, 12);
  fuzz(
      "PNG", png, png_bytes, [&] { return bytes_of(decode_image(png)); }, 5);
  fuzz(
      "JPEG", jpeg, jpeg_bytes, [&] { return bytes_of(decode_image(jpeg)); }, 6);
}

TEST(ReaderFuzzTest, LibriSpeechTranscripts) {
  const fs::path root = fs::path(tmp("LibriSpeech")) / "dev-clean";
  fs::remove_all(root);
  fs::create_directories(root / "1272" / "128104");
  const fs::path transcript = root / "1272" / "128104" / "1272-128104.trans.txt";
  const std::string text =
      "1272-128104-0000 MISTER QUILTER IS THE APOSTLE OF THE MIDDLE CLASSES\n"
      "1272-128104-0001 NOR IS MISTER QUILTER'S MANNER LESS INTERESTING\n";
  write_bytes(transcript.string(), text);
  Audio a;
  a.sample_rate = 16000;
  a.samples.assign(1600, 0.1f);
  write_audio((root / "1272" / "128104" / "1272-128104-0000.flac").string(), a,
              AudioFormat::kFlac16);
  write_audio((root / "1272" / "128104" / "1272-128104-0001.flac").string(), a,
              AudioFormat::kFlac16);
  ASSERT_EQ(read_librispeech_split(root.string()).utterances.size(), 2u);
  // Errors name the transcript, or the missing audio file of a mangled id (in the same folder).
  fuzz(
      "LibriSpeech transcript", transcript.string(), text,
      [&] { return bytes_of(read_librispeech_split(root.string())); }, 7,
      (root / "1272" / "128104").string());
}

TEST(ReaderFuzzTest, TextCorpora) {
  const std::string file = tmp("corpus.txt");
  std::string text;
  for (int i = 0; i < 40; ++i)
    text += "Line " + std::to_string(i) + " of the corpus, naïve café.\n";
  write_bytes(file, text);
  ASSERT_GT(load_text_file(file).train.text.size(), 0u);
  fuzz(
      "text file", file, text, [&] { return bytes_of(load_text_file(file)); }, 8);

  const std::string dir = tmp("wikitext");
  fs::create_directories(dir);
  const std::string wiki = " = Title = \n\n Some text with @-@ hyphens and <unk> words . \n";
  for (const char* split : {"train", "valid", "test"}) {
    write_bytes(dir + "/wiki." + split + ".tokens", wiki);
  }
  load_wikitext(dir);
  fuzz(
      "WikiText", dir + "/wiki.valid.tokens", wiki, [&] { return bytes_of(load_wikitext(dir)); }, 9,
      dir + "/wiki.valid.tokens");
}

TEST(ReaderFuzzTest, ParallelTextAndSgml) {
  const std::string dir = tmp("wmt");
  fs::create_directories(dir);
  const std::string en = "Hello world.\nGood night.\nSee you.\n";
  const std::string de = "Hallo Welt.\nGute Nacht.\nBis bald.\n";
  for (const char* split : {"train", "valid", "test"}) {
    write_bytes(dir + "/" + split + ".en", en);
    write_bytes(dir + "/" + split + ".de", de);
  }
  ASSERT_EQ(load_parallel_text(dir).train.source.size(), 3u);
  fuzz(
      "parallel text", dir + "/valid.de", de, [&] { return bytes_of(load_parallel_text(dir)); }, 10,
      "valid.");
  const std::string sgml = tmp("newstest.sgm");
  const std::string sgml_text =
      "<srcset setid=\"newstest2017\">\n<doc docid=\"a\">\n"
      "<seg id=\"1\">Tom &amp; Jerry say &quot;hi&quot;.</seg>\n"
      "<seg id=\"2\"> 3 &lt; 4 </seg>\n</doc>\n</srcset>\n";
  write_bytes(sgml, sgml_text);
  ASSERT_EQ(read_sgml_segments(sgml).size(), 2u);
  fuzz(
      "newstest SGML", sgml, sgml_text, [&] { return bytes_of(read_sgml_segments(sgml)); }, 11);
}

}  // namespace
}  // namespace datasets
