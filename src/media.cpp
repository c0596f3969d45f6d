// Content helpers: base64 (encoded by OpenSSL, decoded here), MIME sniffing, image headers, block factories.
#include <gemini/error.hpp>
#include <gemini/media.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>

namespace gemini {
namespace {

[[noreturn]] void reject(std::string message)
{
    diagnostics diag;
    diag.operation = "media";
    diag.library_message = std::move(message);
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

const unsigned char* bytes_of(std::span<const std::byte> s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::span<const std::byte> as_bytes(std::string_view s)
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// Input read per step when encoding a file: a multiple of 3, so no carry between steps.
constexpr std::size_t file_chunk = 3 * 64 * 1024;
// Base64 text decoded per step when saving to a file: a multiple of 4.
constexpr std::size_t text_chunk = 4 * 64 * 1024;

// The 6 bits of each base64 character, shifted to its place in a 4-character group (one table
// per place), so that a group is four lookups OR-ed; bit 31 marks a byte outside the alphabet
// ('=' included: padding is taken apart before the tables are used).
constexpr std::uint32_t b64_invalid = 0x8000'0000;
constexpr auto b64_places = [] {
    std::array<std::array<std::uint32_t, 256>, 4> places{};
    for (auto& place : places)
        place.fill(b64_invalid);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::uint32_t v = 0; v < alphabet.size(); ++v)
        for (std::size_t k = 0; k < 4; ++k)
            places[k][static_cast<unsigned char>(alphabet[v])] = v << (18 - 6 * k);
    return places;
}();

// `word` as its bytes are stored most significant first.
std::uint32_t big_endian_word(std::uint32_t word) noexcept
{
    if constexpr (std::endian::native == std::endian::little)
        return __builtin_bswap32(word);
    else
        return word;
}

std::uint32_t group_bits(const unsigned char* in) noexcept
{
    return b64_places[0][in[0]] | b64_places[1][in[1]] | b64_places[2][in[2]] | b64_places[3][in[3]];
}

// Decodes whole 4-character groups, the last of which may be padded. One pass with tables:
// OpenSSL's EVP_DecodeBlock behind a validation loop cost 20 instructions a character (an
// inline image is megabytes of it), this about 4. An invalid character is looked for only once
// the pass has seen one, and then nothing is appended to `out`.
void decode_groups(std::string_view groups, std::vector<std::byte>& out)
{
    if (groups.empty())
        return;
    std::size_t pads = 0;
    while (pads < groups.size() && groups[groups.size() - 1 - pads] == '=')
        ++pads;
    if (pads > 2)
        reject("base64: too much padding");
    const auto* in = reinterpret_cast<const unsigned char*>(groups.data());
    const std::size_t chars = groups.size() - pads;   // groups.size() is a multiple of 4
    const std::size_t old = out.size();
    out.resize(old + chars * 3 / 4);   // a padded group of 2 or 3 characters gives 1 or 2 bytes
    auto* o = reinterpret_cast<unsigned char*>(out.data() + old);
    std::uint32_t seen = 0;   // the groups' bits OR-ed: b64_invalid set when a byte was not base64
    std::size_t i = 0;
    // Four bytes stored per group, the fourth overwritten by the next group: while another
    // group of 3 bytes follows, the output has room for it.
    for (; i + 8 <= chars; i += 4, o += 3)
    {
        const std::uint32_t bits = group_bits(in + i);
        seen |= bits;
        const std::uint32_t big_endian = big_endian_word(bits << 8);   // the 3 bytes first, in order
        std::memcpy(o, &big_endian, 4);
    }
    // The last one or two groups, 3 bytes each, or 1 or 2 for the 2 or 3 characters before the
    // padding (the missing ones read as 'A', zero bits).
    for (; i < chars; i += 4, o += 3)
    {
        const std::size_t n = std::min<std::size_t>(4, chars - i);
        unsigned char group[4] = {'A', 'A', 'A', 'A'};
        std::memcpy(group, in + i, n);
        const std::uint32_t bits = group_bits(group);
        seen |= bits;
        const unsigned char bytes[3] = {static_cast<unsigned char>(bits >> 16), static_cast<unsigned char>(bits >> 8),
                                        static_cast<unsigned char>(bits)};
        std::memcpy(o, bytes, n * 3 / 4);
    }
    if (seen & b64_invalid)
    {
        out.resize(old);
        const auto bad = std::find_if(in, in + chars, [](unsigned char c) { return b64_places[0][c] == b64_invalid; });
        reject("base64: invalid character at position " + std::to_string(bad - in));
    }
}

std::uint32_t be16(const unsigned char* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
std::uint32_t be32(const unsigned char* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le16(const unsigned char* p) { return (std::uint32_t(p[1]) << 8) | p[0]; }
std::uint32_t le24(const unsigned char* p) { return le16(p) | (std::uint32_t(p[2]) << 16); }

std::string lower_ascii(std::string s)
{
    for (auto& c : s)
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}

template <class Block>
content make_block(std::optional<std::string> data, std::optional<std::string> uri, std::string mime_type)
{
    Block b;
    b.data = std::move(data);
    b.uri = std::move(uri);
    b.mime_type = std::move(mime_type);
    return content(std::move(b));
}

content block_of_kind(media_kind kind, std::optional<std::string> data, std::optional<std::string> uri,
                      std::string mime_type)
{
    switch (kind)
    {
    case media_kind::image: return make_block<image_content>(std::move(data), std::move(uri), std::move(mime_type));
    case media_kind::audio: return make_block<audio_content>(std::move(data), std::move(uri), std::move(mime_type));
    case media_kind::video: return make_block<video_content>(std::move(data), std::move(uri), std::move(mime_type));
    case media_kind::document: break;
    }
    return make_block<document_content>(std::move(data), std::move(uri), std::move(mime_type));
}

std::string mime_for_bytes(std::span<const std::byte> bytes, std::optional<std::string> mime_type)
{
    if (mime_type && !mime_type->empty())
        return std::move(*mime_type);
    if (auto sniffed = sniff_mime_type(bytes))
        return std::move(*sniffed);
    reject("cannot tell the MIME type of these bytes: pass one explicitly");
}

struct encoded_file
{
    std::string base64;
    std::string mime_type;
};

// Reads `path` in chunks and encodes it; the MIME type comes from the caller, the magic bytes
// or the extension, in that order.
encoded_file encode_file(const std::filesystem::path& path, std::optional<std::string> mime_type)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        reject("cannot read '" + path.string() + "': " + ec.message());
    std::ifstream in(path, std::ios::binary);
    if (!in)
        reject("cannot open '" + path.string() + "'");
    std::vector<std::byte> buffer(static_cast<std::size_t>(std::min<std::uintmax_t>(size, file_chunk)));
    encoded_file out;
    out.base64.reserve(static_cast<std::size_t>((size + 2) / 3 * 4));
    base64_encoder enc;
    bool first = true;
    std::uintmax_t done = 0;
    while (done < size)
    {
        const auto want = static_cast<std::size_t>(std::min<std::uintmax_t>(buffer.size(), size - done));
        in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(want));
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0)
            reject("cannot read '" + path.string() + "': file shrank while reading");
        const std::span<const std::byte> piece(buffer.data(), got);
        if (first && !(mime_type && !mime_type->empty()))
            mime_type = sniff_mime_type(piece);
        first = false;
        enc.update(piece, out.base64);
        done += got;
    }
    enc.finish(out.base64);
    if (!mime_type || mime_type->empty())
        mime_type = mime_type_from_extension(path);
    if (!mime_type)
        reject("cannot tell the MIME type of '" + path.string() + "': pass one explicitly");
    out.mime_type = std::move(*mime_type);
    return out;
}

template <class Block>
const std::string& inline_data(const Block& b)
{
    if (!b.data)
        reject(b.uri ? "the block refers to its media by uri (" + *b.uri + "); it has no inline data"
                     : std::string("the block has no inline data"));
    return *b.data;
}

template <class Block>
media_bytes decode_block(const Block& b)
{
    media_bytes out;
    out.data = base64_decode(inline_data(b));
    out.mime_type = b.mime_type.value_or("");
    return out;
}

void save_base64(const std::string& text, const std::filesystem::path& path)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        reject("cannot write '" + path.string() + "'");
    base64_decoder dec;
    std::vector<std::byte> buffer;
    buffer.reserve(text_chunk / 4 * 3);
    for (std::size_t pos = 0; pos < text.size(); pos += text_chunk)
    {
        buffer.clear();
        dec.update(std::string_view(text).substr(pos, text_chunk), buffer);
        out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
    }
    buffer.clear();
    dec.finish(buffer);
    out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
    if (!out.flush())
        reject("cannot write '" + path.string() + "'");
}

} // namespace

// ---- base64 ----------------------------------------------------------------------------------

std::string base64_encode(std::span<const std::byte> bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    base64_encoder enc;
    enc.update(bytes, out);
    enc.finish(out);
    return out;
}

std::string base64_encode(std::string_view bytes) { return base64_encode(as_bytes(bytes)); }

std::vector<std::byte> base64_decode(std::string_view text)
{
    std::vector<std::byte> out;
    out.reserve(text.size() / 4 * 3 + 3);
    base64_decoder dec;
    dec.update(text, out);
    dec.finish(out);
    return out;
}

void base64_encoder::update(std::span<const std::byte> bytes, std::string& out)
{
    const unsigned char* p = bytes_of(bytes);
    std::size_t n = bytes.size();
    while (carried_ > 0 && carried_ < 3 && n > 0)
    {
        carry_[carried_++] = *p++;
        --n;
    }
    auto emit = [&out](const unsigned char* in, std::size_t len) {
        const std::size_t old = out.size();
        out.resize(old + (len + 2) / 3 * 4 + 1);   // EVP_EncodeBlock writes a terminating NUL
        const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + old), in, static_cast<int>(len));
        out.resize(old + static_cast<std::size_t>(written));
    };
    if (carried_ == 3)
    {
        emit(carry_, 3);
        carried_ = 0;
    }
    // OpenSSL takes an int length: encode in bounded slices.
    constexpr std::size_t slice = 3 * (1u << 20);
    while (n >= 3)
    {
        const std::size_t len = std::min(slice, n / 3 * 3);
        emit(p, len);
        p += len;
        n -= len;
    }
    for (; n > 0; --n)
        carry_[carried_++] = *p++;
}

void base64_encoder::finish(std::string& out)
{
    if (carried_ > 0)
    {
        unsigned char buf[5];
        const int written = EVP_EncodeBlock(buf, carry_, static_cast<int>(carried_));
        out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(written));
    }
    carried_ = 0;
}

void base64_decoder::update(std::string_view text, std::vector<std::byte>& out)
{
    while (!text.empty())
    {
        if (ended_)
            reject("base64: data after the padding");
        if (carried_ > 0)
        {
            while (carried_ < 4 && !text.empty())
            {
                carry_[carried_++] = text.front();
                text.remove_prefix(1);
            }
            if (carried_ < 4)
                return;
            const std::string_view group(carry_, 4);
            decode_groups(group, out);
            ended_ = group.back() == '=';
            carried_ = 0;
            continue;
        }
        std::size_t whole = text.size() / 4 * 4;
        if (whole > 0)
        {
            // A padded group ends the data: it must be the last group of the text.
            const auto pad = text.substr(0, whole).find('=');
            if (pad != std::string_view::npos)
                whole = (pad / 4 + 1) * 4;
            decode_groups(text.substr(0, whole), out);
            ended_ = pad != std::string_view::npos;
            text.remove_prefix(whole);
            if (ended_ && !text.empty())
                reject("base64: data after the padding");
        }
        std::copy(text.begin(), text.end(), carry_);
        carried_ = text.size();
        return;
    }
}

void base64_decoder::finish(std::vector<std::byte>& out)
{
    if (carried_ == 1)
        reject("base64: truncated input (one character left over)");
    if (carried_ > 1)
    {
        char group[4] = {'=', '=', '=', '='};
        std::copy(carry_, carry_ + carried_, group);
        decode_groups(std::string_view(group, 4), out);
    }
    carried_ = 0;
    ended_ = false;
}

// ---- MIME types ------------------------------------------------------------------------------

std::optional<std::string> sniff_mime_type(std::span<const std::byte> head)
{
    const unsigned char* p = bytes_of(head);
    const std::size_t n = head.size();
    auto at = [&](std::size_t off, std::string_view magic) {
        return n >= off + magic.size() && std::memcmp(p + off, magic.data(), magic.size()) == 0;
    };
    if (at(0, "\x89PNG\r\n\x1a\n"))
        return "image/png";
    if (at(0, "\xff\xd8\xff"))
        return "image/jpeg";
    if (at(0, "GIF87a") || at(0, "GIF89a"))
        return "image/gif";
    if (at(0, "RIFF") && at(8, "WEBP"))
        return "image/webp";
    if (at(0, "RIFF") && at(8, "WAVE"))
        return "audio/wav";
    if (at(0, "RIFF") && at(8, "AVI "))
        return "video/avi";
    if (at(0, "FORM") && (at(8, "AIFF") || at(8, "AIFC")))
        return "audio/aiff";
    if (at(0, "%PDF-"))
        return "application/pdf";
    if (at(0, "II*\0") || at(0, std::string_view("MM\0*", 4)))
        return "image/tiff";
    if (at(0, "fLaC"))
        return "audio/flac";
    if (at(0, "OggS"))
        return "audio/ogg";
    if (at(0, "ID3"))
        return "audio/mp3";
    if (at(0, "FLV\x01"))
        return "video/x-flv";
    if (at(4, "ftyp") && n >= 12)
    {
        const std::string brand(reinterpret_cast<const char*>(p + 8), 4);
        if (brand == "heic" || brand == "heix" || brand == "hevc" || brand == "hevx")
            return "image/heic";
        if (brand == "mif1" || brand == "msf1" || brand == "heif")
            return "image/heif";
        if (brand == "avif")
            return "image/avif";
        if (brand == "M4A " || brand == "M4B ")
            return "audio/m4a";
        if (brand == "qt  ")
            return "video/mov";
        if (brand.starts_with("3g"))
            return "video/3gpp";
        return "video/mp4";
    }
    if (at(0, "\x1a\x45\xdf\xa3"))
    {
        const std::string_view text(reinterpret_cast<const char*>(p), std::min<std::size_t>(n, 64));
        return text.find("webm") != std::string_view::npos ? "video/webm" : "video/x-matroska";
    }
    if (n >= 2 && p[0] == 0xff)
    {
        if ((p[1] & 0xf6) == 0xf0)
            return "audio/aac";   // ADTS: layer bits 00
        if ((p[1] & 0xe0) == 0xe0 && (p[1] & 0x06) != 0)
            return "audio/mp3";   // MPEG audio frame sync
    }
    if (at(0, "BM") && n >= 14)
        return "image/bmp";
    return std::nullopt;
}

std::optional<std::string> mime_type_from_extension(const std::filesystem::path& path)
{
    static const std::map<std::string, std::string, std::less<>> types = {
        {".png", "image/png"}, {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".jpe", "image/jpeg"},
        {".gif", "image/gif"}, {".webp", "image/webp"}, {".bmp", "image/bmp"}, {".tif", "image/tiff"},
        {".tiff", "image/tiff"}, {".heic", "image/heic"}, {".heif", "image/heif"}, {".avif", "image/avif"},
        {".wav", "audio/wav"}, {".mp3", "audio/mp3"}, {".aif", "audio/aiff"}, {".aiff", "audio/aiff"},
        {".aac", "audio/aac"}, {".ogg", "audio/ogg"}, {".oga", "audio/ogg"}, {".opus", "audio/opus"},
        {".flac", "audio/flac"}, {".m4a", "audio/m4a"}, {".weba", "audio/webm"},
        {".mp4", "video/mp4"}, {".m4v", "video/mp4"}, {".mpeg", "video/mpeg"}, {".mpg", "video/mpeg"},
        {".mov", "video/mov"}, {".avi", "video/avi"}, {".flv", "video/x-flv"}, {".webm", "video/webm"},
        {".wmv", "video/wmv"}, {".3gp", "video/3gpp"}, {".mkv", "video/x-matroska"},
        {".pdf", "application/pdf"}, {".txt", "text/plain"}, {".csv", "text/csv"}, {".html", "text/html"},
        {".htm", "text/html"}, {".md", "text/markdown"}, {".xml", "text/xml"}, {".json", "application/json"},
        {".rtf", "text/rtf"}, {".js", "text/javascript"}, {".py", "text/x-python"},
        {".doc", "application/msword"},
        {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {".xls", "application/vnd.ms-excel"},
        {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {".ppt", "application/vnd.ms-powerpoint"},
        {".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {".odt", "application/vnd.oasis.opendocument.text"},
        {".ods", "application/vnd.oasis.opendocument.spreadsheet"},
        {".odp", "application/vnd.oasis.opendocument.presentation"},
    };
    const auto ext = lower_ascii(path.extension().string());
    if (auto it = types.find(ext); it != types.end())
        return it->second;
    return std::nullopt;
}

media_kind media_kind_of(std::string_view mime_type) noexcept
{
    if (mime_type.starts_with("image/"))
        return media_kind::image;
    if (mime_type.starts_with("audio/"))
        return media_kind::audio;
    if (mime_type.starts_with("video/"))
        return media_kind::video;
    return media_kind::document;
}

// ---- building blocks ---------------------------------------------------------------------------

content media_from_bytes(std::span<const std::byte> bytes, std::optional<std::string> mime_type)
{
    auto mime = mime_for_bytes(bytes, std::move(mime_type));
    const auto kind = media_kind_of(mime);
    return block_of_kind(kind, base64_encode(bytes), std::nullopt, std::move(mime));
}

content media_from_bytes(std::string_view bytes, std::optional<std::string> mime_type)
{
    return media_from_bytes(as_bytes(bytes), std::move(mime_type));
}

content media_from_file(const std::filesystem::path& path, std::optional<std::string> mime_type)
{
    auto f = encode_file(path, std::move(mime_type));
    const auto kind = media_kind_of(f.mime_type);
    return block_of_kind(kind, std::move(f.base64), std::nullopt, std::move(f.mime_type));
}

content media_from_uri(std::string uri, std::string mime_type)
{
    if (uri.empty())
        reject("a media uri must not be empty");
    const auto kind = media_kind_of(mime_type);
    return block_of_kind(kind, std::nullopt, std::move(uri), std::move(mime_type));
}

#define GEMINI_MEDIA_FACTORIES(kind)                                                                       \
    content kind##_from_bytes(std::span<const std::byte> bytes, std::optional<std::string> mime_type)      \
    {                                                                                                      \
        auto mime = mime_for_bytes(bytes, std::move(mime_type));                                           \
        return block_of_kind(media_kind::kind, base64_encode(bytes), std::nullopt, std::move(mime));       \
    }                                                                                                      \
    content kind##_from_file(const std::filesystem::path& path, std::optional<std::string> mime_type)      \
    {                                                                                                      \
        auto f = encode_file(path, std::move(mime_type));                                                  \
        return block_of_kind(media_kind::kind, std::move(f.base64), std::nullopt, std::move(f.mime_type)); \
    }
GEMINI_MEDIA_FACTORIES(image)
GEMINI_MEDIA_FACTORIES(audio)
GEMINI_MEDIA_FACTORIES(video)
GEMINI_MEDIA_FACTORIES(document)
#undef GEMINI_MEDIA_FACTORIES

// ---- outputs -----------------------------------------------------------------------------------

void media_bytes::save(const std::filesystem::path& path) const
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out || !out.flush())
        reject("cannot write '" + path.string() + "'");
}

media_bytes decode(const image_content& block) { return decode_block(block); }
media_bytes decode(const audio_content& block) { return decode_block(block); }
media_bytes decode(const video_content& block) { return decode_block(block); }
media_bytes decode(const document_content& block) { return decode_block(block); }

media_bytes decode(const content& block)
{
    return std::visit(
        [](const auto& b) -> media_bytes {
            if constexpr (requires { b.data; b.mime_type; })
                return decode_block(b);
            else
                reject("a " + std::string(content(b).type()) + " block carries no media");
        },
        static_cast<const content::variant_type&>(block));
}

void save(const content& block, const std::filesystem::path& path)
{
    std::visit(
        [&](const auto& b) {
            if constexpr (requires { b.data; b.mime_type; })
                save_base64(inline_data(b), path);
            else
                reject("a " + std::string(content(b).type()) + " block carries no media");
        },
        static_cast<const content::variant_type&>(block));
}

void save(const image_content& block, const std::filesystem::path& path) { save_base64(inline_data(block), path); }

// ---- images ------------------------------------------------------------------------------------

std::optional<image_size> image_dimensions(std::span<const std::byte> bytes)
{
    const unsigned char* p = bytes_of(bytes);
    const std::size_t n = bytes.size();
    auto at = [&](std::size_t off, std::string_view magic) {
        return n >= off + magic.size() && std::memcmp(p + off, magic.data(), magic.size()) == 0;
    };
    if (at(0, "\x89PNG\r\n\x1a\n") && at(12, "IHDR") && n >= 24)
        return image_size{be32(p + 16), be32(p + 20)};
    if ((at(0, "GIF87a") || at(0, "GIF89a")) && n >= 10)
        return image_size{le16(p + 6), le16(p + 8)};
    if (at(0, "RIFF") && at(8, "WEBP"))
    {
        if (at(12, "VP8 ") && n >= 30 && p[23] == 0x9d && p[24] == 0x01 && p[25] == 0x2a)
            return image_size{le16(p + 26) & 0x3fff, le16(p + 28) & 0x3fff};
        if (at(12, "VP8L") && n >= 25 && p[20] == 0x2f)
        {
            const std::uint32_t bits = le24(p + 21) | (std::uint32_t(p[24]) << 24);
            return image_size{(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1};
        }
        if (at(12, "VP8X") && n >= 30)
            return image_size{le24(p + 24) + 1, le24(p + 27) + 1};
        return std::nullopt;
    }
    if (at(0, "\xff\xd8"))
    {
        std::size_t pos = 2;
        while (pos + 4 <= n)
        {
            if (p[pos] != 0xff)
                return std::nullopt;
            while (pos < n && p[pos] == 0xff)   // fill bytes
                ++pos;
            if (pos >= n)
                return std::nullopt;
            const unsigned marker = p[pos++];
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd9))
                continue;   // standalone markers
            if (pos + 2 > n)
                return std::nullopt;
            const std::uint32_t length = be16(p + pos);
            const bool sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
            if (sof)
            {
                if (pos + 7 > n)
                    return std::nullopt;
                return image_size{be16(p + pos + 5), be16(p + pos + 3)};
            }
            if (length < 2)
                return std::nullopt;
            pos += length;
        }
    }
    return std::nullopt;
}

std::optional<image_size> image_dimensions(std::string_view bytes) { return image_dimensions(as_bytes(bytes)); }

gemini::response_format image_response(std::optional<std::string> aspect_ratio, std::optional<std::string> image_size)
{
    image_format f;
    f.aspect_ratio = std::move(aspect_ratio);
    f.image_size = std::move(image_size);
    return output_format(std::move(f));
}

} // namespace gemini
