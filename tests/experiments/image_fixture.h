// A small image folder in the ImageNet train/val layout for tests: `classes` class folders
// (class0, class1, ...) under train/ and val/, PNG and JPEG files of varied sizes around `size`
// with class-dependent patterns.
//
//   testing_util::write_image_folder(root, /*classes=*/3, /*train=*/4, /*val=*/2, /*size=*/24);
#pragma once

#include <filesystem>
#include <string>

#include "datasets/image_codec.h"

namespace testing_util {

inline void write_image_folder(const std::filesystem::path& root, int classes, int train_per_class,
                               int val_per_class, int size) {
  for (const char* split : {"train", "val"}) {
    const int n = split[0] == 't' ? train_per_class : val_per_class;
    for (int c = 0; c < classes; ++c) {
      const std::filesystem::path dir = root / split / ("class" + std::to_string(c));
      std::filesystem::create_directories(dir);
      for (int i = 0; i < n; ++i) {
        datasets::Image im{size + 3 * i, size + (i % 2) * 5, 3, {}};
        for (int k = 0; k < im.height * im.width * 3; ++k) {
          im.pixels.push_back(static_cast<uint8_t>((k * (c + 1) + 17 * i) % 256));
        }
        const std::string stem = (dir / ("im" + std::to_string(i))).string();
        if (i % 2 == 0) {
          datasets::write_png(stem + ".png", im);
        } else {
          datasets::write_jpeg(stem + ".jpg", im);
        }
      }
    }
  }
}

}  // namespace testing_util
