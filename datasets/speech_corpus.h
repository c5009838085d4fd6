// Speech corpora in LibriSpeech's layout (the paper's ASR data, and the default synthetic corpus
// that datasets/speech_synth.h writes in the same layout):
//   <split>/<speaker>/<chapter>/<speaker>-<chapter>.trans.txt   lines "<utterance id> <TEXT>"
//   <split>/<speaker>/<chapter>/<utterance id>.flac (or .wav)
// and the character labels of CTC (the paper's 29: blank, space, apostrophe, a-z). No LibTorch.
//
//   datasets::SpeechSplit s = datasets::read_librispeech_split("LibriSpeech/dev-clean");
//   std::vector<int64_t> y = datasets::char_labels(s.utterances[0].transcript);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace datasets {

struct Utterance {
  std::string id;  // "<speaker>-<chapter>-<n>"
  std::string speaker;
  std::string audio_path;  // the .flac or .wav beside the transcript file
  std::string transcript;  // normalised (normalize_transcript)
};

struct SpeechSplit {
  std::string name;                   // the folder's name, e.g. "dev-clean"
  std::vector<Utterance> utterances;  // sorted by id
  int64_t speakers = 0;
};

// Lower case; letters a-z and apostrophes kept; everything else (digits, punctuation, hyphens)
// becomes a space; runs of spaces collapsed; trimmed.
std::string normalize_transcript(const std::string& text);

// CTC labels: 0 is the blank, then the 28 characters below.
constexpr int64_t kCtcBlank = 0;
constexpr int64_t kCtcLabels = 29;
// " 'abcdefghijklmnopqrstuvwxyz": label i + 1 is kCtcAlphabet[i].
extern const char kCtcAlphabet[];

// Labels of a normalised transcript (characters outside the alphabet are an error).
std::vector<int64_t> char_labels(const std::string& transcript);
// Text of labels (the blank and unknown labels dropped).
std::string labels_text(const std::vector<int64_t>& labels);

// Reads every *.trans.txt under `dir` (speaker/chapter folders). Throws std::runtime_error
// naming the file and line for a malformed transcript line, an utterance without audio, or a
// folder with no transcripts at all.
SpeechSplit read_librispeech_split(const std::string& dir);

}  // namespace datasets
