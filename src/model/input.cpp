// Normalisation of the request input to steps.
#include <gemini/model/input.hpp>

namespace gemini {

std::vector<step> input::to_steps() const
{
    struct visitor
    {
        std::vector<step> operator()(const std::string& text) const { return {step::user_text(text)}; }
        std::vector<step> operator()(const content& block) const { return {step::user({block})}; }
        std::vector<step> operator()(const std::vector<content>& blocks) const { return {step::user(blocks)}; }
        std::vector<step> operator()(const std::vector<step>& steps) const { return steps; }
    };
    return std::visit(visitor{}, static_cast<const variant_type&>(*this));
}

} // namespace gemini
