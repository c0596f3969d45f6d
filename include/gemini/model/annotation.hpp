#pragma once
// Annotations attached to output text blocks (citations, speech and word metadata).
// Indices are byte offsets into the annotated text.

#include <gemini/model/tagged_union.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gemini {

/// A web source quoted by a span of text.
struct url_citation
{
    static constexpr std::string_view type_name = "url_citation";
    std::optional<std::string> url{};
    std::optional<std::string> title{};
    std::optional<std::int64_t> start_index{};
    std::optional<std::int64_t> end_index{};
    boost::json::object extra{}; ///< members newer than this library
};

/// A span grounded in a file (file search, uploaded documents).
struct file_citation
{
    static constexpr std::string_view type_name = "file_citation";
    std::optional<std::string> document_uri{};
    std::optional<std::string> file_name{};
    std::optional<std::string> source{};
    std::optional<std::int64_t> page_number{};
    std::optional<std::string> media_id{};
    std::optional<boost::json::value> custom_metadata{};
    std::optional<std::int64_t> start_index{};
    std::optional<std::int64_t> end_index{};
    boost::json::object extra{};
};

/// A span grounded in a Google Maps place.
struct place_citation
{
    static constexpr std::string_view type_name = "place_citation";
    std::optional<std::string> place_id{};
    std::optional<std::string> name{};
    std::optional<std::string> url{};
    std::optional<std::vector<boost::json::value>> review_snippets{};
    std::optional<std::int64_t> start_index{};
    std::optional<std::int64_t> end_index{};
    boost::json::object extra{};
};

/// Speaker and style of a span of generated speech.
struct speech_metadata
{
    static constexpr std::string_view type_name = "speech_metadata";
    std::optional<std::string> speaker{};
    std::optional<std::string> style{};
    std::optional<std::int64_t> start_index{};
    std::optional<std::int64_t> end_index{};
    boost::json::object extra{};
};

/// Timing of one word of a transcription. Offsets are kept as sent (duration strings or numbers).
struct word_info
{
    static constexpr std::string_view type_name = "word_info";
    std::optional<std::string> text{};
    std::optional<boost::json::value> start_offset{};
    std::optional<boost::json::value> end_offset{};
    std::optional<std::string> speaker{};
    std::optional<std::int64_t> start_index{};
    std::optional<std::int64_t> end_index{};
    boost::json::object extra{};
};

/// One annotation of a text block; unknown annotation types are kept as opaque.
class annotation
    : public tagged_union<url_citation, file_citation, place_citation, speech_metadata, word_info, opaque>
{
public:
    using tagged_union::tagged_union;  ///< from any alternative
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const annotation& a);
annotation tag_invoke(boost::json::value_to_tag<annotation>, const boost::json::value& jv);

} // namespace gemini
