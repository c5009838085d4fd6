#include "analysis/plot_style.h"

namespace analysis {
namespace {

// Tableau-like palette, readable on white and in greyscale print order.
const int kPalette[kLineColours][3] = {{214, 39, 40},   {31, 119, 180},  {44, 160, 44},
                                       {255, 127, 14},  {148, 103, 189}, {140, 86, 75},
                                       {227, 119, 194}, {127, 127, 127}};

}  // namespace

void open_figure(plstream& pls, const std::string& device, const std::string& file,
                 const char* geometry, int rows) {
  pls.sdev(device.c_str());
  pls.sfnam(file.c_str());
  pls.setopt("geometry", geometry);
  pls.scol0(0, 255, 255, 255);
  pls.scol0(1, 0, 0, 0);
  for (int i = 0; i < kLineColours; ++i) {
    pls.scol0(2 + i, kPalette[i][0], kPalette[i][1], kPalette[i][2]);
  }
  pls.ssub(1, rows);
  pls.init();
  pls.schr(0, 0.9);
}

void line_legend(plstream& pls, const std::vector<std::string>& labels, int position) {
  const PLINT n = static_cast<PLINT>(labels.size());
  if (n == 0) return;
  std::vector<PLINT> opt(n, PL_LEGEND_LINE), text_col(n, 1), line_col(n), line_style(n, 1);
  std::vector<PLFLT> line_width(n, 2.0);
  std::vector<const char*> text(n);
  for (PLINT i = 0; i < n; ++i) {
    line_col[i] = line_colour(i);
    line_style[i] = analysis::line_style(static_cast<size_t>(i));
    text[i] = labels[i].c_str();
  }
  PLFLT width, height;
  pls.legend(&width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             (position & PL_POSITION_OUTSIDE) ? position : position | PL_POSITION_INSIDE, 0.02,
             0.04, 0.1, 0, 1, 1, 0, 0, n, opt.data(), 1.0, 0.9, 2.0, 0.0, text_col.data(),
             text.data(), nullptr, nullptr, nullptr, nullptr, line_col.data(), line_style.data(),
             line_width.data(), nullptr, nullptr, nullptr, nullptr);
}

}  // namespace analysis
