#pragma once
// How client::wait() polls a background interaction (spec 12): GET at once, then again after an
// interval that grows by `multiplier` up to `max_interval`, until the status leaves queued /
// in_progress or the overall deadline passes.
//
// The defaults follow the official SDK samples (2 s growing to 10 s) and put no bound on the
// total time: Deep Research runs take minutes. A zero duration disables a limit.

#include <gemini/model/enums.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/request_options.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace gemini {

struct interaction;  ///< model/interaction.hpp

/// What an on_poll callback is told after each GET of a wait.
struct poll_event
{
    const std::string& interaction_id;          ///< the interaction being waited for
    const gemini::interaction& latest;          ///< the interaction as this GET returned it
    unsigned poll = 0;                          ///< from 1
    std::chrono::milliseconds elapsed{0};       ///< since the wait started
    /// The pause before the next GET (zero when this GET saw a terminal status or the wait
    /// ends because of its deadline).
    std::chrono::milliseconds next_delay{0};
};

/// How client::wait() polls a background interaction: pauses growing from initial_interval
/// by multiplier up to max_interval, an optional overall deadline, and a hook after each GET.
/// See docs/background.md.
struct poll_policy
{
    /// Pause after the first GET.
    std::chrono::milliseconds initial_interval{2000};
    /// Each pause is the previous one times this (values below 1 count as 1).
    double multiplier = 1.5;
    /// Longest pause between two GETs.
    std::chrono::milliseconds max_interval{10000};
    /// The whole wait, GETs included, ends with errc::timeout after this long (0: no limit).
    /// No pause and no GET outlasts it.
    std::chrono::milliseconds deadline{0};
    /// Called after every GET (progress output, metrics). Runs on the wait's strand; it must
    /// not block. It may cancel the wait (client::cancel, the token's cancellation slot).
    std::function<void(const poll_event&)> on_poll{};
    /// Options of each GET: headers, retry policy (transient failures are retried per GET with
    /// the client's policy unless this one replaces it), per-GET timeout.
    get_options get{};
};

} // namespace gemini
