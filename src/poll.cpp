#include "poll.hpp"

#include <algorithm>
#include <cmath>

namespace gemini::detail {

std::chrono::milliseconds poll_interval(const poll_policy& policy, unsigned polls_done)
{
    const double initial = static_cast<double>(std::max<long long>(policy.initial_interval.count(), 0));
    const double factor = std::max(policy.multiplier, 1.0);
    const unsigned steps = polls_done > 0 ? polls_done - 1 : 0;
    // Capped before converting: a long wait must not overflow into a negative pause.
    const double cap = policy.max_interval.count() > 0 ? static_cast<double>(policy.max_interval.count()) : 1e12;
    double value = initial * std::pow(factor, static_cast<double>(std::min(steps, 4096u)));
    if (!std::isfinite(value) || value > cap)
        value = cap;
    return std::chrono::milliseconds(static_cast<long long>(value));
}

bool poll_deadline_passed(const poll_policy& policy, std::chrono::milliseconds elapsed)
{
    return policy.deadline.count() > 0 && elapsed >= policy.deadline;
}

std::chrono::milliseconds poll_delay(const poll_policy& policy, unsigned polls_done, std::chrono::milliseconds elapsed)
{
    auto delay = poll_interval(policy, polls_done);
    if (policy.deadline.count() > 0)
        delay = std::clamp(policy.deadline - elapsed, std::chrono::milliseconds(0), delay);
    return delay;
}

} // namespace gemini::detail
