// gemini-batch: runs a JSONL file of create requests with N concurrent workers on one
// io_context and writes one JSONL result per item, resumably. Guide: docs/batch.md.
//
// The decisions (parsing, resume scan, shards, rate limits, retries, formatting) live in the
// sans-io core (batch_core.hpp); this file does the I/O: files, the client, timers, signals.

#include "tools/batch/batch_core.hpp"

#include <gemini/gemini.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace gemini::batch;

namespace {

// Exit codes (docs/batch.md).
constexpr int exit_ok = 0;          // every item has a result and none is `error`
constexpr int exit_failed = 1;      // finished, but some items are `error` (see --retry-failed)
constexpr int exit_usage = 2;       // bad flags, unreadable or invalid input, unusable settings
constexpr int exit_fatal = 3;       // the output could not be read, locked or written
constexpr int exit_interrupted = 130; // SIGINT / SIGTERM: results so far are kept, rerun to finish

struct usage_error : std::runtime_error
{
    using std::runtime_error::runtime_error;
};
struct fatal_error : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

const char* const help_text = R"(usage: gemini-batch IN.jsonl -o OUT.jsonl [options]

Runs every line of IN.jsonl as a create request and appends one JSON result line per item to
OUT.jsonl as items complete. Killed or interrupted, run it again with the same arguments: it
skips the items that already have a result and finishes the rest.

Input lines: a create request body ({"model":..., "input":..., ...}), optionally with our
"id" (string or integer; removed before sending). A line without one is "line-N".

Result lines: {"id", "status" (the interaction's, or "error"), "output_text", "usage",
"interaction_id", "attempts", "latency_ms"}; failures carry
"error": {"code", "message", "http_status"} instead of output_text/usage.

Options:
  -o, --output FILE      result file (required); appended to, never truncated
  -j, --jobs N           concurrent requests (default 8)
  --model M              model for lines with neither "model" nor "agent"
                         (default: GEMINI_MODEL, else gemini-3.5-flash)
  --stream               run every item as a stream (same results; no unary timeout)
  --rpm R                at most R requests per minute (sliding window; adapts to 429s)
  --tpm T                at most about T tokens per minute (estimated, corrected by usage)
  --retry-failed         run the items whose result is "error" again, replacing their lines
  --shard i/n            run only shard i (0-based) of n; the others run elsewhere
  --base-url URL         API base URL (default: GEMINI_BASE_URL, else the Google API)
  --ca FILE              extra trusted CA certificate PEM (default: GEMINI_CA_FILE)
  --max-retries N        retries of a failing item (429, 5xx, network), default 4
  --timeout S            per-attempt timeout in seconds (default: the client's 600)
  -q, --quiet            no progress and no summary on stderr
  -h, --help             this text

Environment: GEMINI_API_KEY (required unless the base URL is loopback), GEMINI_BASE_URL,
GEMINI_CA_FILE, GEMINI_API_VERSION, GEMINI_MODEL.

Exit status: 0 all items done, none failed; 1 done but some items are "error";
2 usage or input error; 3 the output file could not be used; 130 interrupted.
)";

struct config
{
    std::string input, output;
    unsigned jobs = 8;
    std::string model;
    bool stream = false;
    double rpm = 0, tpm = 0;
    bool retry_failed = false;
    shard sh;
    std::string base_url, ca_file;
    bool quiet = false;
    retry_settings retry;
    double timeout_s = 0;
    // Hidden, for tests: a shorter rate window, faster retries, frequent progress lines.
    milliseconds rate_window{60000};
    milliseconds progress_interval{10000};
};

template <class T>
T number(std::string_view flag, std::string_view text)
{
    T v{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < T{})
        throw usage_error(std::string(flag) + ": not a valid number: \"" + std::string(text) + "\"");
    return v;
}

config parse_args(int argc, char** argv, bool& help)
{
    config c;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i)
    {
        std::string arg = argv[i];
        std::optional<std::string> inline_value;
        if (arg.starts_with("--") && arg.find('=') != std::string::npos)
        {
            inline_value = arg.substr(arg.find('=') + 1);
            arg = arg.substr(0, arg.find('='));
        }
        auto value = [&]() -> std::string {
            if (inline_value)
                return *inline_value;
            if (i + 1 >= argc)
                throw usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "-h" || arg == "--help")
            help = true;
        else if (arg == "-o" || arg == "--output")
            c.output = value();
        else if (arg == "-j" || arg == "--jobs")
        {
            c.jobs = number<unsigned>(arg, value());
            if (c.jobs == 0)
                throw usage_error("-j must be at least 1");
        }
        else if (arg == "--model")
            c.model = value();
        else if (arg == "--stream")
            c.stream = true;
        else if (arg == "--rpm")
            c.rpm = number<double>(arg, value());
        else if (arg == "--tpm")
            c.tpm = number<double>(arg, value());
        else if (arg == "--retry-failed")
            c.retry_failed = true;
        else if (arg == "--shard")
        {
            try
            {
                c.sh = parse_shard(value());
            }
            catch (const std::invalid_argument& e)
            {
                throw usage_error(e.what());
            }
        }
        else if (arg == "--base-url")
            c.base_url = value();
        else if (arg == "--ca")
            c.ca_file = value();
        else if (arg == "-q" || arg == "--quiet")
            c.quiet = true;
        else if (arg == "--max-retries")
            c.retry.max_retries = number<unsigned>(arg, value());
        else if (arg == "--timeout")
            c.timeout_s = number<double>(arg, value());
        else if (arg == "--rate-window-ms")
            c.rate_window = milliseconds(std::max<long>(1, number<long>(arg, value())));
        else if (arg == "--retry-backoff-ms")
        {
            c.retry.initial_backoff = milliseconds(number<long>(arg, value()));
            c.retry.max_backoff = std::max(c.retry.initial_backoff, milliseconds(16 * c.retry.initial_backoff));
        }
        else if (arg == "--progress-interval-ms")
            c.progress_interval = milliseconds(std::max<long>(1, number<long>(arg, value())));
        else if (arg.size() > 1 && arg[0] == '-')
            throw usage_error("unknown option " + arg + " (see --help)");
        else
            positional.push_back(arg);
    }
    if (help)
        return c;
    if (positional.size() != 1)
        throw usage_error(positional.empty() ? "no input file (see --help)" : "more than one input file");
    c.input = positional[0];
    if (c.output.empty())
        throw usage_error("no output file: -o OUT.jsonl");
    if (c.model.empty())
    {
        const char* m = std::getenv("GEMINI_MODEL");
        c.model = m && *m ? m : "gemini-3.5-flash";
    }
    return c;
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw usage_error("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_all(int fd, std::string_view data, const std::string& path)
{
    while (!data.empty())
    {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw fatal_error("cannot write " + path + ": " + std::strerror(errno));
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The result file: locked against a second runner, appended to one whole line per write(2),
// so a kill leaves at most one torn line, which the next start cuts away.
class result_file
{
public:
    explicit result_file(std::string path) : path_(std::move(path))
    {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0)
            throw fatal_error("cannot open " + path_ + ": " + std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
            throw fatal_error(path_ + " is in use by another gemini-batch (lock held)");
    }
    ~result_file()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    result_file(const result_file&) = delete;
    result_file& operator=(const result_file&) = delete;

    std::string content() const
    {
        std::string s;
        char buf[1 << 16];
        for (off_t off = 0;;)
        {
            ssize_t n = ::pread(fd_, buf, sizeof buf, off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                throw fatal_error("cannot read " + path_ + ": " + std::strerror(errno));
            if (n == 0)
                return s;
            s.append(buf, static_cast<std::size_t>(n));
            off += n;
        }
    }

    void truncate(std::size_t size)
    {
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
            throw fatal_error("cannot truncate " + path_ + ": " + std::strerror(errno));
    }

    void append(std::string_view line) { write_all(fd_, line, path_); }

    // Atomic replacement: the new content goes to a temporary file in the same directory, which
    // is locked, synced and renamed over the output. A kill leaves the old or the new file.
    void replace(std::string_view content)
    {
        const std::string tmp = path_ + ".tmp." + std::to_string(::getpid());
        int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            throw fatal_error("cannot create " + tmp + ": " + std::strerror(errno));
        try
        {
            write_all(fd, content, tmp);
            if (::fsync(fd) != 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0 ||
                ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_APPEND) != 0)
                throw fatal_error("cannot prepare " + tmp + ": " + std::strerror(errno));
            if (::rename(tmp.c_str(), path_.c_str()) != 0)
                throw fatal_error("cannot rename " + tmp + " to " + path_ + ": " + std::strerror(errno));
        }
        catch (...)
        {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw;
        }
        ::close(fd_);
        fd_ = fd;
    }

private:
    std::string path_;
    int fd_ = -1;
};

bool is_loopback(std::string_view url)
{
    for (std::string_view p : {"http://127.", "https://127.", "http://localhost", "https://localhost", "http://[::1]",
                               "https://[::1]"})
        if (url.starts_with(p))
            return true;
    return false;
}

struct runner
{
    runner(asio::io_context& io, const config& c, gemini::client& cl, result_file& f)
        : ioc(io), cfg(c), client(cl), out(f),
          limiter({.requests = c.rpm, .tokens = c.tpm, .window = c.rate_window}), progress_timer(io)
    {
    }

    asio::io_context& ioc;
    const config& cfg;
    gemini::client& client;
    result_file& out;
    rate_limiter limiter;
    asio::steady_timer progress_timer;
    asio::signal_set* signals = nullptr;
    std::vector<const job*> pending;
    std::size_t next = 0;
    unsigned workers_left = 0;
    bool stopping = false;
    bool interrupted = false;
    bool bar_drawn = false;          // a progress bar line is open on the terminal
    std::optional<std::string> fatal;
    progress prog;
    summary sum;
    std::size_t errors_total = 0;    // `error` results in the file at the end
    std::int64_t output_tokens_seen = 0, completions_seen = 0;
    std::mt19937_64 rng{std::random_device{}()};
    clock::time_point start = clock::now();

    std::int64_t expected_output() const { return completions_seen ? output_tokens_seen / completions_seen : 0; }

    void stop()
    {
        stopping = true;
        ioc.stop();
    }
};

asio::awaitable<void> wait_until(clock::time_point at)
{
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_at(at);
    auto op = t.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(op);
}

// One attempt through the client: create, or stream + fold.
asio::awaitable<std::pair<gemini::error_code, gemini::interaction>>
attempt(runner& r, const job& j, gemini::diagnostics& diag, rate_limiter::ticket ticket)
{
    gemini::request req;
    gemini::request_options opts;
    for (const auto& [key, value] : j.body)
    {
        if (key == "model")
            req.model = std::string(value.get_string());
        else if (key == "agent")
            req.agent = std::string(value.get_string());
        else
            opts.extra_body[key] = value;   // sent as written: the runner does not reinterpret bodies
    }
    opts.diagnostics_out = &diag;
    if (r.cfg.timeout_s > 0)
        opts.timeout = milliseconds(static_cast<long>(r.cfg.timeout_s * 1000));
    if (!r.cfg.stream)
    {
        auto op = r.client.async_create(std::move(req), std::move(opts), asio::as_tuple(asio::use_awaitable));
        auto [ec, result] = co_await std::move(op);
        co_return std::pair{ec, std::move(result)};
    }
    auto open = r.client.async_stream(std::move(req), std::move(opts), asio::as_tuple(asio::use_awaitable));
    auto [ec, stream] = co_await std::move(open);
    if (ec)
        co_return std::pair{ec, gemini::interaction{}};
    r.limiter.responded(ticket, clock::now());
    try
    {
        auto collect = stream.collect();
        auto result = co_await std::move(collect);
        co_return std::pair{gemini::error_code{}, std::move(result)};
    }
    catch (const gemini::error& e)
    {
        diag = e.diag();
        co_return std::pair{e.code(), gemini::interaction{}};
    }
    catch (const std::exception& e)
    {
        diag.library_message = e.what();
        co_return std::pair{gemini::make_error_code(gemini::errc::malformed_response), gemini::interaction{}};
    }
}

// Runs one item to its result, retrying what is worth retrying. Empty when the run stopped.
asio::awaitable<std::optional<item_result>> run_job(runner& r, const job& j)
{
    std::optional<clock::time_point> first_send;
    for (unsigned n = 1;; ++n)
    {
        const std::int64_t estimate = estimate_tokens(j.body, r.expected_output());
        bool waited = false;
        for (;;)
        {
            auto now = clock::now();
            auto at = r.limiter.earliest(now, estimate);
            if (at <= now)
                break;
            waited = true;
            auto wait = wait_until(at);
            co_await std::move(wait);
            if (r.stopping)
                co_return std::nullopt;
        }
        r.sum.rate_limit_waits += waited;
        const auto sent = clock::now();
        if (!first_send)
            first_send = sent;
        const auto ticket = r.limiter.admit(sent, estimate);
        ++r.prog.in_flight;
        gemini::diagnostics diag;
        auto op = attempt(r, j, diag, ticket);
        auto [ec, result] = co_await std::move(op);
        --r.prog.in_flight;
        const auto done = clock::now();
        if (r.stopping)
            co_return std::nullopt;

        std::optional<std::int64_t> actual;
        if (!ec && result.usage && result.usage->total_tokens)
            actual = *result.usage->total_tokens;
        r.limiter.finished(ticket, done, actual);

        if (!ec)
        {
            r.limiter.succeeded(done);
            auto res = result_from_interaction(j.id, result);
            res.attempts = n;
            res.latency_ms = std::chrono::duration<double, std::milli>(done - *first_send).count();
            co_return res;
        }
        if (diag.http_status == 429 || ec == gemini::errc::rate_limited)
            r.limiter.throttled(done, diag.retry_after);
        if (n <= r.cfg.retry.max_retries && is_retryable(ec, diag.http_status))
        {
            ++r.prog.retries;
            ++r.sum.retries;
            double jitter = std::uniform_real_distribution<double>(0, 1)(r.rng);
            auto wait = wait_until(clock::now() + retry_delay(r.cfg.retry, n, diag.retry_after, jitter));
            co_await std::move(wait);
            if (r.stopping)
                co_return std::nullopt;
            continue;
        }
        auto res = result_from_error(j.id, ec, diag);
        res.attempts = n;
        res.latency_ms = std::chrono::duration<double, std::milli>(done - *first_send).count();
        co_return res;
    }
}

void record(runner& r, const item_result& res)
{
    r.out.append(result_line(res));
    ++r.prog.done;
    ++r.sum.by_status[res.status];
    r.sum.latencies_ms.push_back(res.latency_ms);
    if (res.status == "error")
    {
        ++r.prog.errors;
        ++r.errors_total;
    }
    if (res.usage)
    {
        auto t = tokens_of(*res.usage);
        r.sum.tokens.input += t.input;
        r.sum.tokens.output += t.output;
        r.sum.tokens.total += t.total;
        r.output_tokens_seen += t.output;
        ++r.completions_seen;
    }
}

asio::awaitable<void> worker(runner& r)
{
    while (!r.stopping && r.next < r.pending.size())
    {
        const job& j = *r.pending[r.next++];
        auto op = run_job(r, j);
        auto res = co_await std::move(op);
        if (!res || r.stopping)
            break;
        try
        {
            record(r, *res);
        }
        catch (const fatal_error& e)
        {
            r.fatal = e.what();
            r.stop();
        }
    }
    if (--r.workers_left == 0)
    {
        // Nothing else may keep ioc.run() going.
        r.progress_timer.cancel();
        if (r.signals)
            r.signals->cancel();
    }
}

unsigned terminal_width()
{
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

asio::awaitable<void> report_progress(runner& r, bool tty)
{
    const auto interval = tty ? milliseconds(200) : r.cfg.progress_interval;
    while (r.workers_left > 0)
    {
        r.progress_timer.expires_after(interval);
        auto op = r.progress_timer.async_wait(asio::as_tuple(asio::use_awaitable));
        co_await std::move(op);
        r.prog.elapsed_s = std::chrono::duration<double>(clock::now() - r.start).count();
        if (tty)
        {
            std::cerr << "\r" << format_progress_bar(r.prog, terminal_width() - 1) << "\x1b[K" << std::flush;
            r.bar_drawn = true;
        }
        else if (r.workers_left > 0)
            std::cerr << format_progress_line(r.prog) << std::endl;
    }
    if (tty)
    {
        std::cerr << "\n";
        r.bar_drawn = false;
    }
}

// Whether a line of `content` is a request (an object with `input`): an input file given as the
// output, which the rewrite that drops lines that are not results would empty. (An output whose
// lines are all unreadable results is rewritten as before, and its items run again.)
bool holds_requests(std::string_view content)
{
    for (std::size_t end; (end = content.find('\n')) != std::string_view::npos; content.remove_prefix(end + 1))
    {
        boost::system::error_code ec;
        const json::value line = json::parse(content.substr(0, end), ec);
        if (!ec && line.is_object() && line.get_object().contains("input"))
            return true;
    }
    return false;
}

int run(const config& cfg)
{
    // Input first: a bad input changes nothing on disk.
    std::vector<job> jobs;
    try
    {
        jobs = parse_input(read_file(cfg.input), job_defaults{cfg.model});
    }
    catch (const std::invalid_argument& e)
    {
        throw usage_error(cfg.input + ": " + e.what());
    }
    std::erase_if(jobs, [&](const job& j) { return !in_shard(j.id, cfg.sh); });

    // Client settings before touching the output, so that unusable settings change nothing.
    gemini::client_options opts;
    opts.base_url = cfg.base_url;
    opts.ca_file = cfg.ca_file;
    opts.retry = gemini::retry_policy::none();   // retries go through the rate limiter here
    opts.pool.max_connections = std::max<std::size_t>(cfg.jobs, 1);
    if (cfg.timeout_s > 0)
        opts.timeout.request = milliseconds(static_cast<long>(cfg.timeout_s * 1000));
    const char* key = std::getenv("GEMINI_API_KEY");
    if (!(key && *key))
    {
        const char* env_url = std::getenv("GEMINI_BASE_URL");
        std::string url = !cfg.base_url.empty() ? cfg.base_url : env_url ? env_url : "";
        if (!is_loopback(url))
            throw usage_error("GEMINI_API_KEY is not set (for a local emulator: run gemini-emulator "
                              "--cert-out ca.pem and pass --base-url URL --ca ca.pem)");
        opts.api_key = "emulator-placeholder-key";
    }
    asio::io_context ioc;
    std::optional<gemini::client> client;
    try
    {
        client.emplace(ioc.get_executor(), std::move(opts));
    }
    catch (const gemini::error& e)
    {
        throw usage_error(e.what());
    }

    // Lines that are not results are dropped from the output when it is rewritten: a file that
    // holds none (the input itself, say) would be emptied.
    if (std::error_code ignored; std::filesystem::equivalent(cfg.input, cfg.output, ignored))
        throw usage_error("the output file is the input file: " + cfg.output);
    result_file out(cfg.output);
    std::string content = out.content();
    scan_result scan = scan_results(content);
    if (scan.status.empty() && scan.bad_lines > 0 && holds_requests(content))
        throw usage_error(cfg.output + " holds request lines and no results: an input file, not an output of "
                                       "gemini-batch; left as it is");
    if (scan.torn_bytes > 0)
    {
        out.truncate(scan.complete_bytes);
        content.resize(scan.complete_bytes);
        if (!cfg.quiet)
            std::cerr << "gemini-batch: ignored a torn last line (" << scan.torn_bytes << " bytes) in " << cfg.output
                      << "\n";
    }
    std::set<std::string> rerun;
    if (cfg.retry_failed)
        for (const auto& j : jobs)
            if (auto it = scan.status.find(j.id); it != scan.status.end() && it->second == "error")
                rerun.insert(j.id);
    if (!rerun.empty() || scan.bad_lines > 0 || scan.duplicate_lines > 0)
    {
        out.replace(rewrite_results(content, rerun));
        for (const auto& id : rerun)
            scan.status.erase(id);
    }

    runner r(ioc, cfg, *client, out);
    for (const auto& j : jobs)
    {
        auto it = scan.status.find(j.id);
        if (it == scan.status.end())
            r.pending.push_back(&j);
        else if (it->second == "error")
            ++r.errors_total;
    }
    r.prog.total = jobs.size();
    r.prog.done = r.prog.done_before = jobs.size() - r.pending.size();
    r.sum.total = jobs.size();
    r.sum.skipped = r.prog.done_before;

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    r.signals = &signals;
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec)
        {
            r.interrupted = true;
            r.stop();
        }
    });
    const unsigned workers = static_cast<unsigned>(std::min<std::size_t>(cfg.jobs, r.pending.size()));
    r.workers_left = workers;
    for (unsigned i = 0; i < workers; ++i)
        asio::co_spawn(ioc, worker(r), [&](std::exception_ptr e) {
            if (e && !r.fatal)
            {
                try
                {
                    std::rethrow_exception(e);
                }
                catch (const std::exception& x)
                {
                    r.fatal = x.what();
                }
                r.stop();
            }
        });
    if (workers > 0 && !cfg.quiet)
        asio::co_spawn(ioc, report_progress(r, ::isatty(STDERR_FILENO) == 1), asio::detached);
    if (workers == 0)
        signals.cancel();
    ioc.run();

    r.sum.wall_s = std::chrono::duration<double>(clock::now() - r.start).count();
    if (r.bar_drawn)
        std::cerr << "\n";   // interrupted mid-bar: the summary starts on its own line
    if (!cfg.quiet)
        std::cerr << format_summary(r.sum);
    if (r.fatal)
        throw fatal_error(*r.fatal);
    if (r.interrupted)
        return exit_interrupted;
    return r.errors_total > 0 ? exit_failed : exit_ok;
}

} // namespace

int main(int argc, char** argv)
{
    try
    {
        bool help = false;
        config cfg = parse_args(argc, argv, help);
        if (help)
        {
            std::cout << help_text;
            return exit_ok;
        }
        return run(cfg);
    }
    catch (const usage_error& e)
    {
        std::cerr << "gemini-batch: " << e.what() << "\n";
        return exit_usage;
    }
    catch (const std::exception& e)
    {
        std::cerr << "gemini-batch: " << e.what() << "\n";
        return exit_fatal;
    }
}
