// What every figure shares: a white page, black axes, one palette for lines, and a line legend.
#pragma once

#include <plplot/plstream.h>

#include <string>
#include <vector>

namespace analysis {

// Number of line colours; line i uses colour index line_colour(i).
constexpr int kLineColours = 8;
inline int line_colour(size_t i) { return 2 + static_cast<int>(i % kLineColours); }

// Opens `file` on `device` ("pngcairo", "svgcairo") with `rows` stacked panels of the given
// pixel geometry ("1000x800"); colour 1 is black for axes and text.
void open_figure(plstream& pls, const std::string& device, const std::string& file,
                 const char* geometry, int rows);

// A legend of coloured lines, one per label, inside the current panel at `position`
// (PL_POSITION_* flags).
void line_legend(plstream& pls, const std::vector<std::string>& labels, int position);

}  // namespace analysis
