#pragma once
#include <gemini/error.hpp>
#include <gemini/retry_policy.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gemini {

/// Per-call settings.
struct request_options
{
    /// Added to this request's headers (replacing client headers of the same name).
    std::vector<std::pair<std::string, std::string>> headers{};
    /// Merged into the JSON body's top level: for API fields newer than this library.
    boost::json::object extra_body{};
    /// Bounds the whole call, retries included; zero means the client's timeouts.request.
    std::chrono::milliseconds timeout{0};
    /// Replaces the client's retry policy for this call.
    std::optional<retry_policy> retry{};
    /// When set, receives the diagnostics of a failure (for completion tokens other than the
    /// default one, which puts them into the thrown gemini::error).
    diagnostics* diagnostics_out = nullptr;
    /// create(): follow requires_continuation hops (spec 13) and return one interaction; unset
    /// means client_options::continuation.automatic. See docs/background.md.
    std::optional<bool> automatic_continuation{};
};

/// Options of get().
struct get_options
{
    bool include_input = false;      ///< also return the original `input`
    request_options request{};
};

} // namespace gemini
