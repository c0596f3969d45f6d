// Factories of the steps a client sends.
#include <gemini/model/step.hpp>

#include <utility>

namespace gemini {

step step::user_text(std::string text)
{
    return user(std::vector<content>{content::text(std::move(text))});
}

step step::user(std::vector<content> blocks)
{
    return user_input_step{.content = std::move(blocks)};
}

step step::function_result(std::string call_id, std::string name, function_result_value result, bool is_error)
{
    function_result_step s{.call_id = std::move(call_id), .name = std::move(name), .result = std::move(result)};
    if (is_error)
        s.is_error = true;
    return s;
}

} // namespace gemini
