#pragma once
// gemini::client: the entry point. One client owns one connection pool to one API host and is
// meant to be shared by every coroutine (and every thread) of a program. All network work is
// compiled into the library; this header only forwards type-erased handlers.

#include <gemini/client_options.hpp>
#include <gemini/error.hpp>
#include <gemini/interaction_stream.hpp>
#include <gemini/model/interaction.hpp>
#include <gemini/model/request.hpp>
#include <gemini/poll_policy.hpp>
#include <gemini/pool_stats.hpp>
#include <gemini/request_options.hpp>
#include <gemini/response_info.hpp>
#include <gemini/use_awaitable.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <memory>
#include <string>

namespace gemini {

namespace detail {
class client_impl;
struct client_access; // how the library's own operations built on a client reach its state

using interaction_handler = boost::asio::any_completion_handler<void(error_code, interaction)>;
using response_handler = boost::asio::any_completion_handler<void(error_code, response_info)>;
using stream_handler = boost::asio::any_completion_handler<void(error_code, interaction_stream)>;

void initiate_create(const std::shared_ptr<client_impl>&, request, request_options, diagnostics*,
                     interaction_handler);
void initiate_get(const std::shared_ptr<client_impl>&, std::string id, get_options, diagnostics*,
                  interaction_handler);
void initiate_cancel(const std::shared_ptr<client_impl>&, std::string id, request_options,
                     diagnostics*, interaction_handler);
void initiate_remove(const std::shared_ptr<client_impl>&, std::string id, request_options,
                     diagnostics*, response_handler);
void initiate_stream(const std::shared_ptr<client_impl>&, request, request_options, diagnostics*,
                     stream_handler);
void initiate_stream_get(const std::shared_ptr<client_impl>&, std::string id, std::string last_event_id,
                         request_options, diagnostics*, stream_handler);
void initiate_wait(const std::shared_ptr<client_impl>&, std::string id, poll_policy, diagnostics*,
                   interaction_handler);

// One initiation per operation signature: async_initiate calls it with the concrete handler,
// which is erased here so that the network code is compiled once, in src/.
template <class Handler, auto Initiate>
struct erased_initiation
{
    std::shared_ptr<client_impl> impl;
    diagnostics* diag = nullptr;

    template <class H, class... Args>
    void operator()(H&& handler, Args&&... args)
    {
        Initiate(impl, std::forward<Args>(args)..., diag, Handler(std::forward<H>(handler)));
    }
};

} // namespace detail

/// A client of the Gemini Interactions API: one HTTPS connection pool shared by every
/// operation, usable from any thread. Each operation has an `async_` form taking any completion
/// token (signature `void(error_code, T)`) and a co_await form that throws gemini::error.
/// Destroying the client cancels what is in flight. See docs/client.md.
class client
{
public:
    /// Operations complete on the caller's associated executor; connections run on this one.
    using executor_type = boost::asio::any_io_executor;

    /// Throws gemini::error (invalid_argument, insecure_transport) for unusable options, for
    /// example a plain-HTTP base URL that is not loopback or an unreadable CA file.
    explicit client(executor_type ex, client_options opts = {});
    ~client();                          ///< cancels everything in flight (see cancel())
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// The executor given to the constructor.
    executor_type get_executor() const noexcept;

    /// POST /{version}/interactions. Completes with void(error_code, interaction).
    template <class CompletionToken = use_awaitable_t>
    auto async_create(request req, request_options opts = {}, CompletionToken&& token = {})
    {
        using init = detail::erased_initiation<detail::interaction_handler, &detail::initiate_create>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, interaction)>(
            init{impl_}, token, std::move(req), std::move(opts));
    }

    /// GET /{version}/interactions/{id}.
    template <class CompletionToken = use_awaitable_t>
    auto async_get(std::string id, get_options opts = {}, CompletionToken&& token = {})
    {
        using init = detail::erased_initiation<detail::interaction_handler, &detail::initiate_get>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, interaction)>(
            init{impl_}, token, std::move(id), std::move(opts));
    }

    /// POST /{version}/interactions/{id}/cancel (background interactions).
    template <class CompletionToken = use_awaitable_t>
    auto async_cancel(std::string id, request_options opts = {}, CompletionToken&& token = {})
    {
        using init = detail::erased_initiation<detail::interaction_handler, &detail::initiate_cancel>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, interaction)>(
            init{impl_}, token, std::move(id), std::move(opts));
    }

    /// DELETE /{version}/interactions/{id}. Completes with the HTTP status and headers.
    template <class CompletionToken = use_awaitable_t>
    auto async_remove(std::string id, request_options opts = {}, CompletionToken&& token = {})
    {
        using init = detail::erased_initiation<detail::response_handler, &detail::initiate_remove>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, response_info)>(
            init{impl_}, token, std::move(id), std::move(opts));
    }

    /// POST /{version}/interactions with stream:true. Completes once the response headers
    /// arrived (an error answer before streaming begins fails here, like create()); the events
    /// are then pulled from the interaction_stream.
    template <class CompletionToken = use_awaitable_t>
    auto async_stream(request req, request_options opts = {}, CompletionToken&& token = {})
    {
        using init = detail::erased_initiation<detail::stream_handler, &detail::initiate_stream>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, interaction_stream)>(
            init{impl_}, token, std::move(req), std::move(opts));
    }

    /// GET /{version}/interactions/{id}?stream=true[&last_event_id=...]: follows a stored
    /// interaction (from the start, or after `last_event_id`).
    template <class CompletionToken = use_awaitable_t>
    auto async_stream_get(std::string id, std::string last_event_id = {}, request_options opts = {},
                          CompletionToken&& token = {})
    {
        using init = detail::erased_initiation<detail::stream_handler, &detail::initiate_stream_get>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, interaction_stream)>(
            init{impl_}, token, std::move(id), std::move(last_event_id), std::move(opts));
    }

    /// Polls GET /{version}/interactions/{id} as `policy` says until the status leaves
    /// queued / in_progress, and completes with that interaction (whatever its final status:
    /// completed, failed, cancelled ...). The policy's deadline ends the wait with
    /// errc::timeout. Cancellation (the token's slot, client::cancel()) ends it with
    /// operation_aborted at once, during a GET or a pause alike.
    template <class CompletionToken = use_awaitable_t>
    auto async_wait(std::string id, poll_policy policy = {}, CompletionToken&& token = {})
    {
        using init = detail::erased_initiation<detail::interaction_handler, &detail::initiate_wait>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, interaction)>(
            init{impl_}, token, std::move(id), std::move(policy));
    }

    // co_await conveniences: the same operations as the async_ forms above, returning the value
    // or throwing gemini::error (with the call's diagnostics).

    /// Polls GET until the interaction leaves queued/in_progress (see async_wait()).
    boost::asio::awaitable<interaction> wait(std::string id, poll_policy policy = {});
    /// Creates a streamed interaction; returns once the response headers arrived.
    boost::asio::awaitable<interaction_stream> stream(request req, request_options opts = {});
    /// Streams a stored interaction from the start, or after `last_event_id`.
    boost::asio::awaitable<interaction_stream> stream_get(std::string id, std::string last_event_id = {},
                                                          request_options opts = {});
    /// POST /{version}/interactions; follows requires_continuation hops (docs/background.md).
    boost::asio::awaitable<interaction> create(request req, request_options opts = {});
    /// GET /{version}/interactions/{id}.
    boost::asio::awaitable<interaction> get(std::string id, get_options opts = {});
    /// POST /{version}/interactions/{id}/cancel: stops a background run (400 when it is not running).
    boost::asio::awaitable<interaction> cancel(std::string id, request_options opts = {});
    /// DELETE /{version}/interactions/{id}.
    boost::asio::awaitable<response_info> remove(std::string id, request_options opts = {});

    /// Ends every operation in flight with operation_aborted, closes all connections, and makes
    /// later operations fail the same way. Safe to call from any thread.
    void cancel();

    /// A snapshot of the connection pool's counters (open, idle, in use, waiting, totals).
    pool_stats pool_statistics() const;

    /// The effective settings after environment defaults were applied (the key is not exposed).
    const std::string& base_url() const noexcept;
    const std::string& api_version() const noexcept;

private:
    friend struct detail::client_access;
    std::shared_ptr<detail::client_impl> impl_;
};

namespace detail {

/// The library's own operations built on a client (chat, run_functions, the Files API) share
/// its connection pool and operation tracking through this accessor.
struct client_access
{
    static const std::shared_ptr<client_impl>& impl(const client& c) noexcept { return c.impl_; }
};

} // namespace detail

} // namespace gemini
