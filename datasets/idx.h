// Reader for the IDX format of (Fashion-)MNIST, plain or gzip-compressed (docs/data.md).
//
//   at::Tensor images = datasets::read_idx(dir + "/train-images-idx3-ubyte.gz");
//   // uint8, (60000, 28, 28)
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace datasets {

// Big-endian header: magic 0x000008TD (T = 0x08 unsigned byte, D = number of dimensions),
// then D u32 sizes, then the raw bytes. Only unsigned-byte data is supported. Throws
// std::runtime_error naming the file and what is wrong.
at::Tensor read_idx(const std::string& path);

}  // namespace datasets
