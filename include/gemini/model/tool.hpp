#pragma once
// Tools the model may use (spec 6): client-side functions and server-side tools. Tool types this
// library does not know are kept as opaque.

#include <gemini/model/enums.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/model/tagged_union.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gemini {

/// A function the caller implements; the model answers with function_call steps.
struct function_tool
{
    static constexpr std::string_view type_name = "function";
    std::string name{};
    std::optional<std::string> description{};
    std::optional<boost::json::object> parameters{}; ///< JSON Schema (subset) of the arguments
    boost::json::object extra{};                     ///< members newer than this library
};

/// Grounding with Google Search.
struct google_search_tool
{
    static constexpr std::string_view type_name = "google_search";
    std::optional<std::vector<open_enum<search_type>>> search_types{};
    boost::json::object extra{};
};

/// Lets the model write and run code on the server.
struct code_execution_tool
{
    static constexpr std::string_view type_name = "code_execution";
    boost::json::object extra{};
};

/// Lets the model fetch URLs named in the prompt.
struct url_context_tool
{
    static constexpr std::string_view type_name = "url_context";
    boost::json::object extra{};
};

/// Google Maps grounding, optionally around a location.
struct google_maps_tool
{
    static constexpr std::string_view type_name = "google_maps";
    std::optional<bool> enable_widget{};
    std::optional<double> latitude{};
    std::optional<double> longitude{};
    boost::json::object extra{};
};

/// Search in File Search stores.
struct file_search_tool
{
    static constexpr std::string_view type_name = "file_search";
    std::optional<std::vector<std::string>> file_search_store_names{};
    std::optional<std::int64_t> top_k{};
    std::optional<std::string> metadata_filter{};
    boost::json::object extra{};
};

/// A subset of tools and the mode they are offered in (MCP servers, tool_choice).
struct allowed_tools
{
    std::optional<open_enum<tool_choice_mode>> mode{};
    std::optional<std::vector<std::string>> tools{};
    boost::json::object extra{};
};

/// A remote MCP server the API server calls on the model's behalf.
struct mcp_server_tool
{
    static constexpr std::string_view type_name = "mcp_server";
    std::optional<std::string> name{};
    std::optional<std::string> url{};
    std::optional<std::map<std::string, std::string>> headers{};
    std::optional<std::vector<gemini::allowed_tools>> allowed_tools{};
    boost::json::object extra{};
};

/// UI automation: the model emits function_call steps for predefined UI actions.
struct computer_use_tool
{
    static constexpr std::string_view type_name = "computer_use";
    std::optional<open_enum<computer_environment>> environment{};
    std::optional<std::vector<std::string>> excluded_predefined_functions{};
    std::optional<std::vector<std::string>> disabled_safety_policies{};
    std::optional<bool> enable_prompt_injection_detection{};
    boost::json::object extra{};
};

/// Retrieval from Vertex AI Search, RAG stores or partner search engines; the engine-specific
/// configuration objects are kept as JSON.
struct retrieval_tool
{
    static constexpr std::string_view type_name = "retrieval";
    std::optional<std::vector<std::string>> retrieval_types{};
    std::optional<boost::json::object> vertex_ai_search_config{};
    std::optional<boost::json::object> rag_store_config{};
    std::optional<boost::json::object> exa_ai_search_config{};
    std::optional<boost::json::object> parallel_ai_search_config{};
    boost::json::object extra{};
};

/// One entry of `tools[]`.
class tool
    : public tagged_union<function_tool, google_search_tool, code_execution_tool, url_context_tool,
                          google_maps_tool, file_search_tool, mcp_server_tool, computer_use_tool,
                          retrieval_tool, opaque>
{
public:
    using tagged_union::tagged_union;

    /// A function tool with a JSON Schema for its arguments.
    static tool function(std::string name, std::string description, boost::json::object parameters);
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const tool& t);
tool tag_invoke(boost::json::value_to_tag<tool>, const boost::json::value& jv);

} // namespace gemini
