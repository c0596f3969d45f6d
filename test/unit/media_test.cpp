// Content helpers without I/O beyond temp files: base64, MIME sniffing, image headers, block
// factories and decoding; and the sans-io pieces of the Files API client.
#include "files_sansio.hpp"

#include <gemini/files.hpp>
#include <gemini/media.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using gemini::base64_decode;
using gemini::base64_encode;

namespace {

std::vector<std::byte> bytes_of(std::string_view s)
{
    // Not memcpy: for an empty input both pointers may be null, which memcpy does not allow.
    std::vector<std::byte> out(s.size());
    std::transform(s.begin(), s.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
    return out;
}

std::string string_of(const std::vector<std::byte>& v) { return {reinterpret_cast<const char*>(v.data()), v.size()}; }

std::string random_bytes(std::size_t n, unsigned seed)
{
    std::mt19937 gen(seed);
    std::string out(n, '\0');
    for (auto& c : out)
        c = static_cast<char>(gen() & 0xff);
    return out;
}

// A PNG signature and IHDR chunk (enough for the header readers).
std::string png_header(std::uint32_t w, std::uint32_t h)
{
    std::string s = "\x89PNG\r\n\x1a\n";
    s += std::string("\0\0\0\x0dIHDR", 8);
    for (std::uint32_t v : {w, h})
        for (int shift = 24; shift >= 0; shift -= 8)
            s += static_cast<char>((v >> shift) & 0xff);
    s += std::string("\x08\x02\0\0\0\0\0\0\0", 9);
    return s;
}

// SOI, an APP0 segment, then SOF0 with the given size.
std::string jpeg_header(std::uint16_t w, std::uint16_t h)
{
    std::string s = "\xff\xd8";
    s += std::string("\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    s += std::string("\xff\xc0\x00\x11\x08", 5);
    s += static_cast<char>(h >> 8);
    s += static_cast<char>(h & 0xff);
    s += static_cast<char>(w >> 8);
    s += static_cast<char>(w & 0xff);
    s += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
    return s;
}

struct temp_dir
{
    fs::path path = fs::temp_directory_path() / ("gemini-media-unit-" + std::to_string(std::random_device{}()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() { fs::remove_all(path); }
    fs::path write(const std::string& name, std::string_view data) const
    {
        const auto p = path / name;
        std::ofstream(p, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
        return p;
    }
};

bool is_invalid_argument(const gemini::error& e) { return e.code() == gemini::errc::invalid_argument; }

} // namespace

BOOST_AUTO_TEST_SUITE(media_helpers)

BOOST_AUTO_TEST_CASE(base64_known_vectors)
{
    const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors)
    {
        BOOST_TEST(base64_encode(plain) == encoded);
        BOOST_TEST(string_of(base64_decode(encoded)) == plain);
    }
    // Missing padding is accepted; bytes above 0x7f and the + / characters round trip.
    BOOST_TEST(string_of(base64_decode("Zm9vYg")) == "foob");
    BOOST_TEST(base64_encode(std::string_view("\xfb\xff\xbf", 3)) == "+/+/");
}

BOOST_AUTO_TEST_CASE(base64_streaming_equals_one_shot_for_every_split)
{
    for (std::size_t n = 0; n <= 20; ++n)
    {
        const auto data = random_bytes(n, static_cast<unsigned>(n));
        const auto whole = base64_encode(data);
        for (std::size_t a = 0; a <= n; ++a)
            for (std::size_t b = a; b <= n; ++b)
            {
                gemini::base64_encoder enc;
                std::string out;
                const auto bytes = bytes_of(data);
                enc.update(std::span(bytes).subspan(0, a), out);
                enc.update(std::span(bytes).subspan(a, b - a), out);
                enc.update(std::span(bytes).subspan(b), out);
                enc.finish(out);
                BOOST_TEST(out == whole, "n=" << n << " a=" << a << " b=" << b);

                gemini::base64_decoder dec;
                std::vector<std::byte> back;
                const std::string_view text(whole);
                const auto ta = std::min(a, text.size()), tb = std::min(b, text.size());
                dec.update(text.substr(0, ta), back);
                dec.update(text.substr(ta, tb - ta), back);
                dec.update(text.substr(tb), back);
                dec.finish(back);
                BOOST_TEST(string_of(back) == data, "n=" << n << " a=" << a << " b=" << b);
            }
    }
}

BOOST_AUTO_TEST_CASE(base64_large_input_in_uneven_pieces)
{
    const auto data = random_bytes(1'000'001, 7);   // not a multiple of 3
    const auto whole = base64_encode(data);
    BOOST_TEST(whole.size() == (data.size() + 2) / 3 * 4);
    gemini::base64_encoder enc;
    std::string out;
    const auto bytes = bytes_of(data);
    std::mt19937 gen(3);
    for (std::size_t pos = 0; pos < bytes.size();)
    {
        const std::size_t n = std::min<std::size_t>(gen() % 70000, bytes.size() - pos);
        enc.update(std::span(bytes).subspan(pos, n), out);
        pos += n;
    }
    enc.finish(out);
    BOOST_TEST(out == whole);
    BOOST_TEST(string_of(base64_decode(whole)) == data);
}

BOOST_AUTO_TEST_CASE(base64_rejects_malformed_text)
{
    for (std::string_view bad : {"Zm9v!", "Z", "Zm9vY", "Zg==Zg==", "Zm 9v", "Z===", "Zg==="})
        BOOST_CHECK_EXCEPTION(base64_decode(bad), gemini::error, is_invalid_argument);
}

BOOST_AUTO_TEST_CASE(base64_every_byte_outside_the_alphabet_is_refused_where_it_is)
{
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int c = 0; c < 256; ++c)
    {
        const char ch = static_cast<char>(c);
        if (ch == '=')
            continue;   // padding: base64_rejects_malformed_text
        for (std::size_t pos = 0; pos < 8; ++pos)
        {
            std::string text = "QUJDREVG";   // "ABCDEF"
            text[pos] = ch;
            if (alphabet.find(ch) != std::string_view::npos)
            {
                BOOST_TEST(base64_decode(text).size() == 6u);
                continue;
            }
            // The streaming decoder appends nothing of text it refuses.
            gemini::base64_decoder dec;
            std::vector<std::byte> out(2, std::byte{7});
            const auto at_pos = [&](const gemini::error& e) {
                return is_invalid_argument(e) &&
                       std::string(e.what()).find("position " + std::to_string(pos)) != std::string::npos;
            };
            BOOST_CHECK_EXCEPTION(dec.update(text, out), gemini::error, at_pos);
            BOOST_TEST(out.size() == 2u, "byte " << c << " at " << pos);
        }
    }
}

BOOST_AUTO_TEST_CASE(magic_bytes)
{
    auto sniff = [](std::string_view s) { return gemini::sniff_mime_type(bytes_of(s)).value_or("none"); };
    BOOST_TEST(sniff(png_header(1, 1)) == "image/png");
    BOOST_TEST(sniff(jpeg_header(1, 1)) == "image/jpeg");
    BOOST_TEST(sniff("GIF89a\x01\x00\x01\x00") == "image/gif");
    BOOST_TEST(sniff(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)) == "image/webp");
    BOOST_TEST(sniff(std::string("RIFF\x10\0\0\0WAVEfmt ", 16)) == "audio/wav");
    BOOST_TEST(sniff("%PDF-1.7\n") == "application/pdf");
    BOOST_TEST(sniff("ID3\x04\x00") == "audio/mp3");
    BOOST_TEST(sniff("\xff\xfb\x90\x64") == "audio/mp3");
    BOOST_TEST(sniff("\xff\xf1\x50\x80") == "audio/aac");
    BOOST_TEST(sniff(std::string("\0\0\0\x18" "ftypmp42\0\0\0\0", 16)) == "video/mp4");
    BOOST_TEST(sniff(std::string("\0\0\0\x18" "ftypM4A \0\0\0\0", 16)) == "audio/m4a");
    BOOST_TEST(sniff(std::string("\0\0\0\x18" "ftypheic\0\0\0\0", 16)) == "image/heic");
    BOOST_TEST(sniff("\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm") == "video/webm");
    BOOST_TEST(sniff("OggS\0\x02") == "audio/ogg");
    BOOST_TEST(sniff("fLaC\0\0\0\x22") == "audio/flac");
    BOOST_TEST(sniff("hello, world") == "none");
    BOOST_TEST(sniff("") == "none");
}

BOOST_AUTO_TEST_CASE(extensions)
{
    BOOST_TEST(gemini::mime_type_from_extension("a/b/photo.JPG").value_or("") == "image/jpeg");
    BOOST_TEST(gemini::mime_type_from_extension("clip.webm").value_or("") == "video/webm");
    BOOST_TEST(gemini::mime_type_from_extension("song.mp3").value_or("") == "audio/mp3");
    BOOST_TEST(gemini::mime_type_from_extension("table.csv").value_or("") == "text/csv");
    BOOST_TEST(!gemini::mime_type_from_extension("archive.xyz"));
    BOOST_TEST(!gemini::mime_type_from_extension("README"));
    BOOST_TEST((gemini::media_kind_of("video/mp4") == gemini::media_kind::video));
    BOOST_TEST((gemini::media_kind_of("application/pdf") == gemini::media_kind::document));
}

BOOST_AUTO_TEST_CASE(blocks_from_files_magic_bytes_win)
{
    temp_dir dir;
    // Larger than one read chunk of the encoder (192 KiB) and not a multiple of 3.
    const std::string png = png_header(640, 480) + random_bytes(300'001, 11);
    const auto misnamed = dir.write("photo.jpg", png);
    const auto block = gemini::media_from_file(misnamed);
    const auto* image = block.get_if<gemini::image_content>();
    BOOST_REQUIRE(image);
    BOOST_TEST(image->mime_type.value_or("") == "image/png");
    BOOST_TEST(gemini::decode(*image).as_string() == png);

    const auto csv = dir.write("table.csv", "a,b\n1,2\n");
    const auto doc = gemini::media_from_file(csv);
    BOOST_REQUIRE(doc.get_if<gemini::document_content>());
    BOOST_TEST(doc.get_if<gemini::document_content>()->mime_type.value_or("") == "text/csv");

    const auto unknown = dir.write("blob.bin", "no magic here");
    BOOST_CHECK_EXCEPTION(gemini::media_from_file(unknown), gemini::error, is_invalid_argument);
    const auto forced = gemini::media_from_file(unknown, "audio/l16");
    BOOST_REQUIRE(forced.get_if<gemini::audio_content>());
    BOOST_TEST(gemini::decode(forced).as_string() == "no magic here");

    BOOST_CHECK_EXCEPTION(gemini::media_from_file(dir.path / "missing.png"), gemini::error, is_invalid_argument);
    // The typed factory forces the block type.
    const auto as_image = gemini::image_from_file(unknown, "application/octet-stream");
    BOOST_TEST(as_image.is<gemini::image_content>());
}

BOOST_AUTO_TEST_CASE(blocks_from_bytes_and_uris)
{
    const auto jpeg = jpeg_header(32, 16);
    const auto b = gemini::media_from_bytes(std::string_view(jpeg));
    BOOST_TEST(b.type() == "image");
    BOOST_TEST(b.get_if<gemini::image_content>()->mime_type.value_or("") == "image/jpeg");
    BOOST_CHECK_EXCEPTION(gemini::media_from_bytes(std::string_view("plain text")), gemini::error, is_invalid_argument);

    const auto u = gemini::media_from_uri("https://example.com/v1beta/files/abc", "video/mp4");
    BOOST_REQUIRE(u.get_if<gemini::video_content>());
    BOOST_TEST(u.get_if<gemini::video_content>()->uri.value_or("") == "https://example.com/v1beta/files/abc");
    BOOST_TEST(!u.get_if<gemini::video_content>()->data);
    // A uri-only block has nothing to decode; neither has text.
    BOOST_CHECK_EXCEPTION(gemini::decode(u), gemini::error, is_invalid_argument);
    BOOST_CHECK_EXCEPTION(gemini::decode(gemini::content::text("hi")), gemini::error, is_invalid_argument);
}

BOOST_AUTO_TEST_CASE(save_decodes_in_chunks_to_the_same_bytes)
{
    temp_dir dir;
    const auto data = random_bytes(700'003, 5);   // several decode chunks of 256 KiB text
    const auto block = gemini::media_from_bytes(std::string_view(data), "video/webm");
    gemini::save(block, dir.path / "out.webm");
    std::ifstream in(dir.path / "out.webm", std::ios::binary);
    const std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BOOST_TEST(back == data);

    const auto decoded = gemini::decode(block);
    BOOST_TEST(decoded.mime_type == "video/webm");
    decoded.save(dir.path / "copy.webm");
    BOOST_TEST(fs::file_size(dir.path / "copy.webm") == data.size());
}

BOOST_AUTO_TEST_CASE(image_header_dimensions)
{
    using gemini::image_dimensions;
    using gemini::image_size;
    BOOST_TEST((image_dimensions(png_header(640, 480)) == image_size{640, 480}));
    BOOST_TEST((image_dimensions(jpeg_header(320, 200)) == image_size{320, 200}));
    BOOST_TEST((image_dimensions(std::string_view("GIF89a\x20\x01\x10\x00", 10)) == image_size{288, 16}));
    // VP8X: 24-bit width-1 / height-1 at offsets 24 and 27.
    std::string webp("RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\x7f\x02\0\xdf\x01\0", 30);
    BOOST_TEST((image_dimensions(webp) == image_size{640, 480}));
    BOOST_TEST(!image_dimensions(png_header(640, 480).substr(0, 20)));
    BOOST_TEST(!image_dimensions(jpeg_header(1, 1).substr(0, 22)));
    BOOST_TEST(!image_dimensions(std::string_view("not an image")));
}

BOOST_AUTO_TEST_CASE(image_response_format)
{
    const auto rf = gemini::image_response("16:9", "1K");
    const auto* one = std::get_if<gemini::output_format>(&rf);
    BOOST_REQUIRE(one);
    const auto* img = one->get_if<gemini::image_format>();
    BOOST_REQUIRE(img);
    BOOST_TEST(img->aspect_ratio.value_or("") == "16:9");
    BOOST_TEST(img->image_size.value_or("") == "1K");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(files_sansio)

BOOST_AUTO_TEST_CASE(session_url_keeps_path_and_query_only)
{
    using gemini::detail::upload_target;
    BOOST_TEST(upload_target("https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=AB-c&upload_protocol=resumable") ==
               "/upload/v1beta/files?upload_id=AB-c&upload_protocol=resumable");
    BOOST_TEST(upload_target("http://localhost:1234/proxy/upload/v1beta/files?upload_id=x") ==
               "/proxy/upload/v1beta/files?upload_id=x");
    BOOST_TEST(upload_target("").empty());
    BOOST_TEST(upload_target("https://host").empty());
}

BOOST_AUTO_TEST_CASE(file_names)
{
    using gemini::detail::file_resource_name;
    BOOST_TEST(file_resource_name("files/abc") == "files/abc");
    BOOST_TEST(file_resource_name("abc") == "files/abc");
    BOOST_TEST(file_resource_name("https://h/v1beta/files/abc") == "files/abc");
    BOOST_TEST(file_resource_name("").empty());
    BOOST_TEST(file_resource_name("files/").empty());
    BOOST_TEST(file_resource_name("a/b").empty());
}

BOOST_AUTO_TEST_CASE(upload_status_headers)
{
    using gemini::detail::parse_upload_status;
    auto s = parse_upload_status("active", "1048576");
    BOOST_TEST(s.active);
    BOOST_TEST(!s.final);
    BOOST_TEST(s.received.value_or(0) == 1048576u);
    BOOST_TEST(parse_upload_status("final", "").final);
    BOOST_TEST(!parse_upload_status("active", "12x").received);
    BOOST_TEST(!parse_upload_status("", "").active);
}

BOOST_AUTO_TEST_CASE(chunk_backoff_doubles_and_caps)
{
    using namespace std::chrono_literals;
    using gemini::detail::chunk_backoff;
    BOOST_TEST(chunk_backoff(1, 500ms, 8000ms).count() == 500);
    BOOST_TEST(chunk_backoff(2, 500ms, 8000ms).count() == 1000);
    BOOST_TEST(chunk_backoff(3, 500ms, 8000ms).count() == 2000);
    BOOST_TEST(chunk_backoff(10, 500ms, 8000ms).count() == 8000);
}

BOOST_AUTO_TEST_CASE(file_resources)
{
    const auto f = gemini::parse_file(boost::json::parse(
        R"({"file":{"name":"files/abc","displayName":"clip","mimeType":"video/mp4","sizeBytes":"52428800",)"
        R"("state":"PROCESSING","uri":"https://h/v1beta/files/abc","sha256Hash":"xyz","videoMetadata":{"a":1}}})"));
    BOOST_TEST(f.name == "files/abc");
    BOOST_TEST(f.display_name == "clip");
    BOOST_TEST(f.size_bytes.value_or(0) == 52428800);
    BOOST_TEST(!f.is_active());
    BOOST_TEST(f.extra.contains("videoMetadata"));
    const auto block = f.as_content();
    BOOST_REQUIRE(block.get_if<gemini::video_content>());
    BOOST_TEST(block.get_if<gemini::video_content>()->uri.value_or("") == "https://h/v1beta/files/abc");

    const auto g = gemini::parse_file(boost::json::parse(R"({"name":"files/x","state":"ACTIVE","sizeBytes":7})"));
    BOOST_TEST(g.is_active());
    BOOST_TEST(g.size_bytes.value_or(0) == 7);
    BOOST_CHECK_THROW(gemini::parse_file(boost::json::parse(R"({"uri":"u"})")), std::invalid_argument);
    // A size beyond int64 threw Boost.JSON's system_error, not the documented invalid_argument.
    for (const char* size : {R"(18446744073709551615)", R"(-5)", R"("-5")"})
        BOOST_CHECK_THROW(gemini::parse_file(boost::json::parse(std::string(R"({"name":"files/x","sizeBytes":)") + size + "}")),
                          std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
