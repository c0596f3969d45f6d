// Accessors computed from the steps of an interaction, as the official SDKs offer them.
#include <gemini/model/interaction.hpp>

namespace gemini {

namespace {

/// Calls f for each step of the last model turn: the steps after the last user_input or
/// function_result step.
template<class F>
void for_each_in_last_turn(const interaction& it, F&& f)
{
    if (!it.steps)
        return;
    const std::vector<step>& steps = *it.steps;
    std::size_t begin = 0;
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (steps[i].is<user_input_step>() || steps[i].is<function_result_step>())
            begin = i + 1;
    for (std::size_t i = begin; i < steps.size(); ++i)
        f(steps[i]);
}

/// Calls f for each content block of the model_output steps of the last turn.
template<class F>
void for_each_output_block(const interaction& it, F&& f)
{
    for_each_in_last_turn(it, [&](const step& s) {
        if (const auto* out = s.get_if<model_output_step>())
            for (const content& c : out->content)
                f(c);
    });
}

template<class Block>
const Block* last_output_block(const interaction& it) noexcept
{
    const Block* found = nullptr;
    for_each_output_block(it, [&](const content& c) {
        if (const auto* b = c.get_if<Block>())
            found = b;
    });
    return found;
}

} // namespace

std::vector<const step*> interaction::last_turn() const
{
    std::vector<const step*> turn;
    for_each_in_last_turn(*this, [&](const step& s) { turn.push_back(&s); });
    return turn;
}

std::string interaction::output_text() const
{
    std::string text;
    for_each_output_block(*this, [&](const content& c) {
        if (const std::string* t = c.text_if())
            text += *t;
    });
    return text;
}

const image_content* interaction::output_image() const noexcept
{
    return last_output_block<image_content>(*this);
}

const audio_content* interaction::output_audio() const noexcept
{
    return last_output_block<audio_content>(*this);
}

const video_content* interaction::output_video() const noexcept
{
    return last_output_block<video_content>(*this);
}

std::vector<function_call_step> interaction::function_calls() const
{
    std::vector<function_call_step> calls;
    for_each_in_last_turn(*this, [&](const step& s) {
        if (const auto* call = s.get_if<function_call_step>())
            calls.push_back(*call);
    });
    return calls;
}

} // namespace gemini
