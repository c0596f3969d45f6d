#pragma once
// gemini::function_registry: C++ handlers for the functions the model may call, for automatic
// function calling (gemini::chat with functions, gemini::run_functions).
//
//     gemini::function_registry functions;
//     functions.add("get_weather", "Current weather of a city", schema,
//                   [](boost::json::object args) -> boost::json::value { ... });     // plain
//     functions.add(weather_tool, fetch_weather);  // asio::awaitable<json::value>(json::object)
//
// A handler receives the call's `arguments` and returns the function's result: a string, a
// JSON object, any other JSON value (sent as its JSON text), content blocks
// (std::vector<gemini::content>, e.g. a screenshot) or a gemini::function_result_value;
// directly or as an asio::awaitable of one. Whatever it throws becomes an `is_error: true`
// result whose text is the exception's message, so that the model can react to it.
//
// Plain callables run inline on the executor of the loop (a strand of the client's executor):
// blocking in one delays every other call of the round. Long or blocking work belongs in an
// awaitable handler that hands it to a thread pool.

#include <gemini/model/content.hpp>
#include <gemini/model/interaction.hpp>
#include <gemini/model/step.hpp>
#include <gemini/model/tool.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace gemini {

/// The erased form of every handler.
using function_handler = std::function<boost::asio::awaitable<function_result_value>(boost::json::object args)>;

namespace detail {

template <class T>
struct is_awaitable : std::false_type
{
};
template <class T, class E>
struct is_awaitable<boost::asio::awaitable<T, E>> : std::true_type
{
    using value_type = T;
};

/// A JSON value as a function result: strings stay strings, objects objects, anything else
/// (numbers, arrays, booleans, null) is sent as its JSON text.
function_result_value function_result_from_json(boost::json::value v);

template <class>
inline constexpr bool unsupported_result = false;

template <class R>
function_result_value to_function_result(R&& r)
{
    using T = std::remove_cvref_t<R>;
    if constexpr (std::is_same_v<T, function_result_value>)
        return std::forward<R>(r);
    else if constexpr (std::is_same_v<T, boost::json::object> || std::is_same_v<T, std::vector<content>>)
        return function_result_value(std::forward<R>(r));
    else if constexpr (std::is_same_v<T, boost::json::value>)
        return function_result_from_json(std::forward<R>(r));
    else if constexpr (std::is_convertible_v<R, std::string_view>)
        return function_result_value(std::string(std::string_view(r)));
    else
        static_assert(unsupported_result<T>, "a function handler must return a string, a boost::json::value or "
                                             "object, std::vector<gemini::content>, or an awaitable of one");
}

// Named coroutines with by-value parameters: the handler object lives in the frame (through the
// shared_ptr) for as long as the call runs.
template <class F>
boost::asio::awaitable<function_result_value> call_plain(std::shared_ptr<F> f, boost::json::object args)
{
    co_return to_function_result(std::invoke(*f, std::move(args)));
}

template <class F>
boost::asio::awaitable<function_result_value> call_awaitable(std::shared_ptr<F> f, boost::json::object args)
{
    auto op = std::invoke(*f, std::move(args));
    auto result = co_await std::move(op);
    co_return to_function_result(std::move(result));
}

template <class Handler>
function_handler erase_handler(Handler&& h)
{
    using F = std::decay_t<Handler>;
    static_assert(std::is_invocable_v<F&, boost::json::object>,
                  "a function handler is called with the arguments as a boost::json::object");
    auto shared = std::make_shared<F>(std::forward<Handler>(h));
    if constexpr (is_awaitable<std::invoke_result_t<F&, boost::json::object>>::value)
        return [shared](boost::json::object args) { return call_awaitable(shared, std::move(args)); };
    else
        return [shared](boost::json::object args) { return call_plain(shared, std::move(args)); };
}

} // namespace detail

/// What one round of automatic function calling did; given to function_loop_options::on_round.
struct function_round
{
    std::size_t round = 0;                               ///< 1-based
    const interaction& response;                         ///< the interaction that asked for the calls
    const std::vector<function_call_step>& calls;        ///< in the order the model gave them
    const std::vector<function_result_step>& results;    ///< results[i] answers calls[i]
};

/// Counters of one automatic-function-calling run (one chat turn or one run_functions call).
struct function_loop_stats
{
    std::size_t rounds = 0;       ///< requests made to the model
    std::size_t calls = 0;        ///< function calls answered
    std::size_t failed_calls = 0; ///< of which answered with is_error (throw or unknown name)
};

/// Settings of the automatic loop.
struct function_loop_options
{
    /// The most requests one run makes to the model. When the answer to the last of them still
    /// asks for function calls, the run fails with errc::too_many_rounds (its calls are not run;
    /// a chat's history is left as it was before the turn).
    std::size_t max_rounds = 10;
    /// Called after each round's handlers ran, before their results are sent.
    std::function<void(const function_round&)> on_round{};
    /// When set, receives the counters when the run ends, also when it fails.
    function_loop_stats* stats_out = nullptr;
};

/// Function declarations with the C++ handlers that answer them. Cheap to copy (handlers are
/// shared); not thread-safe to modify while a loop that uses it runs.
class function_registry
{
public:
    struct entry
    {
        function_tool declaration;
        function_handler handler;
    };

    /// Registers a function; its declaration is sent in `tools` with every request of the loop.
    /// Throws gemini::error(invalid_argument) for an empty or already registered name.
    template <class Handler>
    function_registry& add(function_tool declaration, Handler&& handler)
    {
        add_erased(std::move(declaration), detail::erase_handler(std::forward<Handler>(handler)));
        return *this;
    }

    /// The same with a gemini::tool, which must hold a function_tool.
    template <class Handler>
    function_registry& add(const tool& declaration, Handler&& handler)
    {
        add_erased(function_of(declaration), detail::erase_handler(std::forward<Handler>(handler)));
        return *this;
    }

    /// The same from the parts of the declaration (`parameters` is a JSON Schema).
    template <class Handler>
    function_registry& add(std::string name, std::string description, boost::json::object parameters,
                           Handler&& handler)
    {
        add_erased(function_tool{.name = std::move(name), .description = std::move(description),
                                 .parameters = std::move(parameters)},
                   detail::erase_handler(std::forward<Handler>(handler)));
        return *this;
    }

    /// Removes a function; false when it was not registered.
    bool remove(std::string_view name);

    bool empty() const noexcept { return entries_.empty(); }
    std::size_t size() const noexcept { return entries_.size(); }
    const std::vector<entry>& entries() const noexcept { return entries_; }
    /// The entry of `name`, or nullptr.
    const entry* find(std::string_view name) const noexcept;

    /// The declarations, in registration order, as tools for a request.
    std::vector<tool> tools() const;

    /// Runs the handler of `call` and returns its answer. Never throws: a handler that throws,
    /// and a name without handler, give an `is_error: true` result with a message. The
    /// registry may go away before the returned awaitable finishes.
    boost::asio::awaitable<function_result_step> invoke(function_call_step call) const;

private:
    static function_tool function_of(const tool& t);
    void add_erased(function_tool declaration, function_handler handler);

    std::vector<entry> entries_;
};

} // namespace gemini
