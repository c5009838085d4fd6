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
