#pragma once
// One error type for everything that can go wrong in a call, and an error_code category so that
// completion-token users (callbacks, futures, as_tuple) see the same classification without
// exceptions. Library text (what we observed) and server text (what the API said) stay apart.

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <type_traits>

namespace gemini {

/// The error_code of every completion signature, `void(error_code, T)`.
using boost::system::error_code;

/// Error conditions reported by this library. Transport failures, API answers and local
/// problems are distinct values so that code can branch on them without parsing text.
enum class errc
{
    // The API answered with an error status; diagnostics hold its code and message.
    bad_request = 1,      ///< 400 (invalid_request, parameter_unknown, failed_precondition, ...)
    unauthenticated,      ///< 401
    payment_required,     ///< 402
    permission_denied,    ///< 403
    not_found,            ///< 404
    conflict,             ///< 409
    rate_limited,         ///< 429
    server_error,         ///< 5xx
    api_error,            ///< any other non-success status

    // The exchange itself failed.
    resolve_failed,       ///< the host name could not be resolved
    connect_failed,       ///< no resolved address accepted a connection
    tls_failed,           ///< TLS handshake failed or the peer's certificate was rejected
    timeout,              ///< a connect, handshake or request deadline passed
    connection_closed,    ///< the peer closed or reset the connection mid-exchange
    malformed_response,   ///< the response was not valid HTTP, JSON or of the expected shape
    response_too_large,   ///< the response exceeded a configured size limit
    incomplete_stream,    ///< a stream ended without interaction.completed or an error event

    // Local problems.
    invalid_argument,     ///< the caller passed something the API cannot accept
    insecure_transport,   ///< plain HTTP to a host that is not loopback
    pool_exhausted,       ///< the connection pool's wait queue is full

    // Structured output (gemini/structured_output.hpp).
    output_mismatch,      ///< the model's output is not JSON or does not match the requested type

    // Automatic function calling (gemini/chat.hpp, gemini/function_registry.hpp).
    too_many_rounds,      ///< automatic function calling hit its maximum number of rounds

    // The HTTP proxy (client_options::proxy, HTTPS_PROXY) refused or botched the CONNECT
    // tunnel; diagnostics::http_status holds the proxy's status (407: authentication required).
    proxy_failed,
};

/// The category of gemini::errc codes.
const boost::system::error_category& error_category() noexcept;

/// Makes `error_code ec = errc::not_found;` and `ec == errc::not_found` work.
inline error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// Writes the code's message, for logs and test output.
std::ostream& operator<<(std::ostream& os, errc e);

/// True for codes that describe a failed exchange rather than an answer of the API.
bool is_transport_error(const error_code& ec) noexcept;

/// Everything known about a failed call. Filled by the library; never contains the API key.
struct diagnostics
{
    std::string operation;              ///< "create", "get", "cancel", "delete", ...
    std::string interaction_id;         ///< when the call named one
    unsigned http_status = 0;           ///< 0 when no response was received
    std::string api_code;               ///< flat error code ("not_found") or RPC status name ("NOT_FOUND")
    std::optional<int> rpc_code;        ///< integer code of the google.rpc.Status shape
    std::string api_status;             ///< RPC status name when the body had one
    std::string api_message;            ///< message written by the server
    boost::json::value details;         ///< error.details as sent, or null
    std::optional<std::chrono::milliseconds> retry_after; ///< server retry hint, when given
    std::string library_message;        ///< what this library observed (transport errors, parse errors)
    error_code transport_error;         ///< the underlying system/TLS error, when there was one

    /// One line for logs and exception text (gemini::error appends the error_code's message).
    std::string to_string() const;
};

/// Thrown by the co_await-able forms. A system_error, so generic handlers keep working, that
/// carries the full diagnostics.
class error : public boost::system::system_error
{
public:
    error(error_code ec, diagnostics diag);

    const diagnostics& diag() const noexcept { return diag_; }
    unsigned http_status() const noexcept { return diag_.http_status; }
    const std::string& api_code() const noexcept { return diag_.api_code; }
    const std::string& api_message() const noexcept { return diag_.api_message; }

private:
    diagnostics diag_;
};

} // namespace gemini

/// gemini::errc converts to boost::system::error_code implicitly.
template <>
struct boost::system::is_error_code_enum<gemini::errc> : std::true_type
{
};
