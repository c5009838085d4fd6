// Live progress of a run: one rewritten line on a terminal (evaluation lines stay), a plain line
// per log step otherwise; silent when disabled.
#pragma once

#include <cstdint>
#include <string>

namespace experiments {

class Progress {
 public:
  Progress(bool enabled, int64_t total);
  // `extra` (e.g. " | eval loss 0.41 | acc 85.1%") is appended and keeps the line on a terminal.
  void update(int64_t step, double loss, double min_entropy, double steps_per_second, bool log_step,
              const std::string& extra);
  void line(const std::string& text);

 private:
  bool enabled_, tty_;
  int64_t total_;
};

}  // namespace experiments
