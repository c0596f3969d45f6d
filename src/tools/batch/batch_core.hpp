#pragma once
// The sans-io core of gemini-batch: everything that decides, parses and formats without touching
// a socket or a file, so that unit tests cover it with plain values and a fake clock.
//
//   input line  -> job            (parse_input_line)
//   output file -> done ids       (scan_results: a torn last line is not a result)
//   job set     -> this shard     (in_shard)
//   send times  -> when to send   (rate_limiter: sliding windows of requests and tokens, 429 backoff)
//   counters    -> progress text  (format_progress_bar / format_progress_line)
//   results     -> summary        (percentile, format_summary)

#include <gemini/error.hpp>
#include <gemini/model/interaction.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gemini::batch {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- input --------------------------------------------------------------------------------

/// One unit of work: the create body to send (our `id` removed) and the id results carry.
struct job
{
    std::string id;
    std::size_t line = 0;      ///< 1-based line number in the input file
    boost::json::object body;  ///< the request body, without `id` and without `stream`
};

/// Defaults applied to lines that lack the field.
struct job_defaults
{
    std::string model;         ///< used when a line has neither `model` nor `agent`
};

/// Parses one non-blank input line. The line is a JSON object: a create request body, possibly
/// with our `id` (a string or an integer), which is removed. Without one the id is `line-N`.
/// Throws std::invalid_argument ("line 7: ...") for anything else.
job parse_input_line(std::string_view line, std::size_t line_number, const job_defaults& defaults);

/// Parses a whole input file: skips blank lines, rejects duplicate ids (results are keyed by id).
/// Throws std::invalid_argument naming the line.
std::vector<job> parse_input(std::string_view text, const job_defaults& defaults);

/// Estimated tokens of a request before it runs, for the tokens-per-minute limiter: about one
/// token per four characters of its text, plus the expected output (max_output_tokens when the
/// body sets it, else `expected_output`).
std::int64_t estimate_tokens(const boost::json::object& body, std::int64_t expected_output);

// ---- sharding -----------------------------------------------------------------------------

struct shard
{
    unsigned index = 0;   ///< 0-based
    unsigned count = 1;
};

/// Parses "i/n" with 0 <= i < n. Throws std::invalid_argument.
shard parse_shard(std::string_view text);

/// Whether the job with this id belongs to the shard: by a stable hash of the id (FNV-1a 64), so
/// that every machine decides alone and a job keeps its shard when the input is reordered.
bool in_shard(std::string_view id, const shard& s) noexcept;

// ---- results ------------------------------------------------------------------------------

/// What an output file already holds.
struct scan_result
{
    std::size_t complete_bytes = 0;              ///< length of the prefix of complete lines
    std::size_t torn_bytes = 0;                  ///< bytes after the last newline (a torn write)
    std::map<std::string, std::string> status;   ///< id -> status of its (last) line
    std::size_t lines = 0;                       ///< complete, parsable result lines
    std::size_t bad_lines = 0;                   ///< complete lines that are not result objects
    std::size_t duplicate_lines = 0;             ///< lines for an id seen before
};

/// Scans an output file's content. Only newline-terminated lines count: a run killed in the
/// middle of a write leaves a torn last line, which is not a result.
scan_result scan_results(std::string_view content);

/// The complete result lines of `content`, without those whose id is in `drop` and without
/// unparsable lines; for an id with several lines only the last stays. Used to rewrite an output.
std::string rewrite_results(std::string_view content, const std::set<std::string>& drop);

/// One result line (with its newline).
struct item_result
{
    std::string id;
    std::string status;                   ///< the interaction's status, or "error"
    std::string output_text;
    std::optional<boost::json::value> usage;
    std::string interaction_id;
    // When status is "error":
    std::string error_code;               ///< the API's code, else this library's (e.g. "timeout")
    std::string error_message;
    unsigned http_status = 0;
    unsigned attempts = 0;
    double latency_ms = 0;
};

item_result result_from_interaction(std::string id, const interaction& i);
item_result result_from_error(std::string id, const error_code& ec, const diagnostics& diag);
std::string result_line(const item_result& r);

/// Tokens of a usage object (missing fields count 0).
struct token_counts
{
    std::int64_t input = 0, output = 0, total = 0;
};
token_counts tokens_of(const boost::json::value& usage);

// ---- retries ------------------------------------------------------------------------------

struct retry_settings
{
    unsigned max_retries = 4;
    milliseconds initial_backoff{500};
    milliseconds max_backoff{8000};
};

/// Whether a failed attempt is worth another: 408, 429, 500, 502, 503, 504 and broken exchanges. Client errors
/// (400, 401, 403, 404, ...) would fail the same way again.
bool is_retryable(const error_code& ec, unsigned http_status) noexcept;

/// The wait before attempt `attempt + 1` (`attempt` from 1): the server's hint when it gave one
/// (capped at 60 s), else initial * 2^(attempt-1) capped at max, scaled by `jitter01` in [0, 1)
/// into (75 %, 100 %].
milliseconds retry_delay(const retry_settings& s, unsigned attempt, std::optional<milliseconds> hint,
                         double jitter01) noexcept;

// ---- rate limiting --------------------------------------------------------------------------

/// Client-side limits of requests and tokens per window (a minute by default), as sliding
/// windows: no window of that length ever holds more sends than the limit.
///
/// A send occupies its place from the moment it is admitted until its first response bytes
/// arrive, or at most window/10 past admission; only then does its time start to age. So even
/// when the network delays a request on its way, the server sees no window above the limit
/// (as long as the delay stays under window/10). Token costs are estimates until the answer
/// reports the actual usage.
///
/// After a 429 every send pauses (for the server's hint, else window/60 doubling per
/// consecutive 429, at most window/4) and the limits drop to 75 % of their value; each window
/// without a 429 gives back 10 % of the configured limits.
class rate_limiter
{
public:
    struct settings
    {
        double requests = 0;           ///< per window; 0: no limit
        double tokens = 0;             ///< per window; 0: no limit
        milliseconds window{60000};
    };

    explicit rate_limiter(settings s);

    using ticket = std::uint64_t;

    /// The earliest time a send of `tokens` estimated tokens may start (<= now: at once).
    clock::time_point earliest(clock::time_point now, std::int64_t tokens);
    /// Records a send at `now`. Call only when earliest(now, tokens) <= now.
    ticket admit(clock::time_point now, std::int64_t tokens);
    /// The first response bytes of a send arrived.
    void responded(ticket t, clock::time_point now);
    /// The send finished; `actual_tokens` replaces the estimate when known.
    void finished(ticket t, clock::time_point now, std::optional<std::int64_t> actual_tokens);
    /// The server answered 429.
    void throttled(clock::time_point now, std::optional<milliseconds> hint);
    /// A send succeeded (lets the limits recover).
    void succeeded(clock::time_point now);

    double request_limit() const noexcept;   ///< current (adapted) limit; 0: none
    double token_limit() const noexcept;
    std::size_t tracked() const noexcept { return entries_.size(); }
    unsigned throttles() const noexcept { return throttles_; }

private:
    struct entry
    {
        ticket id;
        clock::time_point admitted;
        std::optional<clock::time_point> responded;
        std::int64_t tokens;
        bool finished = false;
    };
    clock::time_point expiry(const entry& e) const noexcept;
    void prune(clock::time_point now);

    settings settings_;
    double factor_ = 1.0;
    clock::time_point pause_until_{};
    clock::time_point last_change_{};
    unsigned consecutive_throttles_ = 0;
    unsigned throttles_ = 0;
    ticket next_ = 1;
    std::deque<entry> entries_;
};

// ---- progress and summary -----------------------------------------------------------------

struct progress
{
    std::size_t total = 0;      ///< jobs of this run's shard
    std::size_t done = 0;       ///< with a result (earlier runs included)
    std::size_t done_before = 0;///< of those, from earlier runs
    std::size_t errors = 0;     ///< `error` results of this run
    std::size_t retries = 0;
    std::size_t in_flight = 0;
    double elapsed_s = 0;
};

/// "1:05", "1:02:03"; "--:--" for a negative or unknown duration.
std::string format_duration(double seconds);
/// "[#######.........] 120/300  40%  12.3/s  ETA 0:15  retries 2  errors 1" in `width` columns.
std::string format_progress_bar(const progress& p, unsigned width);
/// "gemini-batch: 120/300 done (40%), 12.3/s, ETA 0:15, 2 retries, 1 errors, 8 in flight"
std::string format_progress_line(const progress& p);

/// Nearest-rank percentile (p in [0, 100]) of unsorted samples; 0 for none.
double percentile(std::vector<double> samples, double p);

struct summary
{
    std::map<std::string, std::size_t> by_status;  ///< results of this run
    std::size_t skipped = 0;                        ///< already done in an earlier run
    std::size_t total = 0;
    std::size_t retries = 0;
    std::size_t rate_limit_waits = 0;
    token_counts tokens;
    double wall_s = 0;
    std::vector<double> latencies_ms;
};

/// The multi-line summary printed at the end.
std::string format_summary(const summary& s);

} // namespace gemini::batch
