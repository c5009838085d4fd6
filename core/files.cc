#include "core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace core {

std::optional<std::string> try_read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

std::string read_file(const std::string& path) {
  std::optional<std::string> bytes = try_read_file(path);
  if (!bytes) throw std::runtime_error(path + ": cannot read (" + std::strerror(errno) + ")");
  return *std::move(bytes);
}

void write_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  // POSIX writes, not a stream: a full disk or a file size limit must be seen (errno), and the
  // file must reach the disk before it replaces the old one.
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(tmp + ": cannot create (" + std::strerror(errno) + ")");
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "no progress";
      close(fd);
      std::remove(tmp.c_str());
      throw std::runtime_error(tmp + ": write failed (" + why + "); " + path +
                               " is left as it was");
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(tmp + ": write failed (" + std::strerror(errno) + "); " + path +
                             " is left as it was");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path + " (" + std::strerror(errno) +
                             ")");
  }
}

}  // namespace core
