// The emulator's Files API and media behaviour through raw HTTPS: the resumable upload protocol
// (offsets, query, finalize), file states on the virtual clock, partial chunks kept by a fault,
// PNG image output and image understanding.
#include "emulator/media.hpp"
#include "emulator/service.hpp"
#include "emulator/test_client.hpp"

#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

using namespace emu_test;
namespace emu = gemini::emulator;

namespace {

using headers = client::headers;

std::string sha256_base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  unsigned char out[64];
  const int n = EVP_EncodeBlock(out, digest, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

std::string start_upload(client& c, std::size_t size, const std::string& mime) {
  auto r = c.request(http::verb::post, "/upload/v1beta/files",
                     json::serialize(json::object{{"file", json::object{{"displayName", "test upload"}}}}),
                     headers{{"X-Goog-Upload-Protocol", "resumable"},
                             {"X-Goog-Upload-Command", "start"},
                             {"X-Goog-Upload-Header-Content-Length", std::to_string(size)},
                             {"X-Goog-Upload-Header-Content-Type", mime}});
  BOOST_TEST_REQUIRE(r.status == 200u, r.body);
  BOOST_TEST(r.header("x-goog-upload-status") == "active");
  const std::string url = r.header("x-goog-upload-url");
  const auto path = url.find("/upload/");
  BOOST_TEST_REQUIRE(path != std::string::npos, url);
  BOOST_TEST(url.rfind("https://", 0) == 0u);
  return url.substr(path);
}

reply chunk(client& c, const std::string& target, const std::string& bytes, std::size_t offset, bool finalize) {
  return c.request(http::verb::post, target, bytes,
                   headers{{"X-Goog-Upload-Command", finalize ? "upload, finalize" : "upload"},
                           {"X-Goog-Upload-Offset", std::to_string(offset)},
                           {"Content-Type", "application/octet-stream"}});
}

reply query(client& c, const std::string& target) {
  return c.request(http::verb::post, target, {}, headers{{"X-Goog-Upload-Command", "query"}});
}

/// Uploads `data` in one finalizing chunk; returns the file resource.
json::object upload(client& c, const std::string& data, const std::string& mime) {
  const auto target = start_upload(c, data.size(), mime);
  auto r = chunk(c, target, data, 0, true);
  BOOST_TEST_REQUIRE(r.status == 200u, r.body);
  return r.obj().at("file").as_object();
}

json::object with_blocks(json::array blocks) {
  return json::object{{"model", "gemini-3.5-flash"}, {"input", std::move(blocks)}};
}

std::uint32_t be32(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

std::uint32_t crc32(std::string_view data) {
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char ch : data) {
    crc ^= ch;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
  }
  return ~crc;
}

/// Walks a PNG's chunks checking every CRC; inflates its stored deflate blocks checking LEN/NLEN
/// and Adler-32; returns {width, height, raw scanline bytes}.
std::tuple<std::uint32_t, std::uint32_t, std::string> check_png(std::string_view png) {
  BOOST_TEST_REQUIRE(png.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8));
  std::size_t pos = 8;
  std::uint32_t w = 0, h = 0;
  std::string zlib;
  bool ended = false;
  while (pos + 12 <= png.size()) {
    const auto len = be32(png, pos);
    const auto type = png.substr(pos + 4, 4);
    const auto body = png.substr(pos + 4, 4 + len);
    BOOST_TEST(crc32(body) == be32(png, pos + 8 + len), type);
    if (type == "IHDR") {
      w = be32(png, pos + 8);
      h = be32(png, pos + 12);
    } else if (type == "IDAT") {
      zlib += png.substr(pos + 8, len);
    } else if (type == "IEND") {
      ended = true;
    }
    pos += 12 + len;
  }
  BOOST_TEST(ended);
  BOOST_TEST(pos == png.size());
  BOOST_TEST_REQUIRE(zlib.size() >= 6u);
  BOOST_TEST((static_cast<unsigned char>(zlib[0]) * 256 + static_cast<unsigned char>(zlib[1])) % 31 == 0);
  std::string raw;
  std::size_t z = 2;
  for (bool last = false; !last;) {
    BOOST_TEST_REQUIRE(z + 5 <= zlib.size());
    last = zlib[z] & 1;
    BOOST_TEST_REQUIRE((zlib[z] & 6) == 0);  // stored block
    const unsigned len = static_cast<unsigned char>(zlib[z + 1]) | (static_cast<unsigned char>(zlib[z + 2]) << 8);
    const unsigned nlen = static_cast<unsigned char>(zlib[z + 3]) | (static_cast<unsigned char>(zlib[z + 4]) << 8);
    BOOST_TEST_REQUIRE((len ^ 0xffffu) == nlen);
    raw += zlib.substr(z + 5, len);
    z += 5 + len;
  }
  std::uint32_t a = 1, b = 0;
  for (unsigned char ch : raw) {
    a = (a + ch) % 65521;
    b = (b + a) % 65521;
  }
  BOOST_TEST(be32(zlib, z) == ((b << 16) | a));
  BOOST_TEST(z + 4 == zlib.size());
  return {w, h, raw};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_files)

BOOST_AUTO_TEST_CASE(resumable_upload_with_offsets_query_and_finalize) {
  emu::server srv;
  client c(srv);
  const std::string data = "0123456789abcdefghij";
  const auto target = start_upload(c, data.size(), "text/plain");

  auto first = chunk(c, target, data.substr(0, 8), 0, false);
  BOOST_TEST(first.status == 200u);
  BOOST_TEST(first.header("x-goog-upload-status") == "active");

  auto wrong = chunk(c, target, data.substr(8, 4), 4, false);  // the server has 8 bytes, not 4
  BOOST_TEST(wrong.status == 400u);
  BOOST_TEST(wrong.header("x-goog-upload-size-received") == "8");

  auto q = query(c, target);
  BOOST_TEST(q.status == 200u);
  BOOST_TEST(q.header("x-goog-upload-status") == "active");
  BOOST_TEST(q.header("x-goog-upload-size-received") == "8");

  auto last = chunk(c, target, data.substr(8), 8, true);
  BOOST_TEST_REQUIRE(last.status == 200u, last.body);
  BOOST_TEST(last.header("x-goog-upload-status") == "final");
  const auto f = last.obj().at("file").as_object();
  BOOST_TEST(f.at("sizeBytes").as_string() == "20");
  BOOST_TEST(f.at("mimeType").as_string() == "text/plain");
  BOOST_TEST(f.at("displayName").as_string() == "test upload");
  BOOST_TEST(f.at("state").as_string() == "PROCESSING");
  BOOST_TEST(f.at("sha256Hash").as_string() == sha256_base64(data));
  const std::string name(f.at("name").as_string());
  const std::string uri(f.at("uri").as_string());
  BOOST_TEST(uri.ends_with("/v1beta/" + name));

  // After finalization the query answers with the file; more chunks are refused.
  auto after = query(c, target);
  BOOST_TEST(after.header("x-goog-upload-status") == "final");
  BOOST_TEST(after.obj().at("file").at("name").as_string() == name);
  BOOST_TEST(chunk(c, target, "x", 20, true).status == 400u);

  auto got = c.get("/v1beta/" + name);
  BOOST_TEST_REQUIRE(got.status == 200u);
  BOOST_TEST(got.obj().at("state").as_string() == "ACTIVE");  // default processing time: none
  BOOST_TEST(c.request(http::verb::delete_, "/v1beta/" + name).status == 200u);
  auto gone = c.get("/v1beta/" + name);
  BOOST_TEST(gone.status == 404u);
  BOOST_TEST(gone.obj().at("error").at("status").as_string() == "NOT_FOUND");
  // The session's query no longer says "active" with every byte received (a resume would then
  // be refused as already finalized).
  BOOST_TEST(query(c, target).status == 404u);
}

BOOST_AUTO_TEST_CASE(protocol_errors) {
  emu::server srv;
  client c(srv);
  // No resumable protocol header, a size mismatch at finalize, an unknown session, no auth.
  auto plain = c.request(http::verb::post, "/upload/v1beta/files", "{}", headers{{"X-Goog-Upload-Command", "start"}});
  BOOST_TEST(plain.status == 400u);
  const auto target = start_upload(c, 10, "text/plain");
  auto short_final = chunk(c, target, "abc", 0, true);
  BOOST_TEST(short_final.status == 400u);
  BOOST_TEST(query(c, target).header("x-goog-upload-size-received") == "3");
  BOOST_TEST(query(c, "/upload/v1beta/files?upload_id=nope").status == 404u);
  auto anonymous = c.request(http::verb::get, "/v1beta/files/x", {}, {}, false);
  BOOST_TEST(anonymous.status == 401u);
}

BOOST_AUTO_TEST_CASE(a_failed_chunk_keeps_the_bytes_the_fault_says) {
  emu::options o;
  o.fault_rules = {"route=upload;skip=1;times=1;status=503;upload-keep=3"};
  emu::server srv(o);
  client c(srv);
  const auto target = start_upload(c, 12, "text/plain");
  BOOST_TEST(chunk(c, target, "abcd", 0, false).status == 200u);
  BOOST_TEST(query(c, target).status == 200u);              // queries are route=files, not counted
  BOOST_TEST(chunk(c, target, "efgh", 4, false).status == 503u);
  BOOST_TEST(query(c, target).header("x-goog-upload-size-received") == "7");
  auto rest = chunk(c, target, "hijkl", 7, true);
  BOOST_TEST_REQUIRE(rest.status == 200u, rest.body);
  BOOST_TEST(rest.obj().at("file").at("sha256Hash").as_string() == sha256_base64("abcdefghijkl"));
  BOOST_TEST(srv.stats().faults_injected == 1u);

  // Nothing is kept for a fault that still runs the chunk (it is appended whole), nor for a
  // caller without a valid key.
  emu::options keyed;
  keyed.api_key = "test-key";
  emu::server strict(keyed);
  client k(strict);
  const auto t2 = start_upload(k, 8, "text/plain");
  BOOST_TEST(chunk(k, t2, "abcd", 0, false).status == 200u);
  client anonymous(strict, "wrong-key");
  auto refused = anonymous.request(http::verb::post, t2, "efgh",
                                   headers{{"X-Goog-Upload-Command", "upload"}, {"X-Goog-Upload-Offset", "4"},
                                           {"x-emulator-fault", "status=503;upload-keep=2"}});
  BOOST_TEST(refused.status == 503u);
  BOOST_TEST(query(k, t2).header("x-goog-upload-size-received") == "4");
  auto delayed = k.request(http::verb::post, t2, "efgh",
                           headers{{"X-Goog-Upload-Command", "upload"}, {"X-Goog-Upload-Offset", "4"},
                                   {"x-emulator-fault", "delay-ms=1;upload-keep=2"}});
  BOOST_TEST(delayed.status == 200u, delayed.body);
  BOOST_TEST(query(k, t2).header("x-goog-upload-size-received") == "8");
}

BOOST_AUTO_TEST_CASE(file_state_follows_the_virtual_clock) {
  emu::options o;
  o.file_processing_duration = std::chrono::seconds(5);
  emu::server srv(o);
  client c(srv);
  const auto png = gemini::emulator::detail::make_png(640, 480, 1);
  const auto f = upload(c, png, "image/png");
  const std::string name(f.at("name").as_string());
  BOOST_TEST(c.get("/v1beta/" + name).obj().at("state").as_string() == "PROCESSING");

  const json::object image{{"type", "image"}, {"uri", f.at("uri")}, {"mime_type", "image/png"}};
  auto early = c.post("/v1beta/interactions", with_blocks(json::array{image}));
  BOOST_TEST(early.status == 400u);
  BOOST_TEST(error_code_of(early) == "failed_precondition");

  srv.advance(std::chrono::seconds(5));
  BOOST_TEST(c.get("/v1beta/" + name).obj().at("state").as_string() == "ACTIVE");
  auto ok = c.post("/v1beta/interactions", with_blocks(json::array{json::object{{"type", "text"}, {"text", "What is it?"}}, image}));
  BOOST_TEST_REQUIRE(ok.status == 200u, ok.body);
  BOOST_TEST(output_text(ok.obj()).find("Image 1: image/png, 640x480.") != std::string::npos, output_text(ok.obj()));

  const json::object unknown{{"type", "video"}, {"uri", "https://x/v1beta/files/nope"}, {"mime_type", "video/mp4"}};
  auto missing = c.post("/v1beta/interactions", with_blocks(json::array{unknown}));
  BOOST_TEST(missing.status == 403u);
}

BOOST_AUTO_TEST_CASE(inline_images_are_described) {
  emu::server srv;
  client c(srv);
  const auto png = gemini::emulator::detail::make_png(33, 7, 9);
  std::string gif = "GIF89a";
  gif += std::string("\x20\x01\x10\x00\x00\x00\x00", 7);
  const json::array blocks{
      json::object{{"type", "image"}, {"data", gemini::emulator::detail::base64(png)}, {"mime_type", "image/png"}},
      json::object{{"type", "image"}, {"data", gemini::emulator::detail::base64(gif)}, {"mime_type", "image/gif"}},
      json::object{{"type", "audio"}, {"data", gemini::emulator::detail::base64("RIFF1234")}, {"mime_type", "audio/wav"}},
      json::object{{"type", "text"}, {"text", "Describe."}}};
  auto r = c.post("/v1beta/interactions", with_blocks(blocks));
  BOOST_TEST_REQUIRE(r.status == 200u, r.body);
  const auto text = output_text(r.obj());
  BOOST_TEST(text.find("Image 1: image/png, 33x7. Image 2: image/gif, 288x16. Audio 1: audio/wav, 8 bytes.") !=
                 std::string::npos,
             text);
  auto bad = c.post("/v1beta/interactions",
                    with_blocks(json::array{json::object{{"type", "image"}, {"data", "@@@"}, {"mime_type", "image/png"}}}));
  BOOST_TEST(bad.status == 400u);
}

// Asks for an image of `ratio` and checks the PNG the answer holds: width x height pixels.
void expect_png_output(client& c, const char* ratio, std::uint32_t width, std::uint32_t height,
                       const client::headers& headers = {}) {
  auto body = model_request("Draw a lighthouse.");
  body["response_format"] = json::object{{"type", "image"}, {"aspect_ratio", ratio}};
  auto r = c.post("/v1beta/interactions", body, headers);
  BOOST_TEST_REQUIRE(r.status == 200u, r.body);
  const json::object* image = nullptr;
  const auto answer = r.obj();
  for (const auto& s : answer.at("steps").as_array())
    if (s.at("type").as_string() == "model_output")
      for (const auto& b : s.at("content").as_array())
        if (b.at("type").as_string() == "image") image = &b.as_object();
  BOOST_TEST_REQUIRE(image);
  BOOST_TEST(image->at("mime_type").as_string() == "image/png");
  const auto png = gemini::emulator::detail::base64_decode(image->at("data").as_string());
  BOOST_TEST_REQUIRE(png.has_value());
  auto [w, h, raw] = check_png(*png);
  BOOST_TEST(w == width);
  BOOST_TEST(h == height);
  BOOST_TEST(raw.size() == h * (1 + 3 * w));
}

BOOST_AUTO_TEST_CASE(image_output_is_a_valid_png_sized_by_aspect_ratio) {
  emu::server srv;
  client c(srv);
  for (auto [ratio, height] : {std::pair{"16:9", 36u}, std::pair{"1:1", 64u}, std::pair{"2:3", 96u}})
    expect_png_output(c, ratio, 64, height);
  // response_modalities works too; an unknown aspect ratio is refused.
  auto body = model_request("Draw.");
  body["response_modalities"] = json::array{"TEXT", "IMAGE"};
  auto r = c.post("/v1beta/interactions", body);
  BOOST_TEST(r.body.find("\"type\":\"image\"") != std::string::npos);
  body.erase("response_modalities");
  body["response_format"] = json::array{json::object{{"type", "text"}}, json::object{{"type", "image"}, {"aspect_ratio", "7:5"}}};
  BOOST_TEST(c.post("/v1beta/interactions", body).status == 400u);
}

// Large inline images for tests and benchmarks: the width comes from a header, the height from
// the aspect ratio, and the whole image stays within 4096 x 4096 pixels.
BOOST_AUTO_TEST_CASE(image_width_header_sizes_the_png) {
  emu::server srv;
  client c(srv);
  expect_png_output(c, "16:9", 300, 169, {{"x-emulator-image-width", "300"}});
  expect_png_output(c, "4:1", 1000, 250, {{"x-emulator-image-width", "1000"}});
  auto body = model_request("Draw.");
  body["response_format"] = json::object{{"type", "image"}, {"aspect_ratio", "1:8"}};
  for (const char* width : {"0", "4097", "12x", "", "-5"})
    BOOST_TEST(c.post("/v1beta/interactions", body, {{"x-emulator-image-width", width}}).status == 400u, width);
  const auto too_many_pixels = c.post("/v1beta/interactions", body, {{"x-emulator-image-width", "4096"}});
  BOOST_TEST(too_many_pixels.status == 400u);
  BOOST_TEST(too_many_pixels.body.find("4096 x 4096") != std::string::npos, too_many_pixels.body);
  BOOST_TEST(c.post("/v1beta/interactions", body, {{"x-emulator-image-width", "100"}}).status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
