#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>

#include "experiments/engine/device.h"

namespace experiments {

absl::StatusOr<DeviceName> parse_device(const std::string& name) {
  DeviceName d;
  if (name == "cpu") return d;
  d.cuda = true;
  if (name == "cuda") return d;
  int index = -1;
  if (name.rfind("cuda:", 0) == 0 && name.size() > 5 &&
      name.find_first_not_of("0123456789", 5) == std::string::npos &&
      absl::SimpleAtoi(name.substr(5), &index) && index >= 0) {
    d.index = index;
    return d;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("device \"", name, "\": expected \"cpu\", \"cuda\" or \"cuda:N\""));
}

}  // namespace experiments
