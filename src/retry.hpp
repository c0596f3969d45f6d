#pragma once
// The retry decision, free of I/O so that it is tested on its own.

#include <gemini/error.hpp>
#include <gemini/retry_policy.hpp>

#include <chrono>
#include <optional>

namespace gemini::detail {

struct retry_decision
{
    bool retry = false;
    std::chrono::milliseconds delay{0};
    bool server_hint = false;
};

/// `failure` describes the attempt that failed; `ec` its code. `random01` in [0, 1) drives the
/// jitter. A delay that would end after `remaining` means no retry.
retry_decision decide_retry(const retry_policy& policy, unsigned retries_done, const error_code& ec,
                            const diagnostics& failure, bool before_response, bool request_sent, bool idempotent,
                            std::chrono::milliseconds remaining, double random01);

/// A uniform number in [0, 1) from a per-thread generator (no shared state between threads).
double jitter_sample();

} // namespace gemini::detail
