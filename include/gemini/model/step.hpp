#pragma once
// Steps: the timeline of an interaction (spec 5.3). Responses list the steps the server produced;
// requests may send a whole history of steps (stateless multi-turn, tool results). Steps of types
// this library does not know are kept as opaque and replay unchanged.

#include <gemini/model/content.hpp>
#include <gemini/model/enums.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/model/tagged_union.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gemini {

/// A google.rpc.Status attached to a step that failed.
struct rpc_status
{
    std::optional<std::int64_t> code{};
    std::optional<std::string> message{};
    std::optional<std::vector<boost::json::value>> details{};
    boost::json::object extra{}; ///< members newer than this library
};

/// A user turn.
struct user_input_step
{
    static constexpr std::string_view type_name = "user_input";
    std::vector<gemini::content> content{};
    boost::json::object extra{};
};

/// Output of the model (text, images, audio ...).
struct model_output_step
{
    static constexpr std::string_view type_name = "model_output";
    std::vector<gemini::content> content{};
    std::optional<rpc_status> error{};
    boost::json::object extra{};
};

/// The model's thinking: an opaque signature (replay it in stateless history) and summaries.
struct thought_step
{
    static constexpr std::string_view type_name = "thought";
    std::optional<std::string> signature{};
    std::optional<std::vector<gemini::content>> summary{};
    boost::json::object extra{};
};

/// A call of a client-side function the caller must answer with a function_result_step.
struct function_call_step
{
    static constexpr std::string_view type_name = "function_call";
    std::string id{};
    std::string name{};
    boost::json::object arguments{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// What a function returned: a string, content blocks (e.g. a screenshot) or any JSON object.
using function_result_value = std::variant<std::string, std::vector<content>, boost::json::object>;

/// The caller's answer to a function_call_step (matching call_id to the call's id).
struct function_result_step
{
    static constexpr std::string_view type_name = "function_result";
    std::string call_id{};
    std::optional<std::string> name{};
    function_result_value result{};
    std::optional<bool> is_error{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Code the server-side code_execution tool runs.
struct code_execution_arguments
{
    std::optional<std::string> code{};
    std::optional<open_enum<code_language>> language{};
    boost::json::object extra{};
};

/// The server-side code_execution tool starts running code.
struct code_execution_call_step
{
    static constexpr std::string_view type_name = "code_execution_call";
    std::string id{};
    std::optional<code_execution_arguments> arguments{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Output of executed code: a string or content blocks.
struct code_execution_result_step
{
    static constexpr std::string_view type_name = "code_execution_result";
    std::string call_id{};
    std::optional<std::variant<std::string, std::vector<content>>> result{};
    std::optional<bool> is_error{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Arguments of the URL context tool.
struct url_context_arguments
{
    std::optional<std::vector<std::string>> urls{};
    boost::json::object extra{};
};

/// The server-side url_context tool fetches URLs.
struct url_context_call_step
{
    static constexpr std::string_view type_name = "url_context_call";
    std::string id{};
    std::optional<url_context_arguments> arguments{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Fetch outcome of one URL.
struct url_context_result_entry
{
    std::optional<std::string> url{};
    std::optional<open_enum<url_retrieval_status>> status{};
    boost::json::object extra{};
};

/// What the URL fetches gave.
struct url_context_result_step
{
    static constexpr std::string_view type_name = "url_context_result";
    std::string call_id{};
    std::optional<std::vector<url_context_result_entry>> result{};
    std::optional<bool> is_error{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Queries of the search-like server tools (Google Search, Maps, retrieval).
struct search_arguments
{
    std::optional<std::vector<std::string>> queries{};
    boost::json::object extra{};
};

/// The server-side google_search tool runs queries.
struct google_search_call_step
{
    static constexpr std::string_view type_name = "google_search_call";
    std::string id{};
    std::optional<search_arguments> arguments{};
    std::optional<open_enum<gemini::search_type>> search_type{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// One Google Search result (search_suggestions is rendered search-entry-point markup).
struct google_search_result_entry
{
    std::optional<boost::json::value> search_suggestions{};
    boost::json::object extra{};
};

/// Results of a google_search_call.
struct google_search_result_step
{
    static constexpr std::string_view type_name = "google_search_result";
    std::string call_id{};
    std::optional<std::vector<google_search_result_entry>> result{};
    std::optional<bool> is_error{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// The server-side google_maps tool runs queries.
struct google_maps_call_step
{
    static constexpr std::string_view type_name = "google_maps_call";
    std::string id{};
    std::optional<search_arguments> arguments{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Places found by Google Maps, with the token of an embeddable widget.
struct google_maps_result_entry
{
    std::optional<std::vector<boost::json::value>> places{};
    std::optional<std::string> widget_context_token{};
    boost::json::object extra{};
};

/// Results of a google_maps_call.
struct google_maps_result_step
{
    static constexpr std::string_view type_name = "google_maps_result";
    std::string call_id{};
    std::optional<std::vector<google_maps_result_entry>> result{};
    std::optional<bool> is_error{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// The server-side file_search tool searches File Search stores.
struct file_search_call_step
{
    static constexpr std::string_view type_name = "file_search_call";
    std::string id{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Results of a file_search_call (kept as JSON).
struct file_search_result_step
{
    static constexpr std::string_view type_name = "file_search_result";
    std::string call_id{};
    std::optional<std::vector<boost::json::value>> result{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// A call of a tool of a remote MCP server, run by the API server.
struct mcp_server_tool_call_step
{
    static constexpr std::string_view type_name = "mcp_server_tool_call";
    std::string id{};
    std::optional<std::string> name{};
    std::optional<std::string> server_name{};
    std::optional<boost::json::object> arguments{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// What the MCP server tool returned.
struct mcp_server_tool_result_step
{
    static constexpr std::string_view type_name = "mcp_server_tool_result";
    std::string call_id{};
    std::optional<std::string> name{};
    std::optional<std::string> server_name{};
    std::optional<boost::json::value> result{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Retrieval (Vertex AI Search, RAG stores ...), mostly on Vertex.
struct retrieval_call_step
{
    static constexpr std::string_view type_name = "retrieval_call";
    std::string id{};
    std::optional<search_arguments> arguments{};
    std::optional<std::string> retrieval_type{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Outcome of a retrieval_call.
struct retrieval_result_step
{
    static constexpr std::string_view type_name = "retrieval_result";
    std::string call_id{};
    std::optional<bool> is_error{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// Server-side processing of input (video understanding).
struct processing_call_step
{
    static constexpr std::string_view type_name = "processing_call";
    std::string id{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// End of a processing_call.
struct processing_result_step
{
    static constexpr std::string_view type_name = "processing_result";
    std::string call_id{};
    std::optional<std::string> signature{};
    boost::json::object extra{};
};

/// One step of an interaction's timeline.
class step
    : public tagged_union<
          user_input_step, model_output_step, thought_step, function_call_step, function_result_step,
          code_execution_call_step, code_execution_result_step, url_context_call_step,
          url_context_result_step, google_search_call_step, google_search_result_step,
          google_maps_call_step, google_maps_result_step, file_search_call_step,
          file_search_result_step, mcp_server_tool_call_step, mcp_server_tool_result_step,
          retrieval_call_step, retrieval_result_step, processing_call_step, processing_result_step,
          opaque>
{
public:
    using tagged_union::tagged_union;

    /// A user turn made of one text block.
    static step user_text(std::string text);
    /// A user turn made of these blocks.
    static step user(std::vector<content> blocks);
    /// The answer to a function call; `result` is a string, content blocks or a JSON object.
    static step function_result(std::string call_id, std::string name, function_result_value result,
                                bool is_error = false);
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const step& s);
step tag_invoke(boost::json::value_to_tag<step>, const boost::json::value& jv);

} // namespace gemini
