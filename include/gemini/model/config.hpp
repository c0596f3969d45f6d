#pragma once
// Per-request configuration objects (spec 7): generation_config for models, agent_config for
// agents, response_format for the shape of the output, and safety settings.

#include <gemini/model/enums.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/model/tagged_union.hpp>
#include <gemini/model/tool.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gemini {

/// `{"allowed_tools": {...}}`: restrict function calling to some tools.
struct allowed_tools_choice
{
    gemini::allowed_tools allowed_tools{};
    boost::json::object extra{}; ///< members newer than this library
};

/// generation_config.tool_choice: a mode, or a mode restricted to named tools.
using tool_choice = std::variant<open_enum<tool_choice_mode>, allowed_tools_choice>;

/// Sampling and output settings of a model interaction (spec 7.1). The speech, transcription
/// and video settings have loose, evolving shapes and are kept as JSON.
struct generation_config
{
    std::optional<std::int64_t> max_output_tokens{};
    std::optional<std::int64_t> seed{};
    std::optional<std::vector<std::string>> stop_sequences{};
    std::optional<double> temperature{}; ///< deprecated by the API
    std::optional<double> top_p{};       ///< deprecated by the API
    std::optional<std::int64_t> top_k{}; ///< accepted by the server though absent from the SDKs
    std::optional<open_enum<gemini::thinking_level>> thinking_level{};
    std::optional<open_enum<gemini::thinking_summaries>> thinking_summaries{};
    std::optional<gemini::tool_choice> tool_choice{};
    std::optional<boost::json::value> speech_config{};
    std::optional<boost::json::value> transcription_config{};
    std::optional<boost::json::value> video_config{};
    std::optional<boost::json::value> image_config{}; ///< deprecated: use response_format
    boost::json::object extra{};
};

/// Text output, optionally JSON constrained by a schema (structured output).
struct text_format
{
    static constexpr std::string_view type_name = "text";
    std::optional<std::string> mime_type{}; ///< "text/plain" or "application/json"
    std::optional<boost::json::value> schema{};
    boost::json::object extra{};
};

/// Image output. Values such as "16:9" and "1K" are not identifiers, hence plain strings.
struct image_format
{
    static constexpr std::string_view type_name = "image";
    std::optional<std::string> aspect_ratio{};
    std::optional<std::string> image_size{};
    std::optional<std::string> mime_type{};
    std::optional<std::string> delivery{}; ///< "inline" or "uri"
    boost::json::object extra{};
};

/// Audio output.
struct audio_format
{
    static constexpr std::string_view type_name = "audio";
    std::optional<std::string> mime_type{};
    std::optional<std::int64_t> sample_rate{};
    std::optional<std::int64_t> bit_rate{};
    std::optional<std::string> delivery{};
    boost::json::object extra{};
};

/// Video output.
struct video_format
{
    static constexpr std::string_view type_name = "video";
    std::optional<std::string> aspect_ratio{};
    std::optional<std::string> resolution{}; ///< "360p", "720p", "1080p", "4k"
    std::optional<boost::json::value> duration{};
    std::optional<std::string> gcs_uri{};
    std::optional<std::string> delivery{};
    boost::json::object extra{};
};

/// One requested output format. Objects without a known `type` (including legacy bare JSON
/// Schemas, whose `type` is e.g. "object") are kept as opaque.
class output_format : public tagged_union<text_format, image_format, audio_format, video_format, opaque>
{
public:
    using tagged_union::tagged_union;
    /// Untyped objects are legacy schemas, not errors.
    static constexpr bool untyped_is_opaque = true;
};

/// `response_format`: one format, or several for interleaved multimodal output.
using response_format = std::variant<output_format, std::vector<output_format>>;

/// agent_config of the Deep Research agents.
struct deep_research_config
{
    static constexpr std::string_view type_name = "deep-research";
    std::optional<open_enum<gemini::thinking_summaries>> thinking_summaries{};
    std::optional<std::string> visualization{}; ///< "auto" or "off"
    std::optional<bool> collaborative_planning{};
    std::optional<bool> enable_bigquery_tool{};
    boost::json::object extra{};
};

/// agent_config of the Antigravity agents.
struct antigravity_config
{
    static constexpr std::string_view type_name = "antigravity";
    std::optional<std::string> model{};
    std::optional<boost::json::value> max_total_tokens{};
    boost::json::object extra{};
};

/// Configuration of an agent interaction (spec 7.3); code-mender, dynamic and newer agent
/// types are kept as opaque.
class agent_config : public tagged_union<deep_research_config, antigravity_config, opaque>
{
public:
    using tagged_union::tagged_union;
};

/// One entry of safety_settings.
struct safety_setting
{
    open_enum<harm_category> type{};
    open_enum<harm_threshold> threshold{};
    std::optional<open_enum<harm_method>> method{};
    boost::json::object extra{};
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const generation_config& c);
generation_config tag_invoke(boost::json::value_to_tag<generation_config>, const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const output_format& f);
output_format tag_invoke(boost::json::value_to_tag<output_format>, const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const agent_config& c);
agent_config tag_invoke(boost::json::value_to_tag<agent_config>, const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const safety_setting& s);
safety_setting tag_invoke(boost::json::value_to_tag<safety_setting>, const boost::json::value& jv);

} // namespace gemini
