// A stable 64-bit hash of text, for cache keys and corpus fingerprints: the same bytes give the
// same value on every machine and run.
//
//   uint64_t h = core::fnv1a64("part one");
//   h = core::fnv1a64("part two", h);   // continues the same hash
#pragma once

#include <cstdint>
#include <string>

namespace core {

constexpr uint64_t kFnvOffsetBasis = 1469598103934665603ull;

// FNV-1a 64 of `s`, continuing from `h` (the offset basis starts a new hash).
inline uint64_t fnv1a64(const std::string& s, uint64_t h = kFnvOffsetBasis) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace core
