#include "datasets/data_dir.h"

#include <cstdlib>

namespace datasets {

std::string data_dir() {
  if (const char* env = std::getenv("SIGMA_DATA"); env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.cache/sigma-reparam";
}

std::string missing_data_message(const std::string& what, const std::string& path,
                                 const std::string& family) {
  return what + " not found at " + path +
         ". Fetch it with: tools/setup.sh --data-only --family=" + family +
         " (data goes to $SIGMA_DATA, default ~/.cache/sigma-reparam)";
}

}  // namespace datasets
