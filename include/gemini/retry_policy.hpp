#pragma once
// When a failed call is tried again, and how long to wait first. The defaults follow the
// official SDKs and the spec's advice (section 14.3): 408, 429, 500, 502, 503, 504 and
// connection failures; up to 4 retries; 0.5 s doubling to 8 s with jitter; server hints
// honoured within the call's deadline.

#include <gemini/error.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace gemini {

/// What an on_retry hook is told before each wait.
struct retry_event
{
    std::string operation;                 ///< "create", "get", ...
    unsigned attempt = 0;                  ///< the attempt that failed, from 1
    std::chrono::milliseconds delay{0};    ///< the wait before the next attempt
    error_code reason;                     ///< what failed (errc::rate_limited, errc::connect_failed, ...)
    unsigned http_status = 0;              ///< 0 for connection failures
    bool server_hint = false;              ///< the delay came from Retry-After / retry-after-ms / RetryInfo
};

/// When and how a failed call is tried again (client_options::retry, request_options::retry).
/// Rules that hold whatever these say (deadlines, hints, bytes already received): docs/reliability.md.
struct retry_policy
{
    /// Retries after the first attempt (so max_retries + 1 attempts in all).
    unsigned max_retries = 4;
    /// The first wait; it doubles with each retry. A server hint (Retry-After, ...) replaces it.
    std::chrono::milliseconds initial_backoff{500};
    /// Cap of the doubled wait.
    std::chrono::milliseconds max_backoff{8000};
    /// Each computed delay is multiplied by a random factor in (1 - jitter, 1].
    double jitter = 0.25;
    /// HTTP statuses that are retried (a 429 whose quota is 0 never is).
    std::vector<unsigned> retry_statuses{408, 429, 500, 502, 503, 504};
    /// Connection failures: refused, reset or closed before any response byte.
    bool retry_connection_failures = true;
    /// Also retry calls that are not idempotent (create, cancel), as the official SDKs do. A
    /// retried create may run twice on the server when the first attempt's answer was lost.
    bool retry_non_idempotent = true;
    /// Called before each wait; for logs and metrics.
    std::function<void(const retry_event&)> on_retry;

    /// No retries at all.
    static retry_policy none()
    {
        retry_policy p;
        p.max_retries = 0;
        return p;
    }
};

} // namespace gemini
