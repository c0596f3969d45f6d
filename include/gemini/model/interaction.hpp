#pragma once
// The Interaction resource (spec 8): what create, get and cancel return.

#include <gemini/model/content.hpp>
#include <gemini/model/enums.hpp>
#include <gemini/model/input.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/model/step.hpp>
#include <gemini/model/usage.hpp>
#include <gemini/response_info.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemini {

/// An output-only fault reported in `errors[]`. `code` is kept as sent (string or number).
struct interaction_error
{
    std::optional<boost::json::value> code{};
    std::optional<std::string> message{};
    boost::json::object extra{}; ///< members newer than this library
};

/// An interaction. Echoes of request settings (system_instruction, tools, generation_config,
/// labels ...) and fields newer than this library stay in `extra`.
struct interaction
{
    std::string id{};
    std::optional<std::string> object{}; ///< "interaction"
    std::optional<std::string> model{};
    std::optional<std::string> agent{};
    open_enum<interaction_status> status{};
    std::optional<std::string> created{}; ///< RFC 3339
    std::optional<std::string> updated{}; ///< RFC 3339
    std::optional<open_enum<gemini::service_tier>> service_tier{};
    std::optional<std::string> previous_interaction_id{};
    /// Create responses hold the generated steps only; GET returns the whole timeline.
    std::optional<std::vector<step>> steps{};
    std::optional<gemini::usage> usage{};
    std::optional<std::vector<interaction_error>> errors{};
    std::optional<std::string> environment_id{};
    std::optional<std::string> continuation_token{}; ///< with status requires_continuation
    std::optional<gemini::input> input{};            ///< only with include_input
    boost::json::object extra{};

    /// What the HTTP layer saw; not part of the JSON, filled in by the client.
    response_info http{};

    /// Whether the interaction stopped doing work (see gemini::is_terminal(interaction_status)).
    bool is_terminal() const noexcept { return gemini::is_terminal(status.known()); }

    /// The text blocks of the model_output steps of the last model turn (the steps after the
    /// last user_input or function_result step), concatenated.
    std::string output_text() const;
    /// The last image / audio / video block of the last model turn, or nullptr.
    const image_content* output_image() const noexcept;
    const audio_content* output_audio() const noexcept;
    const video_content* output_video() const noexcept;
    /// The function calls of the last model turn, which the caller has to answer.
    std::vector<function_call_step> function_calls() const;
    /// The steps of the last model turn, in order (empty when there are none).
    std::vector<const step*> last_turn() const;
    /// output_text() parsed as JSON and converted into T (see gemini::output_as): structured
    /// output. Defined in <gemini/structured_output.hpp> (included by <gemini/gemini.hpp>).
    template <class T>
    T parse() const;
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const interaction& i);
interaction tag_invoke(boost::json::value_to_tag<interaction>, const boost::json::value& jv);

/// Parses an interaction from JSON text; throws std::invalid_argument naming the JSON path of
/// the problem, or boost::system::system_error for malformed JSON.
interaction parse_interaction(std::string_view json);

} // namespace gemini
