// Decoding and encoding JPEG (libjpeg-turbo) and PNG (libpng) images. A file is recognised by its
// first bytes, not its name; a corrupt, truncated or unsupported file throws std::runtime_error
// naming its path.
//
//   datasets::Image image = datasets::decode_image("imagenet/train/n01440764/a.JPEG");
//   image.height, image.width, image.channels  // channels 1 (grey) or 3 (RGB)
//   image.pixels                               // uint8, row-major H x W x C
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace datasets {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;             // 1 or 3
  std::vector<uint8_t> pixels;  // height * width * channels, row-major, channels last
};

// JPEG (grey, RGB or CMYK) or PNG (any bit depth, palette, alpha dropped); grey stays 1 channel.
Image decode_image(const std::string& path);

// For fixtures and exports. Atomic: written to a temporary file, then renamed.
void write_png(const std::string& path, const Image& image);
void write_jpeg(const std::string& path, const Image& image, int quality = 90);

}  // namespace datasets
