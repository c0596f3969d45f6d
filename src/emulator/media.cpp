// PNG output and image header parsing for the fake model (see docs/emulator.md, "Media").
#include "emulator/media.hpp"

#include "emulator/service.hpp"
#include "emulator/text.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace gemini::emulator::detail {

namespace {

std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (unsigned char ch : data) crc = table[(crc ^ ch) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t adler32(std::string_view data) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char ch : data) {
    a = (a + ch) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void put32(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

void chunk(std::string& png, std::string_view type, std::string_view data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  std::string body(type);
  body += data;
  png += body;
  put32(png, crc32(body));
}

/// zlib stream of stored (uncompressed) deflate blocks.
std::string zlib_stored(std::string_view raw) {
  std::string z = "\x78\x01";
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    const bool last = pos + n == raw.size();
    z += static_cast<char>(last ? 1 : 0);
    z += static_cast<char>(n & 0xff);
    z += static_cast<char>(n >> 8);
    z += static_cast<char>(~n & 0xff);
    z += static_cast<char>((~n >> 8) & 0xff);
    z.append(raw.substr(pos, n));
    pos += n;
  } while (pos < raw.size());
  put32(z, adler32(raw));
  return z;
}

std::uint32_t be16(const unsigned char* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
std::uint32_t be32(const unsigned char* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le16(const unsigned char* p) { return (std::uint32_t(p[1]) << 8) | p[0]; }
std::uint32_t le24(const unsigned char* p) { return le16(p) | (std::uint32_t(p[2]) << 16); }

}  // namespace

std::string make_png(std::uint32_t width, std::uint32_t height, std::uint32_t seed) {
  std::string raw;
  raw.reserve(static_cast<std::size_t>(height) * (1 + 3 * width));
  for (std::uint32_t y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    for (std::uint32_t x = 0; x < width; ++x) {
      raw += static_cast<char>((x * 255 / std::max<std::uint32_t>(width - 1, 1)) ^ (seed & 0xff));
      raw += static_cast<char>((y * 255 / std::max<std::uint32_t>(height - 1, 1)) ^ ((seed >> 8) & 0xff));
      raw += static_cast<char>(((x + y) * 4) ^ ((seed >> 16) & 0xff));
    }
  }
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  put32(ihdr, width);
  put32(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no filter method, no interlace
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", zlib_stored(raw));
  chunk(png, "IEND", {});
  return png;
}

std::optional<dimensions> read_dimensions(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  auto at = [&](std::size_t off, std::string_view magic) { return n >= off + magic.size() && bytes.substr(off, magic.size()) == magic; };
  if (at(0, "\x89PNG\r\n\x1a\n") && at(12, "IHDR") && n >= 24) return dimensions{be32(p + 16), be32(p + 20)};
  if ((at(0, "GIF87a") || at(0, "GIF89a")) && n >= 10) return dimensions{le16(p + 6), le16(p + 8)};
  if (at(0, "RIFF") && at(8, "WEBP")) {
    if (at(12, "VP8 ") && n >= 30 && p[23] == 0x9d && p[24] == 0x01 && p[25] == 0x2a)
      return dimensions{le16(p + 26) & 0x3fff, le16(p + 28) & 0x3fff};
    if (at(12, "VP8L") && n >= 25 && p[20] == 0x2f) {
      const std::uint32_t bits = le24(p + 21) | (std::uint32_t(p[24]) << 24);
      return dimensions{(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1};
    }
    if (at(12, "VP8X") && n >= 30) return dimensions{le24(p + 24) + 1, le24(p + 27) + 1};
    return std::nullopt;
  }
  if (at(0, "\xff\xd8")) {
    std::size_t pos = 2;
    while (pos + 4 <= n) {
      if (p[pos] != 0xff) return std::nullopt;
      while (pos < n && p[pos] == 0xff) ++pos;
      if (pos >= n) return std::nullopt;
      const unsigned marker = p[pos++];
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd9)) continue;
      if (pos + 2 > n) return std::nullopt;
      const std::uint32_t length = be16(p + pos);
      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
        if (pos + 7 > n) return std::nullopt;
        return dimensions{be16(p + pos + 5), be16(p + pos + 3)};
      }
      if (length < 2) return std::nullopt;
      pos += length;
    }
  }
  return std::nullopt;
}

std::optional<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::optional<dimensions> image_output_request(const json::object& body, std::uint32_t width) {
  bool wanted = false;
  std::optional<std::string> aspect, size;
  auto from_format = [&](const json::value& v) {
    if (!v.is_object()) return;
    const auto& f = v.get_object();
    const auto* type = f.if_contains("type");
    if (!type || !type->is_string() || type->get_string() != "image") return;
    wanted = true;
    if (const auto* a = f.if_contains("aspect_ratio"); a && a->is_string()) aspect = std::string(a->get_string());
    if (const auto* s = f.if_contains("image_size"); s && s->is_string()) size = std::string(s->get_string());
  };
  if (const auto* rf = body.if_contains("response_format")) {
    if (rf->is_array())
      for (const auto& f : rf->get_array()) from_format(f);
    else
      from_format(*rf);
  }
  if (const auto* m = body.if_contains("response_modalities"); m && m->is_array())
    for (const auto& v : m->get_array())
      if (v.is_string() && ascii_lower(v.get_string()) == "image") wanted = true;
  if (!wanted) return std::nullopt;
  // The deprecated generation_config.image_config is honoured when response_format says nothing.
  if (const auto* gc = body.if_contains("generation_config"); gc && gc->is_object() && !aspect) {
    if (const auto* ic = gc->get_object().if_contains("image_config"); ic && ic->is_object()) {
      const auto& o = ic->get_object();
      if (const auto* a = o.if_contains("aspect_ratio"); a && a->is_string()) aspect = std::string(a->get_string());
      if (const auto* s = o.if_contains("image_size"); s && s->is_string() && !size) size = std::string(s->get_string());
    }
  }
  static const char* ratios[] = {"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "1:8", "8:1", "1:4", "4:1"};
  const std::string ratio = aspect.value_or("1:1");
  if (std::find(std::begin(ratios), std::end(ratios), ratio) == std::end(ratios))
    throw api_error{400, "invalid_request", "Unsupported aspect_ratio '" + ratio + "'."};
  if (size && *size != "512" && *size != "1K" && *size != "2K" && *size != "4K")
    throw api_error{400, "invalid_request", "Unsupported image_size '" + *size + "' (512, 1K, 2K or 4K)."};
  const auto colon = ratio.find(':');
  const std::uint32_t w = static_cast<std::uint32_t>(std::stoul(ratio.substr(0, colon)));
  const std::uint32_t h = static_cast<std::uint32_t>(std::stoul(ratio.substr(colon + 1)));
  // 64-bit: a 4096 px wide 1:8 image asks for 32,768 rows before the pixel cap refuses it.
  const std::uint64_t height = std::max<std::uint64_t>(1, (std::uint64_t{width} * h + w / 2) / w);
  if (std::uint64_t{width} * height > std::uint64_t{max_image_side} * max_image_side)
    throw api_error{400, "invalid_request", "The image asked for exceeds 4096 x 4096 pixels."};
  return dimensions{width, static_cast<std::uint32_t>(height)};
}

json::object image_block(const std::string& png) {
  json::object b;
  b["type"] = "image";
  b["mime_type"] = "image/png";
  b["data"] = base64(png);
  return b;
}

}  // namespace gemini::emulator::detail
