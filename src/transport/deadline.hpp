#pragma once
// Runs an awaitable against a deadline. asio's awaitable `||` waits for the first *success*, so
// an operation that fails early would sit until the timer fires; this races the first
// completion of either kind and cancels the other.

#include <gemini/error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <string>

namespace gemini::detail {

using clock = std::chrono::steady_clock;

/// Thrown inside the library when a phase's deadline passed; the operation turns it into
/// errc::timeout with the phase named in the diagnostics.
struct deadline_exceeded
{
    const char* phase;
};

template <class T>
boost::asio::awaitable<T> with_deadline(boost::asio::awaitable<T> op, clock::time_point deadline,
                                        const char* phase)
{
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, deadline);
    auto group = asio::experimental::make_parallel_group(asio::co_spawn(ex, std::move(op), asio::deferred),
                                                         timer.async_wait(asio::deferred));
    auto wait = group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    auto result = co_await std::move(wait);
    const auto& order = std::get<0>(result);
    const std::exception_ptr& op_error = std::get<1>(result);
    const error_code& timer_error = std::get<std::tuple_size_v<decltype(result)> - 1>(result);
    if (order[0] == 1 && !timer_error)
        throw deadline_exceeded{phase};
    if (op_error)
        std::rethrow_exception(op_error);
    if constexpr (!std::is_void_v<T>)
        co_return std::move(std::get<2>(result));
}

} // namespace gemini::detail
