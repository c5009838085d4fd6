#include "core/paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace core {

std::string workspace() {
  const char* w = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (w != nullptr && *w != '\0') return w;
  char buf[4096];
  return getcwd(buf, sizeof(buf)) ? buf : ".";
}

std::string workspace_path(const std::string& path) {
  return path.empty() || path[0] == '/' ? path : workspace() + "/" + path;
}

bool path_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string resolve_input(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const std::string in_workspace = workspace() + "/" + path;
  return path_exists(in_workspace) ? in_workspace : path;
}

}  // namespace core
