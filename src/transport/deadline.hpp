#pragma once
// Runs an awaitable against a deadline. asio's awaitable `||` waits for the first *success*, so
// an operation that fails early would sit until the timer fires; this races the first
// completion of either kind and cancels the other.

#include <gemini/error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <type_traits>
#include <string>

namespace gemini::detail {

using clock = std::chrono::steady_clock;

/// Thrown inside the library when a phase's deadline passed; the operation turns it into
/// errc::timeout with the phase named in the diagnostics.
struct deadline_exceeded
{
    const char* phase;
};

/// Turns whatever cancellation reaches it into terminal cancellation.
struct any_cancellation_as_terminal
{
    boost::asio::cancellation_type operator()(boost::asio::cancellation_type t) const noexcept
    {
        return t == boost::asio::cancellation_type::none ? t : boost::asio::cancellation_type::terminal;
    }
};

/// Between the race of with_deadline and the co_spawned operation in it, on one strand. Like
/// operation_state (client_impl.hpp): Asio 1.81's co_spawn entry point awaits outside its try
/// block before and after the body, so a cancellation that reaches the coroutine there escapes
/// from io_context::run(). A request before the body started is kept and honoured when it
/// starts; one after the body ended is dropped.
struct deadline_child_gate
{
    void request(boost::asio::cancellation_type t)
    {
        if (running)
            signal.emit(t);
        else if (!finished)
            pending = pending | t;
    }

    boost::asio::cancellation_signal signal;
    boost::asio::cancellation_type pending = boost::asio::cancellation_type::none;
    bool running = false;
    bool finished = false;
};

/// The body of the co_spawned operation. It honours any cancellation that reaches it as
/// terminal: a co_spawned coroutine honours only terminal cancellation by default, while the
/// caller lets partial cancellation through too (operation.hpp); the group forwards a partial
/// request to both the timer and the operation, the timer ends, and an operation that ignored
/// the request would run on without its deadline.
template <class T>
boost::asio::awaitable<T> deadline_child(std::shared_ptr<deadline_child_gate> gate, boost::asio::awaitable<T> op)
{
    struct finish_on_exit
    {
        deadline_child_gate& gate;
        ~finish_on_exit()
        {
            gate.running = false;
            gate.finished = true;
        }
    } finish{*gate};
    auto reset = boost::asio::this_coro::reset_cancellation_state(any_cancellation_as_terminal{});
    co_await std::move(reset);
    if (gate->pending != boost::asio::cancellation_type::none)
        throw boost::system::system_error(boost::asio::error::operation_aborted);
    gate->running = true;
    co_return co_await std::move(op);
}

template <class T>
struct deadline_child_signature
{
    using type = void(std::exception_ptr, T);
};
template <>
struct deadline_child_signature<void>
{
    using type = void(std::exception_ptr);
};

/// co_spawn(ex, op, deferred) with the gate between the caller's slot and the coroutine.
template <class T>
auto spawn_deadline_child(boost::asio::any_io_executor ex, boost::asio::awaitable<T> op)
{
    namespace asio = boost::asio;
    using signature = typename deadline_child_signature<T>::type;
    return asio::async_initiate<const asio::deferred_t&, signature>(
        [ex](auto handler, asio::awaitable<T> body) {
            auto gate = std::make_shared<deadline_child_gate>();
            auto slot = asio::get_associated_cancellation_slot(handler);
            if (slot.is_connected())
                slot.assign([gate](asio::cancellation_type t) { gate->request(t); });
            asio::co_spawn(ex, deadline_child(gate, std::move(body)),
                           asio::bind_cancellation_slot(gate->signal.slot(), std::move(handler)));
        },
        asio::deferred, std::move(op));
}

template <class T>
boost::asio::awaitable<T> with_deadline(boost::asio::awaitable<T> op, clock::time_point deadline,
                                        const char* phase)
{
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, deadline);
    auto group = asio::experimental::make_parallel_group(spawn_deadline_child<T>(ex, std::move(op)),
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
