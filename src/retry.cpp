#include "retry.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <random>

namespace gemini::detail {
namespace {

// quota_exceeded with a limit of 0 means "no entitlement": waiting never helps (spec 14.2).
bool zero_quota(const diagnostics& d)
{
    if (d.api_code != "quota_exceeded" && d.api_status != "RESOURCE_EXHAUSTED")
        return false;
    const std::string details = d.details.is_null() ? std::string() : boost::json::serialize(d.details);
    for (const std::string& text : {d.api_message, details})
        for (const char* marker : {"limit: 0", "\"limit\":0", "\"limit\":\"0\"", "limit 0"})
            if (text.find(marker) != std::string::npos)
                return true;
    return false;
}

} // namespace

retry_decision decide_retry(const retry_policy& policy, unsigned retries_done, const error_code& ec,
                            const diagnostics& failure, bool before_response, bool request_sent, bool idempotent,
                            std::chrono::milliseconds remaining, double random01)
{
    retry_decision d;
    if (retries_done >= policy.max_retries)
        return d;
    if (failure.http_status != 0)
    {
        const auto& statuses = policy.retry_statuses;
        if (std::find(statuses.begin(), statuses.end(), failure.http_status) == statuses.end())
            return d;
        if (zero_quota(failure))
            return d;
        if (!idempotent && !policy.retry_non_idempotent)
            return d;
    }
    else
    {
        // Only failures before any response byte; a request that was never sent is always
        // safe, one that was sent may have been processed.
        const bool connection_failure = ec == errc::connect_failed || ec == errc::resolve_failed ||
                                        (ec == errc::connection_closed && before_response);
        if (!connection_failure || !policy.retry_connection_failures)
            return d;
        if (request_sent && !idempotent && !policy.retry_non_idempotent)
            return d;
    }

    if (failure.retry_after)
    {
        d.delay = *failure.retry_after;
        d.server_hint = true;
    }
    else
    {
        auto backoff = policy.initial_backoff * (1ll << std::min(retries_done, 20u));
        backoff = std::min<std::chrono::milliseconds>(backoff, policy.max_backoff);
        const double factor = 1.0 - std::clamp(policy.jitter, 0.0, 1.0) * random01;
        d.delay = std::chrono::milliseconds(static_cast<long long>(static_cast<double>(backoff.count()) * factor));
    }
    d.retry = d.delay < remaining;
    return d;
}

double jitter_sample()
{
    thread_local std::minstd_rand generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

} // namespace gemini::detail
