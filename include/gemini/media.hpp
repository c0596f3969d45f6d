#pragma once
// Multimodal content: building image / audio / video / document blocks from bytes, files or
// URIs, and turning inline media of an answer back into bytes or files.
//
// Media travels as base64 inside the JSON body (spec 10). Files are read and encoded in chunks:
// building a block from a file holds the base64 output plus one read buffer, never the raw file.
// For media larger than a request should carry (~100 MB, 50 MB for PDFs) use the Files API
// (gemini/files.hpp) and refer to the upload by its `uri`.

#include <gemini/model/config.hpp>
#include <gemini/model/content.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gemini {

// ---- base64 (OpenSSL) ----------------------------------------------------------------------

/// Standard base64 with padding, as the API's `data` members use.
std::string base64_encode(std::span<const std::byte> bytes);
std::string base64_encode(std::string_view bytes);

/// Decodes standard base64 (padding optional). Throws gemini::error(errc::invalid_argument)
/// on a character outside the alphabet or a truncated quantum.
std::vector<std::byte> base64_decode(std::string_view text);

/// Incremental encoder: feed any split of the input, get the same text as base64_encode of the
/// whole. Holds at most two input bytes between calls.
class base64_encoder
{
public:
    /// Appends the base64 of every complete 3-byte group seen so far to `out`.
    void update(std::span<const std::byte> bytes, std::string& out);
    /// Appends the last (padded) quantum; the encoder is then reset.
    void finish(std::string& out);

private:
    unsigned char carry_[3]{};
    std::size_t carried_ = 0;
};

/// Incremental decoder: feed any split of the text, get the bytes of base64_decode of the whole.
class base64_decoder
{
public:
    /// Appends the bytes of every complete 4-character group seen so far to `out`.
    void update(std::string_view text, std::vector<std::byte>& out);
    /// Checks that nothing incomplete is left (a lone trailing group without padding is
    /// accepted) and resets the decoder. Throws like base64_decode.
    void finish(std::vector<std::byte>& out);

private:
    char carry_[4]{};
    std::size_t carried_ = 0;
    bool ended_ = false; ///< a padded group was seen: only padding may follow
};

// ---- MIME types ------------------------------------------------------------------------------

/// The MIME type announced by the first bytes (magic numbers): PNG, JPEG, GIF, WebP, BMP, TIFF,
/// HEIC/HEIF, PDF, WAV, AIFF, MP3 (ID3 or frame sync), FLAC, OGG, MP4/MOV/M4A/3GP (ftyp),
/// WebM/MKV, AVI, FLV. 64 bytes are enough for all of them. Empty when none matches.
std::optional<std::string> sniff_mime_type(std::span<const std::byte> head);

/// The MIME type of a file name's extension (case-insensitive), e.g. ".png" → "image/png".
std::optional<std::string> mime_type_from_extension(const std::filesystem::path& path);

/// Which block type carries a MIME type: image/*, audio/*, video/*, anything else a document.
enum class media_kind
{
    image,
    audio,
    video,
    document
};
/// The block type for a MIME type (case-insensitive); anything not image, audio or video is a document.
media_kind media_kind_of(std::string_view mime_type) noexcept;

// ---- building content blocks -----------------------------------------------------------------

/// A block of the kind of `mime_type` with the bytes inline (base64). Without a MIME type the
/// bytes are sniffed; unknown bytes throw gemini::error(errc::invalid_argument).
content media_from_bytes(std::span<const std::byte> bytes, std::optional<std::string> mime_type = {});
content media_from_bytes(std::string_view bytes, std::optional<std::string> mime_type = {});

/// As media_from_bytes, for a file read and encoded in chunks. Without `mime_type`, the magic
/// bytes decide and the extension is the fallback (magic bytes win when they disagree: a PNG
/// named photo.jpg is sent as image/png). Unknown type, missing or unreadable file:
/// gemini::error(errc::invalid_argument) naming the path.
content media_from_file(const std::filesystem::path& path, std::optional<std::string> mime_type = {});

/// A block referring to media by URI (a Files API URI, or gs:// on Vertex).
content media_from_uri(std::string uri, std::string mime_type);

/// The same, forcing the block type (e.g. an image block for application/octet-stream bytes).
content image_from_bytes(std::span<const std::byte> bytes, std::optional<std::string> mime_type = {});
content audio_from_bytes(std::span<const std::byte> bytes, std::optional<std::string> mime_type = {});
content video_from_bytes(std::span<const std::byte> bytes, std::optional<std::string> mime_type = {});
content document_from_bytes(std::span<const std::byte> bytes, std::optional<std::string> mime_type = {});
content image_from_file(const std::filesystem::path& path, std::optional<std::string> mime_type = {});
content audio_from_file(const std::filesystem::path& path, std::optional<std::string> mime_type = {});
content video_from_file(const std::filesystem::path& path, std::optional<std::string> mime_type = {});
content document_from_file(const std::filesystem::path& path, std::optional<std::string> mime_type = {});

// ---- outputs -----------------------------------------------------------------------------------

/// Decoded inline media.
struct media_bytes
{
    std::string mime_type{};        ///< as the block declared it (empty when it did not)
    std::vector<std::byte> data{};

    /// Writes `data` to `path` (created or truncated). Throws gemini::error(invalid_argument)
    /// when the file cannot be written.
    void save(const std::filesystem::path& path) const;
    /// The bytes as a string (handy for comparisons and hashing).
    std::string_view as_string() const noexcept
    {
        return {reinterpret_cast<const char*>(data.data()), data.size()};
    }
};

/// Decodes a block's inline `data`. A block that has only a `uri` (or no data at all) throws
/// gemini::error(errc::invalid_argument): fetch by URI yourself.
media_bytes decode(const image_content& block);
media_bytes decode(const audio_content& block);
media_bytes decode(const video_content& block);
media_bytes decode(const document_content& block);
media_bytes decode(const content& block); ///< any media block; text throws invalid_argument

/// Decodes a block's inline data straight into a file, in chunks (never the whole decoded media
/// in memory). Throws like decode() and media_bytes::save().
void save(const content& block, const std::filesystem::path& path);
/// The same for an image block, e.g. `*answer.output_image()`.
void save(const image_content& block, const std::filesystem::path& path);

// ---- images ------------------------------------------------------------------------------------

/// An image's size in pixels, as read by image_dimensions().
struct image_size
{
    std::uint32_t width = 0;    ///< pixels
    std::uint32_t height = 0;   ///< pixels
    friend bool operator==(const image_size&, const image_size&) = default;
};

/// Width and height from the header of a PNG (IHDR), JPEG (first SOFn marker), GIF or WebP
/// (VP8, VP8L, VP8X). Empty when the bytes are none of those or the header is cut short.
std::optional<image_size> image_dimensions(std::span<const std::byte> bytes);
std::optional<image_size> image_dimensions(std::string_view bytes);

/// `response_format` asking for an image (spec 7.2): aspect ratio such as "16:9", size such as
/// "1K". Use an array (`std::vector<output_format>{text_format{}, ...}`) for text and image.
gemini::response_format image_response(std::optional<std::string> aspect_ratio = {},
                                       std::optional<std::string> image_size = {});

} // namespace gemini
