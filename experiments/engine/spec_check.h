// Collects spec problems as "field.path: reason" lines, so that one validation pass reports
// every problem at once, before anything trains.
//
//   experiments::SpecChecker c;
//   c.expect(t.depth() >= 1, "vit.transformer.depth", "must be >= 1");
//   c.positive(o.lr(), "optimizer.lr");
#pragma once

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <cmath>
#include <string>
#include <vector>

namespace experiments {

class SpecChecker {
 public:
  void expect(bool ok, const std::string& path, const std::string& reason) {
    if (!ok) problems_.push_back(absl::StrCat(path, ": ", reason));
  }
  void positive(double v, const std::string& path) {
    expect(std::isfinite(v) && v > 0, path, absl::StrCat(v, " must be > 0"));
  }
  void non_negative(double v, const std::string& path) {
    expect(std::isfinite(v) && v >= 0, path, absl::StrCat(v, " must be >= 0"));
  }
  void fraction(double v, const std::string& path) {  // [0, 1)
    expect(std::isfinite(v) && v >= 0 && v < 1, path, absl::StrCat(v, " must be in [0, 1)"));
  }
  // Adds a status's message (if not OK) as a problem at `path`.
  void status(const absl::Status& s, const std::string& path) {
    if (!s.ok()) problems_.push_back(absl::StrCat(path, ": ", s.message()));
  }
  absl::Status result() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems_, "\n"));
  }

 private:
  std::vector<std::string> problems_;
};

}  // namespace experiments
