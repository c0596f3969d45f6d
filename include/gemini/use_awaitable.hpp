#pragma once
// The default completion token of this library's async_ functions. It behaves like
// asio::use_awaitable, except that a failure is thrown as gemini::error carrying the full
// diagnostics, not as a bare system_error. Cancellation, executor and allocator association
// are those of the awaiting coroutine, because the operation is awaited inside it.

#include <gemini/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <utility>

namespace gemini {

/// The default completion token of every gemini operation: the operation becomes an
/// `awaitable<T>` that returns the value or throws gemini::error with the call's diagnostics
/// (under an Asio adapter such as bind_cancellation_slot, a gemini::error with its code only).
struct use_awaitable_t
{
};

/// `co_await client.async_get(id)` returns the value or throws gemini::error.
inline constexpr use_awaitable_t use_awaitable{};

namespace detail {

// Our initiations expose a `diag` pointer so that the default token can collect diagnostics.
template <class Initiation>
concept collects_diagnostics = requires(Initiation i) { i.diag = static_cast<diagnostics*>(nullptr); };

} // namespace detail
} // namespace gemini

/// Adapts gemini::use_awaitable_t to Asio: runs the operation under asio::use_awaitable and
/// turns a failure into gemini::error.
template <class T>
struct boost::asio::async_result<gemini::use_awaitable_t, void(gemini::error_code, T)>
{
    using return_type = boost::asio::awaitable<T>;

    template <class Initiation, class... Args>
    static return_type initiate(Initiation initiation, gemini::use_awaitable_t, Args... args)
    {
        gemini::diagnostics diag;
        // An Asio adapter around the token (bind_cancellation_slot, bind_executor, ...) wraps the
        // initiation too, and hides its `diag`: the failure is still a gemini::error, without
        // the diagnostics.
        if constexpr (gemini::detail::collects_diagnostics<Initiation>)
            initiation.diag = &diag;
        // The operation starts when it is awaited, just below, while this frame holds the
        // arguments: the inner awaitable's frame keeps references, not a second copy of them.
        auto start = [&initiation, &args...](auto handler) {
            std::move(initiation)(std::move(handler), std::move(args)...);
        };
        // Plain use_awaitable rather than as_tuple: the value is moved once less on the way out,
        // and only a failure pays for the exception, which is thrown again with the diagnostics.
        auto op = boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(gemini::error_code, T)>(
            std::move(start), boost::asio::use_awaitable);
        try
        {
            co_return co_await std::move(op);
        }
        catch (const gemini::error&)
        {
            throw;
        }
        catch (const boost::system::system_error& failure)
        {
            throw gemini::error(failure.code(), std::move(diag));
        }
    }
};
