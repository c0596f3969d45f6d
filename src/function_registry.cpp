// Registration and invocation of function handlers.
#include <gemini/error.hpp>
#include <gemini/function_registry.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <exception>
#include <utility>

namespace gemini {

namespace detail {

function_result_value function_result_from_json(boost::json::value v)
{
    if (auto* s = v.if_string())
        return std::string(*s);
    if (auto* o = v.if_object())
        return std::move(*o);
    return boost::json::serialize(v);
}

} // namespace

namespace {

[[noreturn]] void invalid(std::string message)
{
    diagnostics diag;
    diag.operation = "function_registry";
    diag.library_message = std::move(message);
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

function_result_step answer(const function_call_step& call, function_result_value result, bool failed)
{
    function_result_step r{.call_id = call.id, .name = call.name, .result = std::move(result)};
    if (failed)
        r.is_error = true;
    return r;
}

// A named coroutine with by-value parameters: it owns the handler and the call.
boost::asio::awaitable<function_result_step> run_handler(function_handler handler, function_call_step call)
{
    std::string failure;
    try
    {
        auto op = handler(call.arguments);
        function_result_value result = co_await std::move(op);
        co_return answer(call, std::move(result), false);
    }
    catch (const std::exception& e)
    {
        failure = e.what();
    }
    catch (...)
    {
        failure = "the function failed with an exception that is not a std::exception";
    }
    if (failure.empty())
        failure = "the function failed";
    co_return answer(call, std::move(failure), true);
}

boost::asio::awaitable<function_result_step> unknown_function(function_call_step call)
{
    std::string message = "unknown function '" + call.name + "': no handler is registered for it";
    co_return answer(call, std::move(message), true);
}

} // namespace

function_tool function_registry::function_of(const tool& t)
{
    const auto* f = t.get_if<function_tool>();
    if (!f)
        invalid("function_registry::add needs a function tool, not a '" + std::string(t.type()) + "' tool");
    return *f;
}

void function_registry::add_erased(function_tool declaration, function_handler handler)
{
    if (declaration.name.empty())
        invalid("a function needs a name");
    if (!handler)
        invalid("function '" + declaration.name + "' needs a handler");
    if (find(declaration.name))
        invalid("function '" + declaration.name + "' is already registered");
    entries_.push_back(entry{std::move(declaration), std::move(handler)});
}

bool function_registry::remove(std::string_view name)
{
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) { return e.declaration.name == name; });
    if (it == entries_.end())
        return false;
    entries_.erase(it);
    return true;
}

const function_registry::entry* function_registry::find(std::string_view name) const noexcept
{
    for (const auto& e : entries_)
        if (e.declaration.name == name)
            return &e;
    return nullptr;
}

std::vector<tool> function_registry::tools() const
{
    std::vector<tool> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_)
        out.emplace_back(e.declaration);
    return out;
}

boost::asio::awaitable<function_result_step> function_registry::invoke(function_call_step call) const
{
    if (const entry* e = find(call.name))
        return run_handler(e->handler, std::move(call));
    return unknown_function(std::move(call));
}

} // namespace gemini
