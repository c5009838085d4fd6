// What the tests that run //experiments:train as a process share: where it is in the runfiles,
// a path in the test's temporary folder, and a file's contents.
#pragma once

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace experiments {

// //experiments:train in the runfiles (the test names it in `data`).
inline std::string train_binary() {
  const char* root = std::getenv("TEST_SRCDIR");
  return std::string(root ? root : ".") + "/sigma_reparam/experiments/train";
}

// `name` in $TEST_TMPDIR.
inline std::string tmp_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace experiments
