// Where the data sets fetched by tools/setup.sh live: $SIGMA_DATA, else
// ~/.cache/sigma-reparam.
#pragma once

#include <string>

namespace datasets {

std::string data_dir();

// "<what> not found at <path>. Fetch it with: tools/setup.sh --data-only --family=<family>":
// `family` is the experiment family whose setup fetches it (vit, lm, mt, speech).
std::string missing_data_message(const std::string& what, const std::string& path,
                                 const std::string& family);

}  // namespace datasets
