// LibriSpeech's layout on a fixture the test writes (FLAC and WAV), transcript normalisation and
// the CTC alphabet.
#include "datasets/speech_corpus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "datasets/audio.h"

namespace datasets {
namespace {

namespace fs = std::filesystem;

TEST(SpeechCorpusTest, NormalizeTranscript) {
  EXPECT_EQ(normalize_transcript("HE HOPED THERE WOULD BE STEW FOR DINNER"),
            "he hoped there would be stew for dinner");
  EXPECT_EQ(normalize_transcript("  Don't  stop-now, 42 times!\n"), "don't stop now times");
  EXPECT_EQ(normalize_transcript("..."), "");
}

TEST(SpeechCorpusTest, LabelsRoundTrip) {
  const std::vector<int64_t> y = char_labels("it's a z");
  EXPECT_EQ(y, (std::vector<int64_t>{11, 22, 2, 21, 1, 3, 1, 28}));
  EXPECT_EQ(labels_text(y), "it's a z");
  EXPECT_EQ(labels_text({0, 11, 0, 22}), "it");  // blanks dropped
  EXPECT_THROW(char_labels("Upper"), std::runtime_error);
}

void write_tone(const fs::path& path, int rate, AudioFormat format) {
  Audio a;
  a.sample_rate = rate;
  a.samples.assign(rate / 10, 0.1f);
  write_audio(path.string(), a, format);
}

fs::path fixture() {
  const fs::path root = fs::path(::testing::TempDir()) / "LibriSpeech" / "dev-clean";
  fs::remove_all(root);
  fs::create_directories(root / "1272" / "128104");
  fs::create_directories(root / "2277" / "149896");
  std::ofstream(root / "1272" / "128104" / "1272-128104.trans.txt")
      << "1272-128104-0000 MISTER QUILTER IS THE APOSTLE OF THE MIDDLE CLASSES\n"
      << "1272-128104-0001 NOR IS MISTER QUILTER'S MANNER LESS INTERESTING\n";
  std::ofstream(root / "2277" / "149896" / "2277-149896.trans.txt")
      << "2277-149896-0000 HE WAS IN A FEVERED STATE OF MIND\n";
  write_tone(root / "1272" / "128104" / "1272-128104-0000.flac", 16000, AudioFormat::kFlac16);
  write_tone(root / "1272" / "128104" / "1272-128104-0001.flac", 16000, AudioFormat::kFlac16);
  write_tone(root / "2277" / "149896" / "2277-149896-0000.wav", 16000, AudioFormat::kWavPcm16);
  return root;
}

TEST(SpeechCorpusTest, ReadsLibriSpeechFixture) {
  const fs::path root = fixture();
  const SpeechSplit split = read_librispeech_split(root.string());
  EXPECT_EQ(split.name, "dev-clean");
  EXPECT_EQ(split.speakers, 2);
  ASSERT_EQ(split.utterances.size(), 3u);
  EXPECT_EQ(split.utterances[0].id, "1272-128104-0000");
  EXPECT_EQ(split.utterances[0].speaker, "1272");
  EXPECT_EQ(split.utterances[0].transcript, "mister quilter is the apostle of the middle classes");
  EXPECT_EQ(split.utterances[1].transcript, "nor is mister quilter's manner less interesting");
  EXPECT_NE(split.utterances[2].audio_path.find("2277-149896-0000.wav"), std::string::npos);
  EXPECT_EQ(read_audio(split.utterances[0].audio_path).sample_rate, 16000);
}

TEST(SpeechCorpusTest, ErrorsNameTheFileAndLine) {
  const fs::path root = fixture();
  std::ofstream(root / "2277" / "149896" / "2277-149896.trans.txt", std::ios::app) << "garbage\n";
  try {
    read_librispeech_split(root.string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("2277-149896.trans.txt:2"), std::string::npos) << e.what();
  }
  const fs::path root2 = fixture();
  fs::remove(root2 / "1272" / "128104" / "1272-128104-0001.flac");
  try {
    read_librispeech_split(root2.string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no audio for utterance 1272-128104-0001"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(read_librispeech_split((root2 / "nowhere").string()), std::runtime_error);
  const fs::path empty = fs::path(::testing::TempDir()) / "empty_split";
  fs::create_directories(empty);
  EXPECT_THROW(read_librispeech_split(empty.string()), std::runtime_error);
}

}  // namespace
}  // namespace datasets
