// Whole-file reads and atomic writes, each failure an exception that names the file.
//
//   const std::string text = core::read_file("report/REPORT.md");
//   core::write_atomically("runs/x/result.textproto", text);   // path.tmp, fsync, rename
#pragma once

#include <optional>
#include <string>

namespace core {

// The bytes of `path`, or nothing when it cannot be opened (callers name the file in their own
// terms: "cannot read spec file", ...).
std::optional<std::string> try_read_file(const std::string& path);

// The bytes of `path`; throws std::runtime_error "<path>: cannot read (<errno text>)".
std::string read_file(const std::string& path);

// Writes `contents` to path.tmp, flushes it to disk and renames it over `path`: a reader sees
// the old file or the new one, never a part. A failed write (a full disk, a size limit) throws
// and leaves `path` as it was.
void write_atomically(const std::string& path, const std::string& contents);

}  // namespace core
