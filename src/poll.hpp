#pragma once
// The pacing of client::wait(), free of I/O so that it is tested on its own.

#include <gemini/poll_policy.hpp>

#include <chrono>

namespace gemini::detail {

/// The pause after the `polls_done`-th GET (from 1) when nothing bounds it: initial_interval
/// times multiplier^(polls_done - 1), at most max_interval (when that is not zero).
std::chrono::milliseconds poll_interval(const poll_policy& policy, unsigned polls_done);

/// The pause to take after `polls_done` GETs when `elapsed` has passed since the wait began:
/// poll_interval() cut to what is left before the deadline (zero when nothing is left).
std::chrono::milliseconds poll_delay(const poll_policy& policy, unsigned polls_done, std::chrono::milliseconds elapsed);

/// Whether the wait's deadline has passed after `elapsed`.
bool poll_deadline_passed(const poll_policy& policy, std::chrono::milliseconds elapsed);

} // namespace gemini::detail
