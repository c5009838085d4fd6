// Where things are, for every binary: the workspace (BUILD_WORKSPACE_DIRECTORY under
// `bazel run`, else the working directory) and user paths taken relative to it.
//
//   std::string spec = core::resolve_input("experiments/vit/specs/baseline.textproto");
//   std::string out = core::workspace_path("report");
#pragma once

#include <string>

namespace core {

// The workspace the user ran the command in.
std::string workspace();

// A user path for output: absolute as given, else relative to the workspace.
std::string workspace_path(const std::string& path);

// A user path for input: absolute as given; else relative to the workspace if it exists there;
// else as given (relative to the working directory, where `bazel run` keeps a binary's own
// data files).
std::string resolve_input(const std::string& path);

bool path_exists(const std::string& path);

}  // namespace core
