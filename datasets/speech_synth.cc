#include "datasets/speech_synth.h"

#include "core/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "datasets/data_dir.h"
#include "datasets/speech_corpus.h"

extern char** environ;

namespace datasets {
namespace {

namespace fs = std::filesystem;

// splitmix64: a portable random stream (the same numbers on every platform and library).
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
  double uniform(double a, double b) {
    return a + (b - a) * (next() >> 11) * (1.0 / 9007199254740992.0);
  }
};

const char* const kAccents[] = {"en-us",      "en-gb",          "en-gb-scotland", "en-gb-x-gbclan",
                                "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029",         "en-us-nyc"};
const char* const kTrainVariants[] = {"m1", "m2", "m3",    "m4",     "m5",   "f1",
                                      "f2", "f3", "klatt", "klatt2", "croak"};
const char* const kHeldOutVariants[] = {"m6", "m7", "f4", "f5", "klatt3"};

std::string read_file(const fs::path& path) {
  return core::try_read_file(path.string()).value_or("");
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Runs argv[0] with argv, returns its pid.
pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error(args[0] + ": cannot run it (" + std::strerror(rc) +
                             "); install it with tools/setup.sh (Debian package " +
                             (args[0] == "flite" ? "flite" : "espeak-ng") + ")");
  }
  return pid;
}

struct Job {
  std::vector<std::string> args;
  std::string what;
};

void run_jobs(const std::vector<Job>& jobs, int parallel,
              const std::function<void(int64_t, int64_t)>& progress) {
  std::map<pid_t, size_t> running;
  size_t next = 0, done = 0;
  const auto wait_one = [&] {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    auto it = running.find(pid);
    if (it == running.end()) return;
    const Job& job = jobs[it->second];
    running.erase(it);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      for (auto& r : running) waitpid(r.first, nullptr, 0);
      throw std::runtime_error(job.args[0] + " failed on " + job.what);
    }
    ++done;
    if (progress && (done % 250 == 0 || done == jobs.size())) progress(done, jobs.size());
  };
  while (next < jobs.size() || !running.empty()) {
    while (next < jobs.size() && static_cast<int>(running.size()) < std::max(1, parallel)) {
      running[spawn(jobs[next].args)] = next;
      ++next;
    }
    wait_one();
  }
}

}  // namespace

std::vector<SynthVoice> training_voices() {
  std::vector<SynthVoice> v;
  for (const char* a : kAccents) {
    for (const char* x : kTrainVariants) v.push_back({"espeak-ng", std::string(a) + "+" + x});
  }
  return v;
}

std::vector<SynthVoice> held_out_voices() {
  std::vector<SynthVoice> v;
  for (const char* a : kAccents) {
    for (const char* x : kHeldOutVariants) v.push_back({"espeak-ng", std::string(a) + "+" + x});
  }
  return v;
}

std::vector<SynthVoice> flite_voices() {
  return {{"flite", "awb"}, {"flite", "rms"}, {"flite", "slt"}};
}

std::vector<std::string> speakable_sentences(const std::string& text, int64_t min_words,
                                             int64_t max_words) {
  std::vector<std::string> out;
  size_t start = 0;
  bool after_abbreviation = false;  // the previous piece ended with "Mr." or an initial
  while (start < text.size()) {
    // A sentence ends at . ! ? followed by whitespace (or the end).
    size_t end = start;
    while (end < text.size() &&
           !((text[end] == '.' || text[end] == '!' || text[end] == '?') &&
             (end + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[end + 1]))))) {
      ++end;
    }
    std::string s = text.substr(start, end - start);
    start = end + 1;
    const bool fragment = after_abbreviation;
    {
      const size_t space = s.find_last_of(" \n\t");
      const std::string last = s.substr(space == std::string::npos ? 0 : space + 1);
      static const std::set<std::string> kAbbreviations = {
          "Mr",  "Mrs", "Ms", "Dr", "St",     "Jr", "Sr",   "Gen", "Col", "Gov", "Sen",
          "Rep", "Hon", "No", "Co", "Messrs", "Lt", "Capt", "Adm", "vs",  "etc"};
      after_abbreviation =
          kAbbreviations.count(last) > 0 || (last.size() == 1 && last[0] >= 'A' && last[0] <= 'Z');
    }
    if (fragment) continue;
    // Spoken text: words of letters and apostrophes, commas kept for pauses.
    std::string spoken;
    int64_t words = 0;
    bool ok = true, in_word = false;
    for (size_t i = 0; i < s.size() && ok; ++i) {
      const char c = s[i];
      if (is_letter(c) || (c == '\'' && in_word)) {
        if (!in_word) {
          if (!spoken.empty() && spoken.back() != ' ') spoken.push_back(' ');
          ++words;
        }
        spoken.push_back(c);
        in_word = true;
      } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '-' || c == '"') {
        in_word = false;
      } else if (c == ',' || c == ';' || c == ':') {
        if (in_word) spoken.push_back(',');
        in_word = false;
      } else {
        ok = false;  // digits, periods inside (abbreviations), $, %, brackets, ...
      }
    }
    if (!ok || words < min_words || words > max_words) continue;
    // No acronyms (two capitals in a word) and no single-letter words other than a / I.
    std::istringstream ws(spoken);
    for (std::string w; ok && ws >> w;) {
      while (!w.empty() && (w.back() == ',' || w.back() == '\'')) w.pop_back();
      int capitals = 0;
      for (char c : w) capitals += (c >= 'A' && c <= 'Z');
      if (capitals > 1 || (w.size() == 1 && w != "a" && w != "A" && w != "I") || w.empty())
        ok = false;
    }
    while (!spoken.empty() && spoken.back() == ',') spoken.pop_back();
    if (ok) out.push_back(spoken + ".");
  }
  return out;
}

std::string brown_plain_text(const std::string& tagged) {
  std::string out;
  std::istringstream lines(tagged);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream tokens(line);
    std::string sentence;
    for (std::string token; tokens >> token;) {
      const size_t slash = token.rfind('/');
      const std::string word = slash == std::string::npos ? token : token.substr(0, slash);
      if (word.empty() || word == "``" || word == "''") continue;
      const bool punctuation = word.size() == 1 && std::strchr(",.;:?!", word[0]) != nullptr;
      if (!punctuation && !sentence.empty()) sentence.push_back(' ');
      sentence += word;
    }
    if (sentence.empty()) continue;
    if (std::strchr(".?!", sentence.back()) == nullptr) sentence.push_back('.');
    out += sentence + "\n";
  }
  return out;
}

namespace {

// The speakable sentences of the SOTU addresses (and the Brown corpus with o.use_brown), each
// once, in file order; `sources` says where they came from.
std::vector<std::string> gather_sentences(const SpeechSynthOptions& o, const std::string& text_dir,
                                          std::string* sources) {
  std::error_code error;
  std::vector<fs::path> files;
  if (fs::is_directory(text_dir, error)) {
    for (const auto& e : fs::directory_iterator(text_dir, error)) {
      if (e.path().extension() == ".txt") files.push_back(e.path());
    }
  }
  if (files.empty())
    throw std::runtime_error(missing_data_message("the SOTU text (*.txt)", text_dir, "speech"));
  std::sort(files.begin(), files.end());
  std::vector<std::string> sentences;
  std::set<std::string> seen;
  for (const auto& f : files) {
    for (auto& s : speakable_sentences(read_file(f), o.min_words, o.max_words)) {
      if (seen.insert(normalize_transcript(s)).second) sentences.push_back(std::move(s));
    }
  }
  *sources = std::to_string(files.size()) + " State of the Union addresses";
  if (o.use_brown) {
    const std::string brown = o.brown_dir.empty() ? data_dir() + "/brown" : o.brown_dir;
    std::vector<fs::path> brown_files;
    if (fs::is_directory(brown, error)) {
      for (const auto& e : fs::directory_iterator(brown, error)) {
        const std::string name = e.path().filename().string();
        if (name.size() == 4 && name[0] == 'c') brown_files.push_back(e.path());
      }
    }
    if (brown_files.empty())
      throw std::runtime_error(
          missing_data_message("the Brown corpus (c[a-r][0-9][0-9])", brown, "speech"));
    std::sort(brown_files.begin(), brown_files.end());
    for (const auto& f : brown_files) {
      for (auto& s :
           speakable_sentences(brown_plain_text(read_file(f)), o.min_words, o.max_words)) {
        if (seen.insert(normalize_transcript(s)).second) sentences.push_back(std::move(s));
      }
    }
    *sources += ", " + std::to_string(brown_files.size()) + " Brown corpus files";
  }
  return sentences;
}

// One split of the corpus and the voices that speak it.
struct Split {
  const char* name;
  int64_t count;
  std::vector<SynthVoice> voices;
  int speaker_base;  // speaker folder = base + voice index (valid shares train's voices)
};

// The synthesiser jobs, transcripts and SPEAKERS.txt lines of one split: its next
// `split.count` sentences, each with a voice, speed and pitch drawn from `rng`.
void plan_split(const Split& split, const std::vector<std::string>& sentences,
                size_t* next_sentence, Rng& rng, const fs::path& tmp, std::vector<Job>* jobs,
                std::ostringstream* speakers) {
  // speaker folder = voice, chapter 1; transcripts grouped per speaker.
  std::map<int, std::vector<std::pair<std::string, std::string>>> by_speaker;  // id, text
  for (int64_t i = 0; i < split.count; ++i) {
    const std::string& sentence = sentences[(*next_sentence)++];
    const int64_t v = rng.below(static_cast<int64_t>(split.voices.size()));
    const SynthVoice& voice = split.voices[v];
    const int speaker = split.speaker_base + static_cast<int>(v);
    auto& list = by_speaker[speaker];
    const std::string id = std::to_string(speaker) + "-1-" + std::to_string(list.size());
    const fs::path dir = tmp / split.name / std::to_string(speaker) / "1";
    fs::create_directories(dir);
    const std::string wav = (dir / (id + ".wav")).string();
    Job job;
    job.what = "utterance " + id + " (\"" + sentence + "\")";
    if (voice.synthesiser == "espeak-ng") {
      const int wpm = static_cast<int>(rng.uniform(135, 195));
      const int pitch = static_cast<int>(rng.uniform(25, 75));
      job.args = {"espeak-ng",           "-v", voice.name, "-s",    std::to_string(wpm), "-p",
                  std::to_string(pitch), "-w", wav,        sentence};
    } else {
      char stretch[32];
      std::snprintf(stretch, sizeof stretch, "duration_stretch=%.2f", rng.uniform(0.85, 1.15));
      job.args = {"flite", "-voice", voice.name, "--setf", stretch, "-t", sentence, "-o", wav};
    }
    jobs->push_back(std::move(job));
    std::string transcript = normalize_transcript(sentence);
    for (char& c : transcript) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    list.emplace_back(id, transcript);
  }
  for (const auto& [speaker, list] : by_speaker) {
    const fs::path dir = tmp / split.name / std::to_string(speaker) / "1";
    std::ofstream trans(dir / (std::to_string(speaker) + "-1.trans.txt"));
    for (const auto& [id, text] : list) trans << id << " " << text << "\n";
    const SynthVoice& voice = split.voices[speaker - split.speaker_base];
    *speakers << speaker << " | " << split.name << " | " << voice.synthesiser << " | " << voice.name
              << "\n";
  }
}

}  // namespace

void synthesize_speech_corpus(const SpeechSynthOptions& o,
                              const std::function<void(int64_t, int64_t)>& progress) {
  const std::string text_dir = o.text_dir.empty() ? data_dir() + "/sotu" : o.text_dir;
  std::string sources;
  std::vector<std::string> sentences = gather_sentences(o, text_dir, &sources);
  Rng rng{o.seed};
  for (size_t i = sentences.size(); i > 1; --i)
    std::swap(sentences[i - 1], sentences[rng.below(i)]);
  const int64_t need = o.train + o.valid + o.test + o.test_flite;
  if (static_cast<int64_t>(sentences.size()) < need) {
    throw std::runtime_error(text_dir + ": " + std::to_string(sentences.size()) +
                             " speakable sentences, fewer than the " + std::to_string(need) +
                             " utterances asked for");
  }
  const fs::path out(o.out), tmp(o.out + ".tmp");
  std::error_code error;
  fs::remove_all(tmp, error);
  const std::vector<Split> splits = {{"train", o.train, training_voices(), 100},
                                     {"valid", o.valid, training_voices(), 100},
                                     {"test", o.test, held_out_voices(), 300},
                                     {"test-flite", o.test_flite, flite_voices(), 400}};
  std::vector<Job> jobs;
  std::ostringstream speakers;
  speakers << "; speaker | split | synthesiser | voice\n";
  size_t next_sentence = 0;
  for (const Split& split : splits) {
    plan_split(split, sentences, &next_sentence, rng, tmp, &jobs, &speakers);
  }
  run_jobs(jobs, o.jobs, progress);
  std::ofstream(tmp / "SPEAKERS.txt") << speakers.str();
  std::ofstream(tmp / "MANIFEST") << "generator: datasets/speech_synth.h\nseed: " << o.seed
                                  << "\ntext: " << sources << "; " << sentences.size()
                                  << " speakable sentences of " << o.min_words << "-" << o.max_words
                                  << " words\n";
  fs::remove_all(out, error);
  fs::rename(tmp, out);
}

void ensure_default_speech_corpus(const std::string& out) {
  namespace fs = std::filesystem;
  if (fs::exists(out + "/MANIFEST")) return;
  std::error_code error;
  fs::create_directories(fs::path(out).parent_path(), error);
  const std::string lock_path = out + ".lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) {
    throw std::runtime_error(lock_path + ": cannot create (" + std::strerror(errno) +
                             "); write the speech corpus with tools/setup.sh --family=speech");
  }
  if (::flock(lock, LOCK_EX | LOCK_NB) != 0) {
    std::fprintf(stderr, "speech: waiting for another process writing %s\n", out.c_str());
    ::flock(lock, LOCK_EX);
  }
  try {
    if (!fs::exists(out + "/MANIFEST")) {
      SpeechSynthOptions o;
      o.out = out;
      const int64_t total = o.train + o.valid + o.test + o.test_flite;
      std::fprintf(stderr,
                   "speech: the synthetic speech corpus is not at %s yet; writing it now "
                   "(%lld utterances, about 1.4 GB; once: later runs read it)\n",
                   out.c_str(), static_cast<long long>(total));
      const auto start = std::chrono::steady_clock::now();
      synthesize_speech_corpus(o, [&](int64_t done, int64_t all) {
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double eta = done > 0 ? s * (all - done) / done : 0;
        std::fprintf(stderr, "\rspeech: %lld/%lld utterances, %.0f s, ~%.0f s left   ",
                     static_cast<long long>(done), static_cast<long long>(all), s, eta);
        std::fflush(stderr);
      });
      std::fprintf(stderr, "\nspeech: corpus written to %s\n", out.c_str());
    }
  } catch (...) {
    ::close(lock);
    throw;
  }
  ::close(lock);
}

}  // namespace datasets
