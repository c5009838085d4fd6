// The default speech corpus: real English sentences (State of the Union addresses and the Brown
// corpus) spoken by
// espeak-ng with many voices (accents x voice variants, random speed and pitch), written as
// 16-bit WAV files with transcripts in LibriSpeech's layout (datasets/speech_corpus.h), and an
// unseen-synthesiser test spoken by flite's voices (awb, rms, slt: CMU ARCTIC speakers).
//
// Splits (every sentence in one split only):
//   train       training sentences, training voices
//   valid       held-out sentences, training voices
//   test        held-out sentences, held-out voice variants (speakers never heard in training)
//   test-flite  held-out sentences, flite's voices (another synthesiser altogether)
// Deterministic: the same options give the same bytes (tests/datasets:speech_synth_test). No
// LibTorch; tools/setup.sh runs it through //datasets:make_speech_corpus.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace datasets {

struct SpeechSynthOptions {
  std::string text_dir;   // the SOTU folder (*.txt), default $SIGMA_DATA/sotu
  bool use_brown = true;  // also the Brown corpus's sentences
  std::string brown_dir;  // default $SIGMA_DATA/brown
  std::string out;        // corpus folder, written atomically (out.tmp renamed)
  uint64_t seed = 1;
  int64_t train = 10000, valid = 200, test = 300, test_flite = 300;  // utterances per split
  int64_t min_words = 4, max_words = 12;                             // sentence length in words
  int jobs = 2;  // synthesiser processes at a time
};

// One voice: the synthesiser and its arguments.
struct SynthVoice {
  std::string synthesiser;  // "espeak-ng" or "flite"
  std::string name;         // e.g. "en-gb-scotland+m3" or "slt"
};

// The voices of each split (training voices for train and valid).
std::vector<SynthVoice> training_voices();
std::vector<SynthVoice> held_out_voices();
std::vector<SynthVoice> flite_voices();

// Sentences of `text` that suit speech: min..max words of letters and apostrophes (commas and
// final punctuation allowed, hyphens read as spaces), no digits, no abbreviations or acronyms.
std::vector<std::string> speakable_sentences(const std::string& text, int64_t min_words,
                                             int64_t max_words);

// Brown's `word/TAG` sentences (one per line) as plain text, one sentence after another.
std::string brown_plain_text(const std::string& tagged);

// Writes the corpus; `progress` gets (done, total) now and then. Throws std::runtime_error
// naming the program and utterance when a synthesiser is missing or fails.
void synthesize_speech_corpus(const SpeechSynthOptions& options,
                              const std::function<void(int64_t, int64_t)>& progress = {});

// The default corpus (SpeechSynthOptions' defaults) at `out`, written unless `out`/MANIFEST is
// there: a speech run's first use writes it (about 1.4 GB, 10,800 utterances, about 85 s on
// 2 cores), with a progress line on stderr. Concurrent callers (data-parallel ranks, sweep runs)
// wait for the one that writes it (a lock file beside it). Needs espeak-ng, flite and the SOTU
// and Brown data sets (tools/setup.sh --family=speech fetches them and writes the corpus too).
void ensure_default_speech_corpus(const std::string& out);

}  // namespace datasets
