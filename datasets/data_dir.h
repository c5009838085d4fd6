// Where the data sets fetched by tools/setup.sh live: $SIGMA_DATA, else
// ~/.cache/sigma-reparam.
#pragma once

#include <string>

namespace datasets {

std::string data_dir();

// "<what> not found at <path>. Fetch it with: tools/setup.sh --data-only" style message.
std::string missing_data_message(const std::string& what, const std::string& path);

}  // namespace datasets
