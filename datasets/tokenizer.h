// Subword tokenisation with SentencePiece (Debian's sentencepiece tools, run as child processes):
// a BPE or unigram model trained on a corpus' training split, cached in the data directory under
// a key made of the corpus, the settings and a hash of the training text, and reused by later
// runs. Ids: 0 = unknown, 1 = end of line (eos).
//
//   datasets::Tokenizer tok = datasets::Tokenizer::train_or_load("sotu", corpus.train.text,
//                                                                {4096, "bpe"});
//   std::vector<int> ids = tok.encode(corpus.valid.text);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace datasets {

struct TokenizerOptions {
  int vocab_size = 4096;
  std::string model_type = "bpe";  // "bpe" or "unigram"
};

class Tokenizer {
 public:
  // Loads the cached model for (corpus, options, train_text) from `cache_dir` (default
  // $SIGMA_DATA/tokenizers), or trains it there first (deterministically). `trained` tells which.
  // Throws std::runtime_error with SentencePiece's message on failure.
  static Tokenizer train_or_load(const std::string& corpus, const std::string& train_text,
                                 const TokenizerOptions& options, const std::string& cache_dir = "",
                                 bool* trained = nullptr);
  // Loads a model file (its .vocab beside it).
  static Tokenizer load(const std::string& model_path);

  // Each line of `text` encoded, followed by end-of-line (eos) id; empty lines are skipped.
  std::vector<int> encode(const std::string& text) const;
  std::vector<int> encode_line(const std::string& line) const;
  // Text of `ids`; eos becomes "\n".
  std::string decode(const std::vector<int>& ids) const;

  int vocab_size() const { return vocab_size_; }
  int eos_id() const { return 1; }
  const std::string& model_path() const { return model_path_; }

 private:
  std::string model_path_;
  int vocab_size_ = 0;
};

// The cache file name for these inputs: <corpus>_<type><vocab>_<16 hex digits>.model.
std::string tokenizer_cache_name(const std::string& corpus, const std::string& train_text,
                                 const TokenizerOptions& options);

}  // namespace datasets
