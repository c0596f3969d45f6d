// Media for the fake model: a PNG writer for image output, header readers for image
// understanding, and the request checks that decide whether an image is asked for.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gemini::emulator::detail {

/// A valid PNG (8-bit RGB, stored deflate blocks, CRC-32 and Adler-32) of w x h pixels whose
/// colours are a gradient keyed by `seed`.
std::string make_png(std::uint32_t width, std::uint32_t height, std::uint32_t seed);

struct dimensions {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};
/// From a PNG IHDR, a JPEG SOFn, a GIF or a WebP (VP8/VP8L/VP8X) header.
std::optional<dimensions> read_dimensions(std::string_view bytes);

/// Strict standard base64 (padding optional); empty when invalid.
std::optional<std::string> base64_decode(std::string_view text);

/// The longest side of an image the emulator makes, and its most pixels (side x side): the PNG
/// is made whole and uncompressed, 3 bytes a pixel.
constexpr std::uint32_t max_image_side = 4096;

/// The image asked for by a create body: response_format with `type: image` (object or array
/// member), or response_modalities containing IMAGE. Returns the pixel size (`width` px wide,
/// height from the aspect ratio; default 1:1). Throws api_error 400 for an unknown aspect ratio
/// or size, or when the image would have more than max_image_side squared pixels.
std::optional<dimensions> image_output_request(const boost::json::object& body, std::uint32_t width = 64);

/// A JSON image block holding `png` inline.
boost::json::object image_block(const std::string& png);

}  // namespace gemini::emulator::detail
