#include "datasets/image_codec.h"

#include <png.h>
#include <unistd.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

namespace datasets {
namespace {

std::runtime_error error(const std::string& path, const std::string& what) {
  return std::runtime_error(path + ": " + what);
}

// libjpeg reports errors through error_exit, which must not return: jump back to the caller.
struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_error_exit(j_common_ptr info) {
  auto* e = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, e->message);
  std::longjmp(e->jump, 1);
}

void jpeg_silent(j_common_ptr, int) {}  // warnings (e.g. extraneous bytes) are not errors

// Returns an empty string on success, else libjpeg's message. No C++ object with a destructor
// lives between setjmp and longjmp in this frame.
std::string decode_jpeg(std::FILE* file, Image* out) {
  jpeg_decompress_struct info;
  JpegError err;
  info.err = jpeg_std_error(&err.manager);
  err.manager.error_exit = jpeg_error_exit;
  err.manager.emit_message = jpeg_silent;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&info);
    return err.message;
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, file);
  jpeg_read_header(&info, TRUE);
  info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  out->height = static_cast<int>(info.output_height);
  out->width = static_cast<int>(info.output_width);
  out->channels = info.output_components;
  out->pixels.resize(static_cast<size_t>(out->height) * out->width * out->channels);
  const size_t stride = static_cast<size_t>(out->width) * out->channels;
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = out->pixels.data() + info.output_scanline * stride;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return "";
}

Image decode_png(const std::string& path) {
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) {
    throw error(path, std::string("not a readable PNG: ") + png.message);
  }
  const bool grey = (png.format & PNG_FORMAT_FLAG_COLOR) == 0;
  png.format = grey ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;  // alpha composited on black
  Image out;
  out.height = static_cast<int>(png.height);
  out.width = static_cast<int>(png.width);
  out.channels = grey ? 1 : 3;
  out.pixels.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, /*background=*/nullptr, out.pixels.data(), 0, nullptr)) {
    std::string message = png.message;
    png_image_free(&png);
    throw error(path, "corrupt PNG: " + message);
  }
  return out;
}

void check_image(const std::string& path, const Image& image) {
  if (image.height < 1 || image.width < 1 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != static_cast<size_t>(image.height) * image.width * image.channels) {
    throw error(path, "cannot write an image of " + std::to_string(image.height) + " x " +
                          std::to_string(image.width) + " x " + std::to_string(image.channels) +
                          " with " + std::to_string(image.pixels.size()) + " bytes");
  }
}

}  // namespace

Image decode_image(const std::string& path) {
  unsigned char magic[8] = {0};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(path, "cannot open image");
    in.read(reinterpret_cast<char*>(magic), sizeof(magic));
    if (in.gcount() < 4) throw error(path, "too short to be an image");
  }
  if (magic[0] == 0x89 && magic[1] == 'P' && magic[2] == 'N' && magic[3] == 'G') {
    return decode_png(path);
  }
  if (magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) throw error(path, "cannot open image");
    Image out;
    const std::string message = decode_jpeg(file, &out);
    std::fclose(file);
    if (!message.empty()) throw error(path, "corrupt JPEG: " + message);
    return out;
  }
  throw error(path, "not a JPEG or PNG file (unrecognised first bytes)");
}

void write_png(const std::string& path, const Image& image) {
  check_image(path, image);
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  const std::string tmp = path + ".tmp";
  if (!png_image_write_to_file(&png, tmp.c_str(), 0, image.pixels.data(), 0, nullptr)) {
    throw error(path, std::string("cannot write PNG: ") + png.message);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw error(path, "cannot rename " + tmp);
}

void write_jpeg(const std::string& path, const Image& image, int quality) {
  check_image(path, image);
  const std::string tmp = path + ".tmp";
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  if (file == nullptr) throw error(path, "cannot open " + tmp + " for writing");
  jpeg_compress_struct info;
  jpeg_error_mgr err;
  info.err = jpeg_std_error(&err);  // encoding our own buffers: libjpeg's default exit is fine
  jpeg_create_compress(&info);
  jpeg_stdio_dest(&info, file);
  info.image_width = static_cast<JDIMENSION>(image.width);
  info.image_height = static_cast<JDIMENSION>(image.height);
  info.input_components = image.channels;
  info.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  const size_t stride = static_cast<size_t>(image.width) * image.channels;
  while (info.next_scanline < info.image_height) {
    JSAMPROW row = const_cast<JSAMPLE*>(image.pixels.data() + info.next_scanline * stride);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  const bool ok = std::fclose(file) == 0;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) throw error(path, "cannot write JPEG");
}

}  // namespace datasets
