#include "core/format.h"

#include <cstdio>

namespace core {

std::string clock_time(double seconds) {
  const long s = seconds > 0 ? static_cast<long>(seconds + 0.5) : 0;
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

std::string minutes_seconds(double seconds) {
  const long s = seconds > 0 ? static_cast<long>(seconds + 0.5) : 0;
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%ld min %02ld s", s / 60, s % 60);
  return buf;
}

}  // namespace core

#include <cmath>

namespace core {

std::string format_lr(double lr) {
  char buf[48];
  if (!(lr > 0)) {
    std::snprintf(buf, sizeof(buf), "%g", lr);
    return buf;
  }
  const int exponent = static_cast<int>(std::floor(std::log10(lr) + 1e-9));
  const double mantissa = lr / std::pow(10.0, exponent);
  std::snprintf(buf, sizeof(buf), "%.3ge%d", mantissa, exponent);
  return buf;
}

}  // namespace core
