// Multimodal input and output end to end: content helpers → HTTPS → emulator → typed answer.

#include "integration/fixture.hpp"
#include "integration/process.hpp"

#include "emulator/media.hpp"

#include <gemini/media.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

namespace asio = boost::asio;
namespace fs = std::filesystem;
using gemini::test::emulator_fixture;
using gemini::test::read_text;
using gemini::test::temp_dir;

namespace {

// SOI, APP0, SOF0 of a w x h baseline JPEG: enough for a header reader.
std::string jpeg_header(std::uint16_t w, std::uint16_t h)
{
    std::string s = "\xff\xd8";
    s += std::string("\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    s += std::string("\xff\xc0\x00\x11\x08", 5);
    s += {static_cast<char>(h >> 8), static_cast<char>(h & 0xff), static_cast<char>(w >> 8), static_cast<char>(w & 0xff)};
    s += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
    return s;
}

gemini::request with_input(std::vector<gemini::content> blocks)
{
    return gemini::request{.model = "gemini-3.5-flash", .input = std::move(blocks)};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(multimodal, emulator_fixture)

BOOST_AUTO_TEST_CASE(image_understanding_reads_png_and_jpeg_headers)
{
    temp_dir dir;
    const auto png = gemini::emulator::detail::make_png(640, 480, 42);
    const auto jpeg = jpeg_header(320, 200);
    // A PNG saved under a .jpg name: the magic bytes decide.
    const auto misnamed = dir.path / "scan.jpg";
    std::ofstream(misnamed, std::ios::binary).write(png.data(), static_cast<std::streamsize>(png.size()));

    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto op = c.create(with_input({gemini::content::text("What do you see?"), gemini::media_from_bytes(std::string_view(png)),
                                       gemini::media_from_bytes(std::string_view(jpeg)),
                                       gemini::media_from_file(misnamed)}));
        auto answer = co_await std::move(op);
        const auto text = answer.output_text();
        BOOST_TEST(text.find("Image 1: image/png, 640x480. Image 2: image/jpeg, 320x200. Image 3: image/png, 640x480.") !=
                       std::string::npos,
                   text);
        BOOST_TEST(text.find("You said: What do you see?") != std::string::npos);
    }());
}

BOOST_AUTO_TEST_CASE(image_generation_decodes_to_a_png_of_the_requested_shape)
{
    temp_dir dir;
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        gemini::request req{.model = "gemini-3.5-flash", .input = "Draw a lighthouse at dusk.",
                            .response_format = gemini::image_response("16:9")};
        auto op = c.create(req);
        auto answer = co_await std::move(op);
        const auto* image = answer.output_image();
        BOOST_REQUIRE(image);
        const auto bytes = gemini::decode(*image);
        BOOST_TEST(bytes.mime_type == "image/png");
        BOOST_TEST(bytes.as_string().substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8));
        const auto size = gemini::image_dimensions(bytes.data);
        BOOST_REQUIRE(size);
        BOOST_TEST(size->width == 64u);
        BOOST_TEST(size->height == 36u);

        // Saving streams the base64 into a file: the same bytes.
        const auto path = dir.path / "lighthouse.png";
        gemini::save(*image, path);
        BOOST_TEST(read_text(path.string()) == bytes.as_string());

        // The streamed answer folds into the same image (same request, same history digest).
        auto open = c.stream(req);
        auto stream = co_await std::move(open);
        auto fold = stream.collect();
        auto folded = co_await std::move(fold);
        const auto* streamed = folded.output_image();
        BOOST_REQUIRE(streamed);
        BOOST_TEST(streamed->data.value_or("") == image->data.value_or("-"));

        // Square by default; a different prompt gives different pixels.
        gemini::request square{.model = "gemini-3.5-flash", .input = "Draw a tree.",
                               .response_format = gemini::image_response()};
        auto op2 = c.create(square);
        auto tree = co_await std::move(op2);
        BOOST_REQUIRE(tree.output_image());
        const auto tree_bytes = gemini::decode(*tree.output_image());
        BOOST_TEST((gemini::image_dimensions(tree_bytes.data) == gemini::image_size{64, 64}));
    }());
}

BOOST_AUTO_TEST_CASE(bad_media_is_refused_before_sending)
{
    BOOST_CHECK_THROW(gemini::media_from_bytes(std::string_view("just text")), gemini::error);
    BOOST_CHECK_THROW(gemini::media_from_file("/nonexistent/file.png"), gemini::error);
}

BOOST_AUTO_TEST_SUITE_END()
