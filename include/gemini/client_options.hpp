#pragma once
// Client-wide settings. A default-constructed value is a working configuration: empty strings
// mean "take it from the environment, else the built-in default" (see each field).

#include <gemini/error.hpp>
#include <gemini/retry_policy.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;  ///< forward declaration: client_options::ssl_context
}

namespace gemini {

using namespace std::chrono_literals;

/// Sizing and timing of the per-client connection pool. Zero durations disable a limit.
struct pool_params
{
    std::size_t max_connections = 100;               ///< per client (one host)
    std::size_t max_waiters = 65536;                 ///< operations queued for a connection before pool_exhausted
    std::chrono::milliseconds idle_timeout = 60s;    ///< an idle connection older than this is closed, not reused
    std::chrono::milliseconds max_lifetime = 0ms;    ///< connections are retired after this age (0: never)
    std::chrono::milliseconds dns_ttl = 60s;         ///< resolved addresses are reused for this long
    /// New connections resume the host's last TLS session when the server allows it: no
    /// certificate exchange, half the client's CPU for a new connection.
    bool tls_session_resumption = true;
    /// While the pool has no TLS session to resume (a new client, or its session expired), at
    /// most this many new connections handshake at once; the others wait for the session the
    /// first ones bring, and resume it, or for their turn. 1,000 requests at once on a new
    /// client then cost 16 full handshakes instead of 768 (the rest resumed), for a wait of
    /// about one handshake beyond the first 16 connections. 0: no limit. Only with
    /// tls_session_resumption.
    std::size_t max_full_handshakes = 16;
};

/// Deadlines of the phases of one call. The request timeout bounds the whole call, including
/// waiting for a connection; the others bound opening a new connection, the handshake within
/// connect + tls_handshake. `connect` and `request` must be positive (the client refuses zero:
/// unlike the pool's limits, a deadline has no "none" value).
struct timeouts
{
    std::chrono::milliseconds connect = 10s;
    std::chrono::milliseconds tls_handshake = 10s;
    std::chrono::milliseconds request = 600s;        ///< the service's own limit for unary calls
};

/// How streams behave (client::stream, client::stream_get).
struct stream_params
{
    /// No byte for this long means the connection is dead (then: resume). Separate from the
    /// request timeout, which bounds only the wait for the response headers of a stream.
    /// Must be positive.
    std::chrono::milliseconds idle_timeout = 60s;
    /// Reconnect with GET ...?stream=true&last_event_id=... when a stored interaction's stream
    /// drops, and continue without losing or repeating an event.
    bool resume = true;
    /// Consecutive reconnect attempts that bring no new event before the stream fails.
    unsigned max_resume_attempts = 5;
    /// Wait before the first reconnect; doubles per consecutive attempt, up to 8 s.
    std::chrono::milliseconds resume_backoff = 100ms;
    /// Largest single event accepted (inline images need a few MiB).
    std::size_t max_event_bytes = 16u << 20;
    /// Bytes read from the socket per step: the socket is read only as fast as events are pulled.
    std::size_t read_chunk_bytes = 16u << 10;
};

/// Long decodes that stop with status requires_continuation (spec 13).
struct continuation_params
{
    /// create() sends the continuation hops itself (stored mode: continuation_token +
    /// previous_interaction_id; store:false: the original input + continuation_token), then
    /// returns one interaction: the hops' steps concatenated, usage summed, the last hop's id
    /// and status. Never for background or agent requests, as in @google/genai.
    bool automatic = true;
    /// Hops after the first one; when they run out, create() returns the combined interaction
    /// still in requires_continuation, with the last continuation_token.
    unsigned max_hops = 16;
};

/// One HTTP attempt, as the trace hook sees it. Holds no header values, so credentials can
/// never reach a trace.
struct trace_event
{
    std::string operation;                 ///< "create", "get", "stream", ...
    std::string method;                    ///< "POST", "GET", ...
    std::string path;                      ///< request target after the base URL's path
    unsigned attempt = 0;                  ///< from 1; retries count up
    unsigned status = 0;                   ///< HTTP status, 0 when none was received
    std::chrono::microseconds elapsed{0};  ///< connection wait + exchange (to the headers, for streams)
    error_code error;                      ///< empty on success
};

/// Returns a fresh OAuth2 access token; called before every attempt so tokens can refresh.
using bearer_token_provider = std::function<boost::asio::awaitable<std::string>()>;

/// Everything a client is configured with; every field is optional (defaults from the
/// environment and the official SDKs). See docs/client.md.
struct client_options
{
    /// API key sent as x-goog-api-key. Empty: GEMINI_API_KEY. Ignored when a token provider is set.
    std::string api_key{};
    /// When set, "Authorization: Bearer <token>" is sent instead of the API key.
    bearer_token_provider token_provider{};
    /// Empty: GEMINI_BASE_URL, else https://generativelanguage.googleapis.com. A path prefix
    /// is allowed. http:// is accepted only for loopback hosts.
    std::string base_url{};
    /// Empty: GEMINI_API_VERSION, else "v1beta".
    std::string api_version{};
    /// Extra trusted CA certificates, as a PEM file path (empty: GEMINI_CA_FILE) or PEM text.
    /// The system store stays trusted as well.
    std::string ca_file{};
    /// Extra trusted CA certificates as PEM text (e.g. gemini::emulator::server::ca_pem()).
    std::string ca_pem{};
    /// A fully configured TLS context (client certificates, own trust store). When set, ca_file,
    /// ca_pem and the system store are not applied; peer and host-name verification still are.
    /// With pool.tls_session_resumption, constructing the client turns on the context's client
    /// session cache and installs its new-session callback (unless the context has one of its
    /// own: then there is no resumption); construct clients before the context is in use.
    std::shared_ptr<boost::asio::ssl::context> ssl_context{};
    /// HTTP proxy for https:// base URLs, as http://[user:password@]host[:port] (credentials
    /// percent-decoded, port 1080 by default; https:// proxies are refused). The tunnel is a
    /// CONNECT; TLS and host-name verification stay end to end with the real host.
    /// nullopt: https_proxy / HTTPS_PROXY, not applied to loopback hosts. "": no proxy, whatever
    /// the environment says. A set value applies to loopback hosts too. See docs/client.md.
    std::optional<std::string> proxy{};
    /// Hosts reached without the proxy: comma-separated names, domain suffixes (".corp" or
    /// "corp"), "*", IP literals or CIDR ranges, each with an optional ":port".
    /// nullopt: no_proxy / NO_PROXY. "": every host through the proxy.
    std::optional<std::string> no_proxy{};

    timeouts timeout{};                  ///< connect, TLS handshake and whole-call limits
    pool_params pool{};                  ///< connection pool size, queue and lifetimes
    stream_params streaming{};           ///< stream idle timeout, resume, event size limits
    retry_policy retry{};               ///< default for every call (request_options::retry replaces it)
    continuation_params continuation{};  ///< requires_continuation hops followed by create() and stream()

    /// Sent with every request; a request_options header of the same name wins.
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string user_agent = "gemini-asio/0.1";
    /// Called after every HTTP attempt (debugging, metrics). Runs on the operation's strand.
    std::function<void(const trace_event&)> trace{};
    /// Largest response body accepted for unary calls.
    std::size_t max_response_bytes = 64u << 20;
};

} // namespace gemini
