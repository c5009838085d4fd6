#include "datasets/tokenizer.h"

#include "core/files.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/hash.h"
#include "datasets/data_dir.h"

// SentencePiece runs as Debian's command-line tools (spm_train, spm_encode, spm_decode) in child
// processes: libsentencepiece.so embeds its own copy of protobuf-lite and exports its symbols,
// which clash with the libprotobuf that LibTorch and our run records load into the same process.

namespace datasets {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& tag) {
  static int counter = 0;
  return (fs::temp_directory_path() /
          ("sigma_spm_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + tag))
      .string();
}

std::string slurp(const std::string& path) { return core::try_read_file(path).value_or(""); }

// Runs a SentencePiece tool with stdout to `out_path` (if set); throws with its stderr on failure.
void run_tool(std::vector<std::string> args, const std::string& out_path = "") {
  const std::string err_path = temp_path(".err");
  const pid_t pid = fork();
  if (pid == 0) {
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) dup2(err, 2);
    if (!out_path.empty()) {
      const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out >= 0) dup2(out, 1);
    } else if (err >= 0) {
      dup2(err, 1);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "cannot run %s", argv[0]);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) throw std::runtime_error("cannot start " + args[0]);
  std::string err = slurp(err_path);
  std::remove(err_path.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      throw std::runtime_error(args[0] +
                               " not found: install Debian's sentencepiece package "
                               "(tools/setup.sh does)");
    }
    if (err.size() > 600) err = err.substr(err.size() - 600);
    throw std::runtime_error(args[0] + " failed: " + err);
  }
}

// SentencePiece skips sentences longer than max_sentence_length (4192 bytes): break long
// paragraphs after sentence ends so that all the training text counts.
void write_training_lines(const std::string& text, const std::string& path) {
  std::ofstream out(path);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t start = 0;
    while (line.size() - start > 2000) {
      size_t cut = line.find(". ", start + 1000);
      if (cut == std::string::npos || cut - start > 4000) cut = line.find(' ', start + 2000);
      if (cut == std::string::npos) break;
      out << line.substr(start, cut + 1 - start) << "\n";
      start = cut + 2;
    }
    if (start < line.size()) out << line.substr(start) << "\n";
  }
}

bool blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

}  // namespace

std::string tokenizer_cache_name(const std::string& corpus, const std::string& train_text,
                                 const TokenizerOptions& options) {
  uint64_t h = core::fnv1a64(train_text);
  h = core::fnv1a64(options.model_type + "/" + std::to_string(options.vocab_size) + "/sp0.1.97/v1",
                    h);
  const std::string hex = core::hex64(h);
  std::string safe;
  for (char c : corpus) safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return safe + "_" + options.model_type + std::to_string(options.vocab_size) + "_" + hex +
         ".model";
}

Tokenizer Tokenizer::load(const std::string& model_path) {
  const std::string vocab_path = model_path.substr(0, model_path.rfind('.')) + ".vocab";
  std::ifstream vocab(vocab_path);
  if (!fs::exists(model_path) || !vocab) {
    throw std::runtime_error(model_path + ": cannot load SentencePiece model (needs " + vocab_path +
                             " beside it)");
  }
  Tokenizer t;
  t.model_path_ = model_path;
  std::string line;
  while (std::getline(vocab, line)) ++t.vocab_size_;
  return t;
}

Tokenizer Tokenizer::train_or_load(const std::string& corpus, const std::string& train_text,
                                   const TokenizerOptions& options, const std::string& cache_dir,
                                   bool* trained) {
  if (options.model_type != "bpe" && options.model_type != "unigram") {
    throw std::runtime_error("tokenizer model type '" + options.model_type +
                             "': expected bpe or unigram");
  }
  if (options.vocab_size < 16) {
    throw std::runtime_error("tokenizer vocab_size " + std::to_string(options.vocab_size) +
                             ": expected at least 16");
  }
  std::string dir = cache_dir.empty() ? data_dir() + "/tokenizers" : cache_dir;
  if (cache_dir.empty()) {
    // A read-only data directory (a sandboxed test, a shared install): cache in the temporary
    // directory instead of failing.
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || access(dir.c_str(), W_OK) != 0) {
      dir = (fs::temp_directory_path() / "sigma-reparam-tokenizers").string();
    }
  }
  const std::string path = dir + "/" + tokenizer_cache_name(corpus, train_text, options);
  const std::string base = path.substr(0, path.size() - 6);
  if (trained != nullptr) *trained = false;
  if (fs::exists(path) && fs::exists(base + ".vocab")) return load(path);

  fs::create_directories(dir);
  const std::string stem = base + ".tmp" + std::to_string(getpid());
  const std::string input = stem + ".txt";
  write_training_lines(train_text, input);
  try {
    run_tool({"spm_train", "--input=" + input, "--model_prefix=" + stem,
              "--vocab_size=" + std::to_string(options.vocab_size),
              "--model_type=" + options.model_type, "--character_coverage=1.0",
              "--input_sentence_size=2000000", "--shuffle_input_sentence=false",
              "--random_seed=20230523", "--num_threads=2", "--minloglevel=2", "--bos_id=-1",
              "--eos_id=1", "--unk_id=0", "--pad_id=-1", "--hard_vocab_limit=false"});
  } catch (const std::exception& e) {
    std::remove(input.c_str());
    std::remove((stem + ".model").c_str());
    std::remove((stem + ".vocab").c_str());
    throw std::runtime_error("training the " + options.model_type + " tokenizer (vocab " +
                             std::to_string(options.vocab_size) + ") on " + corpus + ": " +
                             e.what());
  }
  std::remove(input.c_str());
  // The vocabulary first, the model last: a reader that sees the model sees both.
  fs::rename(stem + ".vocab", base + ".vocab");
  fs::rename(stem + ".model", path);
  if (trained != nullptr) *trained = true;
  return load(path);
}

std::vector<int> Tokenizer::encode(const std::string& text) const {
  const std::string in_path = temp_path(".txt"), out_path = temp_path(".ids");
  {
    std::ofstream in(in_path);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (!blank(line)) in << line << "\n";
    }
  }
  try {
    run_tool({"spm_encode", "--model=" + model_path_, "--output_format=id", "--input=" + in_path},
             out_path);
  } catch (...) {
    std::remove(in_path.c_str());
    std::remove(out_path.c_str());
    throw;
  }
  std::remove(in_path.c_str());
  std::vector<int> ids;
  std::ifstream out(out_path);
  std::string line;
  while (std::getline(out, line)) {
    std::istringstream tokens(line);
    int id;
    while (tokens >> id) ids.push_back(id);
    ids.push_back(eos_id());
  }
  std::remove(out_path.c_str());
  return ids;
}

std::vector<int> Tokenizer::encode_line(const std::string& line) const {
  if (blank(line)) return {};
  std::vector<int> ids = encode(line);
  ids.pop_back();  // its eos
  return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  const std::string in_path = temp_path(".ids"), out_path = temp_path(".txt");
  std::vector<bool> ended;  // per line: whether an eos closed it
  {
    std::ofstream in(in_path);
    std::string line;
    for (int id : ids) {
      if (id == eos_id()) {
        in << line << "\n";
        ended.push_back(true);
        line.clear();
      } else {
        line += (line.empty() ? "" : " ") + std::to_string(id);
      }
    }
    if (!line.empty()) {
      in << line << "\n";
      ended.push_back(false);
    }
  }
  run_tool({"spm_decode", "--model=" + model_path_, "--input_format=id", "--input=" + in_path},
           out_path);
  std::remove(in_path.c_str());
  std::ifstream out(out_path);
  std::string text, line;
  for (size_t i = 0; i < ended.size() && std::getline(out, line); ++i) {
    text += line + (ended[i] ? "\n" : "");
  }
  std::remove(out_path.c_str());
  return text;
}

}  // namespace datasets
