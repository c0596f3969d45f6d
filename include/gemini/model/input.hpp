#pragma once
// The `input` of a create request (spec 5.1): a string, one content block, several blocks forming
// one user turn, or an explicit history of steps.

#include <gemini/model/content.hpp>
#include <gemini/model/step.hpp>

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gemini {

/// Implicitly constructible from text, so `request{.model = "m", .input = "Hello"}` works.
class input : public std::variant<std::string, content, std::vector<content>, std::vector<step>>
{
public:
    using variant_type = std::variant<std::string, content, std::vector<content>, std::vector<step>>;
    using variant_type::variant;

    input(const char* text) : variant_type(std::string(text)) {}
    input(std::string_view text) : variant_type(std::string(text)) {}

    /// The same input as a list of steps: any non-step form becomes one user_input step. Useful
    /// to build the history of stateless multi-turn conversations.
    std::vector<step> to_steps() const;
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const input& in);
input tag_invoke(boost::json::value_to_tag<input>, const boost::json::value& jv);

} // namespace gemini
