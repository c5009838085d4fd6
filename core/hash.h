// A stable 64-bit hash of text, for cache keys and corpus fingerprints: the same bytes give the
// same value on every machine and run.
//
//   uint64_t h = core::fnv1a64("part one");
//   h = core::fnv1a64("part two", h);   // continues the same hash
//   std::string key = core::hex64(h);                  // "1f0a..." (16 digits)
//   uint64_t seed = core::mix_seed(run_seed, step);   // a seed derived from two values
#pragma once

#include <cstdint>
#include <cstdio>
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

// `h` as 16 lower-case hex digits, e.g. a cache key or a spec's fingerprint.
inline std::string hex64(uint64_t h) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

// A 64-bit mix of two values (splitmix64's finaliser), for deriving seeds: the seed of a step
// from the run's seed, of an epoch's permutation, of a rank's dropout masks.
inline uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace core
