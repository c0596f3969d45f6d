#pragma once
// The shared state behind gemini::client and the pipeline every unary operation goes through:
// acquire a pooled connection, send, read the whole response, return or close the connection,
// and turn every outcome into a value or a gemini::error with diagnostics.

#include "transport/connection_pool.hpp"
#include "transport/reply_parser.hpp"

#include <gemini/client_options.hpp>
#include <gemini/error.hpp>
#include <gemini/request_options.hpp>
#include <gemini/response_info.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace gemini::detail {

/// One HTTP call as the operations describe it.
struct http_call
{
    http::verb method = http::verb::get;
    std::string path;              ///< after the base path, e.g. "/v1beta/interactions/ID"
    std::string body;              ///< JSON text; empty for no body
    const request_options* options = nullptr;
    bool event_stream = false;     ///< Accept: text/event-stream
    bool idempotent = true;        ///< false for POST create / cancel (see retry_policy)
    const char* operation = "";    ///< for retry_event
    std::string content_type{};    ///< of a non-empty body; empty: application/json (uploads send raw bytes)
    bool raw_target = false;       ///< `path` is the whole target, not under the base URL's path
};

/// A streaming response whose headers were read: the body is read incrementally by the owner.
struct stream_exchange
{
    connection_pool::lease conn;
    std::unique_ptr<reply_parser> parser;   // windowed, the header read
};

struct http_reply
{
    std::string body;
    response_info info;
};

/// An operation in flight, so that client::cancel() and the caller's cancellation slot can
/// reach it. Everything here is touched on `strand` only.
///
/// Cancellation is gated on the coroutine being inside its body: Asio 1.81's co_spawn entry
/// point awaits outside its try block before and after the body, so a signal emitted there
/// escapes as an exception from io_context::run(). A request that arrives too early is kept
/// and honoured when the body starts; one that arrives after the body ended is dropped.
struct operation_state
{
    explicit operation_state(asio::any_io_executor strand) : strand(std::move(strand)) {}

    void request_cancel(asio::cancellation_type type)
    {
        if (running)
            signal.emit(type);
        else if (!finished)
            pending = pending | type;
    }

    asio::any_io_executor strand;
    asio::cancellation_signal signal;
    asio::cancellation_type pending = asio::cancellation_type::none;
    bool running = false;
    bool finished = false;
};

class client_impl
{
public:
    client_impl(asio::any_io_executor ex, client_options opts);
    ~client_impl();

    asio::any_io_executor executor;
    client_options options;              // environment defaults applied
    std::string version_path;            // "/v1beta"

    /// A unary exchange with retries: the whole 2xx response, or the API's error thrown.
    asio::awaitable<http_reply> execute(http_call call);

    /// Sends the request (with retries) and reads the response headers. A non-200 answer is
    /// thrown as the API's error; a 200 that is not text/event-stream is malformed_response.
    asio::awaitable<stream_exchange> open_stream(http_call call);

    /// Starts a tracked operation on its own strand; the strand serialises the coroutine and
    /// its deadline timers when the client is shared by several threads.
    std::shared_ptr<operation_state> begin_operation();
    void end_operation(const std::shared_ptr<operation_state>& op);
    void cancel_all();

    pool_stats stats() const { return pool_->stats(); }

    /// The retry policy of a call made with `call_options` (may be null): its own, else the client's.
    const retry_policy& policy_for(const request_options* call_options) const noexcept
    {
        return call_options && call_options->retry ? *call_options->retry : options.retry;
    }
    /// Whether a call that may already have reached the server can be sent again: an
    /// idempotent one always, a create or cancel when its policy allows running it twice.
    bool may_resend(const request_options* call_options, bool idempotent) const noexcept
    {
        const retry_policy& policy = policy_for(call_options);
        return idempotent ||
               (policy.retry_non_idempotent && policy.retry_connection_failures && policy.max_retries > 0);
    }

private:
    clock::time_point deadline_for(const http_call& call) const;
    void trace(const http_call& call, unsigned attempt, clock::time_point start, unsigned status,
               error_code ec) const;
    template <class T>
    using attempt_function = asio::awaitable<T> (client_impl::*)(connection_pool::lease&,
                                                                 outgoing_request&);
    template <class T>
    asio::awaitable<T> with_retries(http_call call, attempt_function<T> attempt_fn);
    template <class T>
    asio::awaitable<T> exchange_once(const http_call& call, clock::time_point deadline,
                                     attempt_function<T> attempt_fn);
    asio::awaitable<http_reply> attempt(connection_pool::lease& conn, outgoing_request& req);
    asio::awaitable<stream_exchange> attempt_stream(connection_pool::lease& conn,
                                                    outgoing_request& req);
    /// Whether the request's credential is the token provider's (fetched per attempt).
    bool wants_token(const http_call& call) const;
    /// The request's line and headers, every one checked; the API key among them unless a
    /// credential header of the caller's or a token provider stands in for it. add_token()
    /// (when wants_token()) and outgoing_request::finish() follow.
    outgoing_request start_request(const http_call& call);
    static void add_token(outgoing_request& req, std::string_view token);

    std::shared_ptr<asio::ssl::context> tls_;
    std::shared_ptr<connection_pool> pool_;
    std::mutex ops_mutex_;
    std::set<std::shared_ptr<operation_state>> ops_;
    /// Strands of ended operations, for the next ones (a strand costs two allocations and the
    /// strand service's mutex to make and to destroy). An operation's strand only serialises
    /// its handlers, so one that ended can lend its strand to the next; a late handler of the
    /// old one (a cancel, a deadline that lost its race) finds it ended and does nothing.
    std::vector<asio::any_io_executor> spare_strands_;
    bool cancelled_ = false;
};

} // namespace gemini::detail
