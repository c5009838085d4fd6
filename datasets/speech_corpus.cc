#include "datasets/speech_corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace datasets {

namespace fs = std::filesystem;

const char kCtcAlphabet[] = " 'abcdefghijklmnopqrstuvwxyz";

std::string normalize_transcript(const std::string& text) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || c == '\'') {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(static_cast<char>(c));
    } else {
      space = true;
    }
  }
  return out;
}

std::vector<int64_t> char_labels(const std::string& transcript) {
  std::vector<int64_t> labels;
  labels.reserve(transcript.size());
  for (char c : transcript) {
    const char* at = std::char_traits<char>::find(kCtcAlphabet, kCtcLabels - 1, c);
    if (at == nullptr) {
      throw std::runtime_error("transcript \"" + transcript + "\": character '" +
                               std::string(1, c) +
                               "' is not in the CTC alphabet (normalise first)");
    }
    labels.push_back(at - kCtcAlphabet + 1);
  }
  return labels;
}

std::string labels_text(const std::vector<int64_t>& labels) {
  std::string text;
  for (int64_t l : labels) {
    if (l >= 1 && l < kCtcLabels) text.push_back(kCtcAlphabet[l - 1]);
  }
  return text;
}

SpeechSplit read_librispeech_split(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    throw std::runtime_error(dir +
                             ": not a folder (expected a LibriSpeech split such as "
                             "dev-clean, with speaker/chapter folders)");
  }
  std::vector<fs::path> transcripts;
  for (auto it = fs::recursive_directory_iterator(dir, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    const std::string name = it->path().filename().string();
    if (it->is_regular_file() && name.size() > 10 &&
        name.substr(name.size() - 10) == ".trans.txt") {
      transcripts.push_back(it->path());
    }
  }
  if (error) throw std::runtime_error(dir + ": cannot list the folder: " + error.message());
  if (transcripts.empty()) {
    throw std::runtime_error(dir +
                             ": no *.trans.txt transcript files (expected LibriSpeech's "
                             "<speaker>/<chapter>/<speaker>-<chapter>.trans.txt)");
  }
  std::sort(transcripts.begin(), transcripts.end());
  SpeechSplit split;
  split.name = fs::path(dir).filename().string();
  if (split.name.empty()) split.name = fs::path(dir).parent_path().filename().string();
  std::set<std::string> speakers;
  for (const fs::path& path : transcripts) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path.string() + ": cannot read the file");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      const size_t space = line.find(' ');
      const std::string id = line.substr(0, space);
      const std::string where = path.string() + ":" + std::to_string(n);
      if (space == std::string::npos || id.find('-') == std::string::npos) {
        throw std::runtime_error(where +
                                 ": expected \"<speaker>-<chapter>-<n> TRANSCRIPT\", got \"" +
                                 line.substr(0, 80) + "\"");
      }
      Utterance u;
      u.id = id;
      u.speaker = id.substr(0, id.find('-'));
      u.transcript = normalize_transcript(line.substr(space + 1));
      if (u.transcript.empty()) {
        throw std::runtime_error(where + ": utterance " + id + " has an empty transcript");
      }
      for (const char* ext : {".flac", ".wav"}) {
        const fs::path audio = path.parent_path() / (id + ext);
        if (fs::exists(audio, error)) {
          u.audio_path = audio.string();
          break;
        }
      }
      if (u.audio_path.empty()) {
        throw std::runtime_error(where + ": no audio for utterance " + id + " (expected " +
                                 (path.parent_path() / (id + ".flac")).string() + " or .wav)");
      }
      speakers.insert(u.speaker);
      split.utterances.push_back(std::move(u));
    }
  }
  std::sort(split.utterances.begin(), split.utterances.end(),
            [](const Utterance& a, const Utterance& b) { return a.id < b.id; });
  split.speakers = static_cast<int64_t>(speakers.size());
  return split;
}

}  // namespace datasets
