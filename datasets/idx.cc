#include "datasets/idx.h"

#include <ATen/ATen.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace datasets {
namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

void read_exact(gzFile f, void* dst, size_t n, const std::string& path, const char* what) {
  size_t done = 0;
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
    const int got = gzread(f, static_cast<char*>(dst) + done, chunk);
    if (got <= 0) {
      throw std::runtime_error(path + ": truncated IDX file while reading " + what + " (" +
                               std::to_string(done) + " of " + std::to_string(n) + " bytes)");
    }
    done += static_cast<size_t>(got);
  }
}

uint32_t big_endian(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

at::Tensor read_idx(const std::string& path) {
  // gzread reads plain files transparently, so one path serves .gz and raw IDX.
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw std::runtime_error(path + ": cannot open IDX file");
  unsigned char header[4];
  read_exact(f.get(), header, 4, path, "the magic number");
  if (header[0] != 0 || header[1] != 0) {
    throw std::runtime_error(path + ": not an IDX file (magic must start with two zero bytes)");
  }
  if (header[2] != 0x08) {
    throw std::runtime_error(path + ": IDX element type 0x" + std::to_string(header[2]) +
                             " not supported (expected 0x08, unsigned byte)");
  }
  const int dims = header[3];
  if (dims < 1 || dims > 4) {
    throw std::runtime_error(path + ": IDX with " + std::to_string(dims) +
                             " dimensions not supported (expected 1 to 4)");
  }
  std::vector<int64_t> sizes(dims);
  std::string shape;
  for (int d = 0; d < dims; ++d) {
    unsigned char b[4];
    read_exact(f.get(), b, 4, path, "the dimension sizes");
    sizes[d] = big_endian(b);
    shape += (d > 0 ? " x " : "") + std::to_string(sizes[d]);
  }
  // The data is read before anything is allocated for the header's shape: a corrupt header
  // must not ask for terabytes. The file holds what it holds; the shape must account for it.
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const int got = gzread(f.get(), buffer, sizeof(buffer));
    if (got < 0) {
      int code = 0;
      throw std::runtime_error(path + ": corrupt IDX file while reading the data (" +
                               gzerror(f.get(), &code) + ")");
    }
    if (got == 0) break;
    data.append(buffer, static_cast<size_t>(got));
  }
  int64_t count = 1;
  for (const int64_t size : sizes) {
    if (size != 0 && count > static_cast<int64_t>(data.size()) / size) {
      count = -1;  // more than the file holds (and no overflow below)
      break;
    }
    count *= size;
  }
  if (count != static_cast<int64_t>(data.size())) {
    throw std::runtime_error(path + ": the header's shape " + shape + " does not match the " +
                             std::to_string(data.size()) + " data bytes the file holds " +
                             "(truncated or corrupt IDX file)");
  }
  at::Tensor out = at::empty(sizes, at::kByte);
  if (count > 0) std::memcpy(out.data_ptr<uint8_t>(), data.data(), data.size());
  return out;
}

}  // namespace datasets
