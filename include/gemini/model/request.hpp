#pragma once
// The body of `POST /{version}/interactions` (spec 4), as an aggregate meant for designated
// initializers:
//
//     gemini::request req{.model = "gemini-3.5-flash", .input = "Hello"};
//
// Every field except `extra` is optional and left out of the JSON when empty.

#include <gemini/model/config.hpp>
#include <gemini/model/enums.hpp>
#include <gemini/model/input.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/model/tool.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gemini {

/// Where the server notifies completion of background interactions.
struct webhook_config
{
    std::optional<std::vector<std::string>> uris{};
    std::optional<boost::json::object> user_metadata{};
    boost::json::object extra{}; ///< members newer than this library
};

/// An agent's environment: "remote", an environment id, or a full specification object
/// (`{"type":"remote","sources":[...],...}`) kept as JSON.
using environment_spec = std::variant<std::string, boost::json::object>;

/// A create request.
struct request
{
    std::optional<std::string> model{}; ///< exactly one of model and agent
    std::optional<std::string> agent{};
    std::optional<gemini::input> input{};
    std::optional<std::string> system_instruction{};
    std::optional<std::vector<tool>> tools{};
    std::optional<gemini::generation_config> generation_config{}; ///< with model only
    std::optional<gemini::agent_config> agent_config{};           ///< with agent only
    std::optional<gemini::response_format> response_format{};
    std::optional<std::string> response_mime_type{};                    ///< deprecated
    std::optional<std::vector<open_enum<modality>>> response_modalities{}; ///< deprecated
    std::optional<std::string> previous_interaction_id{};
    std::optional<bool> store{}; ///< server default true; false keeps nothing server-side
    std::optional<bool> background{};
    std::optional<bool> stream{}; ///< normally set by the client's streaming calls
    std::optional<std::string> continuation_token{};
    std::optional<std::vector<safety_setting>> safety_settings{};
    std::optional<open_enum<gemini::service_tier>> service_tier{};
    std::optional<std::map<std::string, std::string>> labels{};
    std::optional<gemini::webhook_config> webhook_config{};
    std::optional<environment_spec> environment{};
    std::optional<std::string> cached_content{}; ///< deprecated
    /// Fields newer than this library, merged into the body after the known ones (a key here
    /// replaces a known field of the same name).
    boost::json::object extra{};
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const request& r);
request tag_invoke(boost::json::value_to_tag<request>, const boost::json::value& jv);

/// The JSON text of a request body.
std::string to_json(const request& r);

} // namespace gemini
