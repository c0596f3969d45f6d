// Sans-io part of chats and function calling (see chat_core.hpp).
#include "chat_core.hpp"

#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <algorithm>
#include <utility>

namespace gemini::detail {

namespace json = boost::json;

namespace {

constexpr std::string_view saved_format = "gemini-asio/chat@1";

[[noreturn]] void invalid(std::string message, std::string operation = "chat")
{
    diagnostics diag;
    diag.operation = std::move(operation);
    diag.library_message = std::move(message);
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

// What every loop's settings must leave to the loop.
void check_settings(const request& r, const char* what)
{
    if (r.model.has_value() == r.agent.has_value())
        invalid(std::string(what) + " needs exactly one of model and agent");
    if (r.stream)
        invalid(std::string(what) + " must not set stream: use send_stream() to stream a turn");
    if (r.background.value_or(false))
        invalid(std::string(what) + " must not set background: a turn needs the finished interaction");
    if (r.continuation_token)
        invalid(std::string(what) + " must not set continuation_token");
}

} // namespace

conversation make_conversation(request settings)
{
    if (settings.input)
        invalid("chat settings must not have an input: pass the input to send()");
    check_settings(settings, "chat settings");
    conversation c;
    c.stateless = settings.store.has_value() && !*settings.store;
    if (!c.stateless && settings.previous_interaction_id)
        c.last_interaction_id = *std::exchange(settings.previous_interaction_id, std::nullopt);
    c.settings = std::move(settings);
    return c;
}

conversation conversation_for_request(request req, input& first)
{
    if (!req.input)
        invalid("run_functions needs a request with an input", "run_functions");
    first = std::move(*req.input);
    req.input.reset();
    check_settings(req, "a run_functions request");
    return make_conversation(std::move(req));
}

std::vector<tool> merged_tools(const std::optional<std::vector<tool>>& tools, const function_registry& functions)
{
    std::vector<tool> out = tools.value_or(std::vector<tool>{});
    for (const auto& e : functions.entries())
    {
        const bool declared = std::any_of(out.begin(), out.end(), [&](const tool& t) {
            const auto* f = t.get_if<function_tool>();
            return f && f->name == e.declaration.name;
        });
        if (!declared)
            out.emplace_back(e.declaration);
    }
    return out;
}

turn::turn(const conversation& base, const function_registry& functions) : base_(&base)
{
    if (!functions.empty())
    {
        tools_ = merged_tools(base.settings.tools, functions);
        has_tools_ = true;
    }
}

const std::string& turn::last_interaction_id() const noexcept
{
    return last_id_.empty() ? base_->last_interaction_id : last_id_;
}

request turn::next_request(const input& in) const
{
    request r = base_->settings;
    if (has_tools_)
        r.tools = tools_;
    if (base_->stateless)
    {
        std::vector<step> steps;
        steps.reserve(base_->history.size() + added_.size() + 1);
        steps.insert(steps.end(), base_->history.begin(), base_->history.end());
        steps.insert(steps.end(), added_.begin(), added_.end());
        for (auto& s : in.to_steps())
            steps.push_back(std::move(s));
        r.input = std::move(steps);
        r.store = false;
    }
    else
    {
        r.input = in;
        if (const auto& last = last_interaction_id(); !last.empty())
            r.previous_interaction_id = last;
    }
    return r;
}

void turn::record(const input& in, const interaction& got)
{
    for (auto& s : in.to_steps())
        added_.push_back(std::move(s));
    if (got.steps)
        added_.insert(added_.end(), got.steps->begin(), got.steps->end());
    if (!got.id.empty())
        last_id_ = got.id;
}

void turn::commit(conversation& c) &&
{
    c.history.insert(c.history.end(), std::make_move_iterator(added_.begin()), std::make_move_iterator(added_.end()));
    if (!last_id_.empty())
        c.last_interaction_id = std::move(last_id_);
    added_.clear();
}

std::vector<function_call_step> pending_calls(const interaction& got)
{
    if (got.status != interaction_status::requires_action)
        return {};
    return got.function_calls();
}

void throw_too_many_rounds(std::size_t max_rounds, const interaction& last, const char* operation)
{
    diagnostics diag;
    diag.operation = operation;
    diag.interaction_id = last.id;
    diag.library_message = "the model still asked for function calls after " + std::to_string(max_rounds) +
                           (max_rounds == 1 ? " round" : " rounds") + " (function_loop_options::max_rounds)";
    throw error(make_error_code(errc::too_many_rounds), std::move(diag));
}

json::object conversation_to_json(const conversation& c)
{
    json::object o;
    o["format"] = saved_format;
    o["mode"] = c.stateless ? "stateless" : "stored";
    o["settings"] = json::value_from(c.settings);
    o["last_interaction_id"] = c.last_interaction_id;
    json::array history;
    history.reserve(c.history.size());
    for (const auto& s : c.history)
        history.push_back(json::value_from(s));
    o["history"] = std::move(history);
    return o;
}

conversation conversation_from_json(const json::value& saved)
{
    const auto* o = saved.if_object();
    if (!o)
        invalid("a saved chat must be a JSON object");
    const auto* format = o->if_contains("format");
    if (!format || !format->is_string() || format->get_string() != saved_format)
        invalid("format: expected \"" + std::string(saved_format) + "\"");
    const auto* settings = o->if_contains("settings");
    if (!settings || !settings->is_object())
        invalid("settings: expected an object");
    conversation c;
    try
    {
        c = make_conversation(json::value_to<request>(*settings));
    }
    catch (const std::invalid_argument& e)
    {
        invalid(std::string("settings.") + e.what());
    }
    const auto* mode = o->if_contains("mode");
    if (!mode || !mode->is_string() || (mode->get_string() != "stored" && mode->get_string() != "stateless"))
        invalid("mode: expected \"stored\" or \"stateless\"");
    if ((mode->get_string() == "stateless") != c.stateless)
        invalid("mode: \"" + std::string(mode->get_string()) + "\" does not match settings.store");
    if (const auto* last = o->if_contains("last_interaction_id"))
    {
        if (!last->is_string())
            invalid("last_interaction_id: expected a string");
        c.last_interaction_id = std::string(last->get_string());
    }
    if (const auto* history = o->if_contains("history"))
    {
        const auto* steps = history->if_array();
        if (!steps)
            invalid("history: expected an array");
        c.history.reserve(steps->size());
        for (std::size_t i = 0; i < steps->size(); ++i)
        {
            try
            {
                c.history.push_back(json::value_to<step>((*steps)[i]));
            }
            catch (const std::invalid_argument& e)
            {
                invalid("history[" + std::to_string(i) + "]: " + e.what());
            }
        }
    }
    return c;
}

} // namespace gemini::detail
