#pragma once
// Functions whose arguments are a C++ struct, for automatic function calling: the declaration's
// parameters schema is json_schema_of<Args>(), and the handler receives the arguments already
// converted into Args.
//
//     struct weather_args { std::string city; std::optional<std::string> unit; };
//     BOOST_DESCRIBE_STRUCT(weather_args, (), (city, unit))
//
//     gemini::function_registry functions;
//     gemini::add_function<weather_args>(functions, "get_weather", "Current weather of a city",
//         [](weather_args a) -> boost::json::value { return {{"city", a.city}, {"temp_c", 18}}; });
//
// Arguments that do not match Args (the model is asked to follow the schema, but may not) are
// not passed to the handler: the model receives an `is_error` result naming the first mismatch
// (`$.city: missing required field`), as for a handler that throws, and can correct itself.

#include <gemini/function_registry.hpp>
#include <gemini/structured_output.hpp>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace gemini {
namespace detail {

template <class Args, class F>
std::invoke_result_t<F&, Args> call_typed_awaitable(std::shared_ptr<F> f, boost::json::object args)
{
    auto op = std::invoke(*f, from_json<Args>(boost::json::value(std::move(args))));
    co_return co_await std::move(op);
}

/// Adapts a handler taking Args to the registry's handlers, which take the JSON arguments.
template <class Args, class F>
struct typed_handler
{
    std::shared_ptr<F> f;

    auto operator()(boost::json::object args) const
    {
        if constexpr (is_awaitable<std::invoke_result_t<F&, Args>>::value)
            return call_typed_awaitable<Args>(f, std::move(args));
        else
            return std::invoke(*f, from_json<Args>(boost::json::value(std::move(args))));
    }
};

} // namespace detail

/// Registers `handler` (plain, or returning an asio::awaitable; see function_registry for the
/// result types) under `name`, declared with the JSON Schema of Args, a struct described with
/// BOOST_DESCRIBE_STRUCT. Returns the registry for chaining.
template <class Args, class Handler>
function_registry& add_function(function_registry& registry, std::string name, std::string description,
                                Handler&& handler)
{
    static_assert(std::is_invocable_v<std::decay_t<Handler>&, Args>,
                  "gemini::add_function<Args>: the handler must be callable with an Args");
    using F = std::decay_t<Handler>;
    registry.add(function_tool_for<Args>(std::move(name), std::move(description)),
                 detail::typed_handler<Args, F>{std::make_shared<F>(std::forward<Handler>(handler))});
    return registry;
}

} // namespace gemini
