#include "experiments/engine/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "core/format.h"

namespace experiments {

Progress::Progress(bool enabled, int64_t total)
    : enabled_(enabled), tty_(isatty(STDOUT_FILENO)), total_(total) {}

void Progress::update(int64_t step, double loss, double min_entropy, double steps_per_second,
                      bool log_step, const std::string& extra) {
  if (!enabled_ || (!tty_ && !log_step)) return;
  if (tty_ && !log_step && step % 5 != 0) return;
  const double eta = steps_per_second > 0 ? (total_ - step) / steps_per_second : 0;
  std::printf("%sstep %ld/%ld | loss %.4f | min entropy %s | %.1f steps/s | ETA %s%s%s",
              tty_ ? "\r\033[K" : "", static_cast<long>(step), static_cast<long>(total_), loss,
              std::isfinite(min_entropy) ? std::to_string(min_entropy).substr(0, 5).c_str() : "-",
              steps_per_second, core::clock_time(eta).c_str(), extra.c_str(),
              tty_ && extra.empty() ? "" : "\n");
  std::fflush(stdout);
}

void Progress::line(const std::string& text) {
  if (!enabled_) return;
  std::printf("%s%s\n", tty_ ? "\r\033[K" : "", text.c_str());
  std::fflush(stdout);
}

}  // namespace experiments
