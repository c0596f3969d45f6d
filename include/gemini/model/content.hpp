#pragma once
// Content blocks: the parts of user input, model output, thought summaries and tool results.
// Media is either inline (`data`, base64) or a reference (`uri`, e.g. a Files API URI).

#include <gemini/model/annotation.hpp>
#include <gemini/model/enums.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/model/tagged_union.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gemini {

/// Plain text; output text may carry annotations.
struct text_content
{
    static constexpr std::string_view type_name = "text";
    std::string text{};
    std::optional<std::vector<annotation>> annotations{};
    boost::json::object extra{}; ///< members newer than this library
};

/// An image given inline or by URI.
struct image_content
{
    static constexpr std::string_view type_name = "image";
    std::optional<std::string> data{}; ///< base64
    std::optional<std::string> uri{};
    std::optional<std::string> mime_type{};
    std::optional<open_enum<media_resolution>> resolution{};
    boost::json::object extra{};
};

/// Audio given inline or by URI.
struct audio_content
{
    static constexpr std::string_view type_name = "audio";
    std::optional<std::string> data{}; ///< base64
    std::optional<std::string> uri{};
    std::optional<std::string> mime_type{};
    std::optional<std::int64_t> sample_rate{};
    std::optional<std::int64_t> channels{};
    boost::json::object extra{};
};

/// A document (PDF, CSV, office formats) given inline or by URI.
struct document_content
{
    static constexpr std::string_view type_name = "document";
    std::optional<std::string> data{}; ///< base64
    std::optional<std::string> uri{};
    std::optional<std::string> mime_type{};
    boost::json::object extra{};
};

/// A video given inline or by URI.
struct video_content
{
    static constexpr std::string_view type_name = "video";
    std::optional<std::string> data{}; ///< base64
    std::optional<std::string> uri{};
    std::optional<std::string> mime_type{};
    std::optional<open_enum<media_resolution>> resolution{};
    std::optional<std::string> name{}; ///< a label the model can refer to
    /// `"static"`, `"agentic"` or `{"type":"static","fps":N,"start_offset":"10.5s",...}`.
    std::optional<boost::json::value> processing{};
    boost::json::object extra{};
};

/// One content block. Unknown block types are kept as opaque.
class content
    : public tagged_union<text_content, image_content, audio_content, document_content, video_content, opaque>
{
public:
    using tagged_union::tagged_union;  ///< from any alternative

    /// A text block.
    static content text(std::string text);
    /// Inline media: `base64` is the base64-encoded bytes.
    static content image_data(std::string base64, std::string mime_type);
    static content audio_data(std::string base64, std::string mime_type);
    static content document_data(std::string base64, std::string mime_type);
    static content video_data(std::string base64, std::string mime_type);
    /// Media by reference (Files API URI, or gs:// on Vertex).
    static content image_uri(std::string uri, std::string mime_type);
    static content audio_uri(std::string uri, std::string mime_type);
    static content document_uri(std::string uri, std::string mime_type);
    static content video_uri(std::string uri, std::string mime_type);

    /// The text of a text block, or nullptr for other blocks.
    const std::string* text_if() const noexcept;
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const content& c);
content tag_invoke(boost::json::value_to_tag<content>, const boost::json::value& jv);

} // namespace gemini
