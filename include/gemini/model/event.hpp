#pragma once
// Streaming events (spec 11.3, 11.4): the JSON payloads of the `data:` lines of a streamed create
// or get. gemini::event holds one of them, dispatched on the payload's `event_type`; step.delta
// payloads are flattened into one alternative per `delta.type`.
//
// Where unknown members go (nothing is dropped, so an event writes back JSON-equal):
//   * interaction.created / status_update / step.start / step.stop / interaction.completed: the
//     payload's unknown members land in the alternative's `extra`;
//   * step.delta: unknown members of the `delta` object land in the alternative's `extra`
//     (tool_delta_event keeps all of them in `fields`); unknown payload members beside `delta`
//     (e.g. `metadata.total_usage`) land in event::payload_extra;
//   * error: unknown members of the `error` object land in error_event::extra, unknown payload
//     members beside `error` in event::payload_extra;
//   * unknown event types are kept whole as gemini::opaque; unknown delta types as
//     unknown_delta_event.

#include <gemini/model/annotation.hpp>
#include <gemini/model/content.hpp>
#include <gemini/model/enums.hpp>
#include <gemini/model/interaction.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/model/step.hpp>
#include <gemini/model/tagged_union.hpp>
#include <gemini/model/usage.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemini {

/// First event of a stream: the interaction as far as it is known (id, status, model/agent ...).
struct interaction_created_event
{
    static constexpr std::string_view type_name = "interaction.created";
    gemini::interaction interaction{};
    boost::json::object extra{}; ///< payload members newer than this library
};

/// A status transition, possibly with a usage checkpoint or a continuation token.
struct interaction_status_update_event
{
    static constexpr std::string_view type_name = "interaction.status_update";
    std::string interaction_id{};
    open_enum<interaction_status> status{};
    std::optional<gemini::usage> usage{};
    std::optional<std::string> continuation_token{};
    boost::json::object extra{};
};

/// A step begins (event::index says which); `step` has its identifying fields, no content yet.
struct step_start_event
{
    static constexpr std::string_view type_name = "step.start";
    gemini::step step{};
    boost::json::object extra{};
};

/// step.delta with `delta.type` "text": text to append to the step's output.
struct text_delta_event
{
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "text";
    std::string text{};
    boost::json::object extra{}; ///< members of `delta` newer than this library
};

/// step.delta "image": one image block (the delta's members are those of the block).
struct image_delta_event : image_content
{
    using block_type = image_content;
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "image";
};

/// step.delta "audio": one audio block (the deprecated `rate` stays in `extra`).
struct audio_delta_event : audio_content
{
    using block_type = audio_content;
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "audio";
};

/// step.delta "video": one video block.
struct video_delta_event : video_content
{
    using block_type = video_content;
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "video";
};

/// step.delta "document": one document block.
struct document_delta_event : document_content
{
    using block_type = document_content;
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "document";
};

/// step.delta "text_annotation_delta": annotations of the text streamed so far.
struct text_annotation_delta_event
{
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "text_annotation_delta";
    std::vector<annotation> annotations{};
    boost::json::object extra{};
};

/// step.delta "thought_summary": one summary block (text or image) of a thought step.
struct thought_summary_delta_event
{
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "thought_summary";
    gemini::content content{};
    boost::json::object extra{};
};

/// step.delta "thought_signature": the signature of a thought step (sent last).
struct thought_signature_delta_event
{
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "thought_signature";
    std::string signature{};
    boost::json::object extra{};
};

/// step.delta "arguments_delta": a fragment of the JSON text of a function call's arguments.
/// The fragments of a step concatenate to one JSON object.
struct arguments_delta_event
{
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "arguments_delta";
    std::string arguments{};
    boost::json::object extra{};
};

/// step.delta "function_result": members of a function_result step.
struct function_result_delta_event
{
    static constexpr std::string_view type_name = "step.delta";
    static constexpr std::string_view delta_type = "function_result";
    std::optional<function_result_value> result{};
    std::optional<std::string> name{};
    std::optional<bool> is_error{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// step.delta of a server-side tool (`type` is one of tool_delta_event::types, the type of the
/// step it belongs to). `fields` are the delta's members except `type`, each of which replaces
/// the member of the same name in the step (arguments, result, is_error, signature ...).
struct tool_delta_event
{
    static constexpr std::string_view type_name = "step.delta";
    /// The delta types read as tool_delta_event.
    /// Tool kinds newer than this library arrive as unknown_delta_event.
    static constexpr std::array<std::string_view, 16> types = {
        "code_execution_call", "code_execution_result", "url_context_call",     "url_context_result",
        "google_search_call",  "google_search_result",  "google_maps_call",     "google_maps_result",
        "file_search_call",    "file_search_result",    "mcp_server_tool_call", "mcp_server_tool_result",
        "retrieval_call",      "retrieval_result",      "processing_call",      "processing_result"};
    std::string type{};
    boost::json::object fields{};

    /// Whether `delta_type` is one of `types`.
    static bool is_tool_type(std::string_view delta_type) noexcept;
};

/// step.delta of a `delta.type` this library does not know: the `delta` object, whole.
struct unknown_delta_event
{
    static constexpr std::string_view type_name = "step.delta";
    boost::json::object raw{};

    /// The delta's `type` member (empty when it has none).
    std::string_view type() const noexcept;
};

/// A step ends; usage seen with some agents (cumulative, and of this step).
struct step_stop_event
{
    static constexpr std::string_view type_name = "step.stop";
    std::optional<gemini::usage> usage{};
    std::optional<gemini::usage> step_usage{};
    boost::json::object extra{};
};

/// Last real event: the final interaction fields (status, usage, timestamps ...), without steps.
struct interaction_completed_event
{
    static constexpr std::string_view type_name = "interaction.completed";
    gemini::interaction interaction{};
    boost::json::object extra{};
};

/// A failure after the stream started (payload `{"error":{"code":...,"message":...}}`).
struct error_event
{
    static constexpr std::string_view type_name = "error";
    boost::json::value code{}; ///< as sent: a string such as "deadline_exceeded", or a number; null when absent
    std::string message{};
    boost::json::object extra{}; ///< members of `error` newer than this library
};

/// One streamed event. Unknown event types are kept whole as gemini::opaque.
class event
    : public tagged_union<interaction_created_event, interaction_status_update_event, step_start_event,
                          text_delta_event, image_delta_event, audio_delta_event, video_delta_event,
                          document_delta_event, text_annotation_delta_event, thought_summary_delta_event,
                          thought_signature_delta_event, arguments_delta_event, function_result_delta_event,
                          tool_delta_event, unknown_delta_event, step_stop_event, interaction_completed_event,
                          error_event, opaque>
{
public:
    using tagged_union::tagged_union;

    std::optional<std::string> event_id{}; ///< the JSON field event_id (resume token), when present
    std::optional<std::int64_t> index{};   ///< the step index, for step.* events
    /// step.delta and error only: payload members beside `delta` / `error` and the envelope
    /// (event_type, event_id, index), e.g. step.delta's `metadata`. Other events keep unknown
    /// payload members in their alternative's `extra`.
    boost::json::object payload_extra{};

    /// The wire event_type ("step.delta" for every delta; the payload's for opaque events).
    std::string_view event_type() const noexcept;
    /// Same as event_type() (hides tagged_union::type(), which reads `type`, not `event_type`).
    std::string_view type() const noexcept { return event_type(); }
    /// The `delta.type` of a step.delta event, empty for other events.
    std::string_view delta_type() const noexcept;
    /// Whether this is a step.delta event (of a known or unknown delta type).
    bool is_delta() const noexcept;
    /// interaction.completed or error: nothing but the [DONE] sentinel follows.
    bool is_terminal() const noexcept;
};

/// JSON conversions for boost::json::value_from / value_to. value_from writes the wire payload
/// (event_type, event_id and index included); value_to dispatches on `event_type` and throws
/// std::invalid_argument naming the JSON path of malformed input ("delta.text: expected string").
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const event& e);
event tag_invoke(boost::json::value_to_tag<event>, const boost::json::value& jv);

/// Parses the JSON text of one `data:` line; throws std::invalid_argument (malformed event) or
/// boost::system::system_error (malformed JSON).
event parse_event(std::string_view json);

} // namespace gemini
