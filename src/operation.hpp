#pragma once
// How every operation runs: a coroutine on its own strand, tracked for client::cancel(),
// reachable by the caller's cancellation slot, completing the caller's handler on its own
// executor with (error_code, T) and diagnostics. Shared by unary calls and streams.

#include "client_impl.hpp"

#include <gemini/model/interaction.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <memory>
#include <string>

namespace gemini::detail {

/// Turns whatever an operation threw into the error_code and diagnostics users see.
error_code describe_failure(std::exception_ptr failure, diagnostics& diag);

/// Throws gemini::error(invalid_argument) with `message` as the library text.
[[noreturn]] void reject_argument(std::string message);

/// Percent-encodes an interaction id for a path segment; rejects an empty one.
std::string encode_id(std::string_view id);

/// A successful (2xx) answer decoded into an interaction; malformed_response when it is not one.
interaction decode_interaction(http_reply reply);

/// The same, boxed where it is made: the hot operations (create, get, cancel) return their
/// interaction this way, so that it is never moved on the way to launch's completion.
std::unique_ptr<interaction> decode_boxed_interaction(http_reply reply);

template <class T>
struct unboxed
{
    using type = T;
};
template <class T>
struct unboxed<std::unique_ptr<T>>
{
    using type = T;
};

// The body of every operation, between the gates of operation_state. Partial cancellation is
// let through as well as terminal: it leaves the client usable (the connection is closed,
// nothing else changes). Both reach the operation's I/O as terminal, the only kind Beast's
// composed reads and writes honour. The result travels boxed: co_spawn's completion, the
// dispatch to the caller's executor and its wrappers move it about fifteen times, and an
// interaction is over a kilobyte (a tenth of a unary request's instructions went to moving
// and destroying it). A body that returns its result boxed already (`Body` a unique_ptr) is
// passed through; any other is boxed here.
template <class Body>
asio::awaitable<std::unique_ptr<typename unboxed<Body>::type>> cancellable(std::shared_ptr<operation_state> state,
                                                                           asio::awaitable<Body> op)
{
    struct finish_on_exit
    {
        operation_state& state;
        ~finish_on_exit()
        {
            state.running = false;
            state.finished = true;
        }
    } finish{*state};
    auto reset = asio::this_coro::reset_cancellation_state(asio::enable_partial_cancellation(),
                                                           any_cancellation_as_terminal{});
    co_await std::move(reset);
    if (state->pending != asio::cancellation_type::none)
        throw boost::system::system_error(asio::error::operation_aborted);
    state->running = true;
    Body value = co_await std::move(op);
    if constexpr (std::is_same_v<Body, typename unboxed<Body>::type>)
        co_return std::make_unique<Body>(std::move(value));
    else
        co_return value;
}

// Runs `op` as a tracked operation on its own strand and completes `handler` on the handler's
// executor with (error_code, T); `op` yields T or std::unique_ptr<T>. The caller's cancellation
// slot and client::cancel() both reach the coroutine through the operation's signal. Returns the
// operation, so that an owner (a stream) can cancel it later.
template <class T, class Handler, class Body>
std::shared_ptr<operation_state> launch(const std::shared_ptr<client_impl>& impl, const char* operation, std::string interaction_id,
            diagnostics* diag_out, Handler handler, asio::awaitable<Body> op_body)
{
    static_assert(std::is_same_v<typename unboxed<Body>::type, T>, "op yields T or std::unique_ptr<T>");
    auto op = impl->begin_operation();
    auto caller_slot = asio::get_associated_cancellation_slot(handler);
    if (caller_slot.is_connected())
        caller_slot.assign([op](asio::cancellation_type type) {
            asio::post(op->strand, [op, type] { op->request_cancel(type); });
        });

    auto complete = [impl, op, operation, id = std::move(interaction_id), diag_out,
                     handler = std::move(handler)](std::exception_ptr failure, std::unique_ptr<T> value) mutable {
        impl->end_operation(op);
        error_code ec;
        if (failure)
        {
            diagnostics diag;
            diag.operation = operation;
            diag.interaction_id = id;
            ec = describe_failure(failure, diag);
            if (diag_out)
                *diag_out = std::move(diag);
        }
        auto handler_executor = asio::get_associated_executor(handler, impl->executor);
        asio::dispatch(handler_executor, [handler = std::move(handler), ec, value = std::move(value)]() mutable {
            asio::get_associated_cancellation_slot(handler).clear();
            if (value)
                std::move(handler)(ec, std::move(*value));
            else
                std::move(handler)(ec, T{});   // failed
        });
    };
    asio::co_spawn(op->strand, cancellable(op, std::move(op_body)),
                   asio::bind_cancellation_slot(op->signal.slot(), std::move(complete)));
    return op;
}

} // namespace gemini::detail
