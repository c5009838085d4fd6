// What every figure shares: a white page, black axes, one palette for lines, and a line legend.
#pragma once

#include <plplot/plstream.h>

#include <string>
#include <vector>

namespace analysis {

// Number of line colours; line i uses colour index line_colour(i).
constexpr int kLineColours = 8;
inline int line_colour(size_t i) { return 2 + static_cast<int>(i % kLineColours); }
// PLplot line style of line i: solid for the first kLineColours lines, then dashed patterns, so
// that lines that share a colour differ.
inline int line_style(size_t i) {
  return i < kLineColours ? 1 : 4 + static_cast<int>((i / kLineColours - 1) % 5);
}

// Opens `file` on `device` ("pngcairo", "svgcairo") with `rows` stacked panels of the given
// pixel geometry ("1000x800"); colour 1 is black for axes and text.
void open_figure(plstream& pls, const std::string& device, const std::string& file,
                 const char* geometry, int rows);

// A legend of coloured (and, past kLineColours, dashed) lines, one per label, in the current panel
// at `position` (PL_POSITION_* flags; inside the panel unless PL_POSITION_OUTSIDE is given).
void line_legend(plstream& pls, const std::vector<std::string>& labels, int position);

}  // namespace analysis
