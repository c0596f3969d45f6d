// gemini-soak: a bounded soak run (docs/reliability.md, "Soak"). Not part of the test suite.
//
//   gemini-soak [--minutes M] [--requests N] [--concurrency C] [--seed S] [--memory-bound-mb B]
//               [--fault-rate P]
//
// One client, one in-process emulator (HTTPS), C workers running mixed unary and streamed
// interactions (and deletes) until M minutes or N interactions have passed. The emulator injects
// faults at random (seeded fault rules with `probability=`): 503 and 429 answers, connections
// closed or reset before the answer, streams cut mid-way, failing resume requests. The client
// retries with millisecond backoff and resumes cut streams.
//
// Every answer is checked against the deterministic model: before faults are switched on, one
// unary create per prompt records the expected text; afterwards each unary answer must equal it,
// and each stream's text deltas, concatenated in order, must equal it too (a lost or repeated
// event changes the text), with no event_id seen twice.
//
// Reports requests (HTTP attempts), faults injected, retries, resumes, errors by type and
// resident memory at start and end. Exits 1 when a stream lost or repeated an event, an answer
// differed, or resident memory grew by more than the bound (default 48 MiB); 0 otherwise.
// Errors that the retry budget could not absorb are reported, not fatal: they are typed
// gemini::error values, which is the documented outcome.

#include <gemini/emulator.hpp>
#include <gemini/gemini.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings
{
    double minutes = 3;
    std::size_t requests = 0;   // 0: no limit
    std::size_t concurrency = 8;
    std::uint64_t seed = 1;
    double memory_bound_mb = 48;
    double fault_rate = 1;      // scales every rule's probability
};

[[noreturn]] void usage(int code)
{
    (code ? std::cerr : std::cout)
        << "usage: gemini-soak [--minutes M] [--requests N] [--concurrency C] [--seed S]\n"
           "                   [--memory-bound-mb B] [--fault-rate F]\n"
           "  --minutes M          run time (default 3)\n"
           "  --requests N         stop after N interactions as well (default: no limit)\n"
           "  --concurrency C      interactions in flight (default 8)\n"
           "  --seed S             seed of the workload and of the fault schedule (default 1)\n"
           "  --memory-bound-mb B  allowed growth of resident memory (default 48)\n"
           "  --fault-rate F       multiplies every fault probability (default 1)\n";
    std::exit(code);
}

settings parse(int argc, char** argv)
{
    settings s;
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(2);
            return argv[++i];
        };
        if (a == "--minutes")
            s.minutes = std::stod(value());
        else if (a == "--requests")
            s.requests = std::stoul(value());
        else if (a == "--concurrency")
            s.concurrency = std::max<std::size_t>(1, std::stoul(value()));
        else if (a == "--seed")
            s.seed = std::stoull(value());
        else if (a == "--memory-bound-mb")
            s.memory_bound_mb = std::stod(value());
        else if (a == "--fault-rate")
            s.fault_rate = std::stod(value());
        else if (a == "-h" || a == "--help")
            usage(0);
        else
            usage(2);
    }
    return s;
}

double resident_mb()
{
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

constexpr std::size_t prompt_count = 16;
constexpr unsigned answer_words = 40;   // several text deltas per stream

std::string prompt(std::size_t k)
{
    return "soak question " + std::to_string(k);
}

struct run_state
{
    const settings& cfg;
    gemini::client& client;
    std::vector<std::string> expected{};   // by prompt
    clock_type::time_point deadline{};
    std::atomic<std::size_t> started{0};

    // Single-threaded io_context: the workers and the hooks run on one thread.
    std::size_t unary = 0, streams = 0, deletes = 0, resumes = 0, events = 0;
    std::size_t mismatches = 0;   // lost / repeated events or a wrong answer
    std::map<std::string, std::size_t> errors{};
    std::map<std::string, std::string> first_error_text{};   // what() of the first of each kind
    std::string first_mismatch{};

    void error(const std::string& kind, const char* what)
    {
        if (errors[kind]++ == 0)
            first_error_text[kind] = what;
    }

    void mismatch(std::string what)
    {
        if (mismatches++ == 0)
            first_mismatch = std::move(what);
    }
};

gemini::request make_request(std::size_t k)
{
    return gemini::request{.model = "gemini-3.5-flash", .input = prompt(k)};
}

gemini::request_options call_options()
{
    gemini::request_options o;
    o.headers = {{"x-emulator-output-words", std::to_string(answer_words)}};
    o.timeout = std::chrono::seconds(20);
    return o;
}

std::string error_name(const gemini::error& e)
{
    std::string name = e.code().message();
    if (e.http_status())
        name += " (HTTP " + std::to_string(e.http_status()) + ")";
    return name;
}

asio::awaitable<void> run_stream(run_state& st, std::size_t k, std::string& id)
{
    auto open = st.client.stream(make_request(k), call_options());
    gemini::interaction_stream s = co_await std::move(open);
    std::string text;
    std::set<std::string> ids;
    for (;;)
    {
        auto next = s.next();
        std::optional<gemini::event> ev = co_await std::move(next);
        if (!ev)
            break;
        if (ev->event_id && !ids.insert(*ev->event_id).second)
            st.mismatch("stream " + s.interaction_id() + ": event_id " + *ev->event_id + " delivered twice");
        if (const auto* d = ev->get_if<gemini::text_delta_event>())
            text += d->text;
    }
    id = s.interaction_id();
    st.resumes += s.resumes();
    st.events += s.events_received();
    if (text != st.expected[k])
        st.mismatch("stream " + id + " (resumed " + std::to_string(s.resumes()) + "x): text \"" + text +
                    "\" differs from the expected \"" + st.expected[k] + "\"");
}

asio::awaitable<void> worker(run_state& st, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    for (;;)
    {
        if (clock_type::now() >= st.deadline)
            co_return;
        const std::size_t n = st.started++;
        if (st.cfg.requests && n >= st.cfg.requests)
            co_return;
        const std::size_t k = rng() % prompt_count;
        const bool stream = rng() % 2 == 0;
        std::string id;
        try
        {
            if (stream)
            {
                ++st.streams;
                auto op = run_stream(st, k, id);
                co_await std::move(op);
            }
            else
            {
                ++st.unary;
                auto op = st.client.create(make_request(k), call_options());
                const gemini::interaction answer = co_await std::move(op);
                id = answer.id;
                if (answer.output_text() != st.expected[k])
                    st.mismatch("create " + id + ": answer differs from the expected text");
            }
            // Delete every interaction: the emulator's store lives in this process too, and
            // kept interactions (with their event logs) would hide a client leak or fake one.
            if (!id.empty())
            {
                ++st.deletes;
                auto op = st.client.remove(id);
                co_await std::move(op);
            }
        }
        catch (const gemini::error& e)
        {
            st.error(error_name(e), e.what());
        }
        catch (const std::exception& e)
        {
            st.error(std::string("untyped: ") + e.what(), e.what());
        }
    }
}

asio::awaitable<void> warm_up(run_state& st)
{
    for (std::size_t k = 0; k < prompt_count; ++k)
    {
        auto op = st.client.create(make_request(k), call_options());
        const gemini::interaction answer = co_await std::move(op);
        st.expected.push_back(answer.output_text());
        auto del = st.client.remove(answer.id);
        co_await std::move(del);
    }
}

} // namespace

int main(int argc, char** argv)
{
    const settings cfg = parse(argc, argv);

    gemini::emulator::options eo;
    eo.threads = 2;
    eo.request_log_limit = 0;
    gemini::emulator::server emulator(eo);

    gemini::client_options co;
    co.base_url = emulator.base_url();
    co.ca_pem = emulator.ca_pem();
    co.api_key = "soak-placeholder-key";
    co.pool.max_connections = cfg.concurrency;
    co.retry.initial_backoff = std::chrono::milliseconds(2);
    co.retry.max_backoff = std::chrono::milliseconds(40);
    std::size_t attempts = 0, retries = 0;
    std::map<std::string, std::size_t> retry_reasons;
    co.trace = [&](const gemini::trace_event&) { ++attempts; };
    co.retry.on_retry = [&](const gemini::retry_event& e) {
        ++retries;
        ++retry_reasons[e.reason.message() + (e.http_status ? " (HTTP " + std::to_string(e.http_status) + ")" : "")];
    };

    asio::io_context ioc;
    gemini::client client(ioc.get_executor(), co);
    run_state st{cfg, client};

    std::exception_ptr failure;
    asio::co_spawn(ioc, warm_up(st), [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure)
    {
        try
        {
            std::rethrow_exception(failure);
        }
        catch (const std::exception& e)
        {
            std::cerr << "gemini-soak: warm-up failed: " << e.what() << "\n";
        }
        return 2;
    }

    // Faults from now on, each rule with its own seeded schedule.
    const auto p = [&](double base) { return std::to_string(std::min(1.0, base * cfg.fault_rate)); };
    const auto seed = [&](int i) { return ";seed=" + std::to_string(cfg.seed * 100 + static_cast<std::uint64_t>(i)); };
    const std::vector<std::string> rules = {
        "route=create;status=503;probability=" + p(0.04) + seed(1),
        "route=create;status=429;retry-after-ms=3;probability=" + p(0.02) + seed(2),
        "route=create;close;probability=" + p(0.01) + seed(3),
        "route=create;close;reset;probability=" + p(0.01) + seed(4),
        "route=create;cut-after-events=4;probability=" + p(0.08) + seed(5),
        "route=create;cut-after-bytes=700;reset;probability=" + p(0.04) + seed(6),
        "route=get;status=503;probability=" + p(0.05) + seed(7),
        "route=get;cut-after-events=2;probability=" + p(0.05) + seed(8),
        "route=delete;status=500;probability=" + p(0.05) + seed(9),
    };
    for (const auto& r : rules)
        emulator.add_fault_rule(r);

    const auto stats_before = emulator.stats();
    const std::size_t attempts_before = attempts;
    const double rss_start = resident_mb();
    const auto start = clock_type::now();
    st.deadline = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(cfg.minutes * 60));

    std::mt19937_64 seeds(cfg.seed);
    std::size_t running = cfg.concurrency;
    for (std::size_t i = 0; i < cfg.concurrency; ++i)
        asio::co_spawn(ioc, worker(st, seeds()), [&](std::exception_ptr e) {
            if (e && !failure)
                failure = e;
            --running;
        });
    ioc.restart();
    ioc.run();
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    const double rss_end = resident_mb();
    const auto stats = emulator.stats();
    const auto pool = client.pool_statistics();

    std::size_t errors = 0;
    for (const auto& [name, n] : st.errors)
        errors += n;
    std::cout << std::fixed << std::setprecision(1);
    std::cout << "gemini-soak: " << seconds << " s, seed " << cfg.seed << ", concurrency " << cfg.concurrency << "\n"
              << "  interactions      " << st.unary + st.streams << " (" << st.unary << " unary, " << st.streams
              << " streamed; " << st.deletes << " deletes)\n"
              << "  HTTP attempts     " << attempts - attempts_before << " (emulator: "
              << stats.requests - stats_before.requests << " requests)\n"
              << "  interactions kept " << stats.interactions_stored << " (in the emulator's store)\n"
              << "  faults injected   " << stats.faults_injected - stats_before.faults_injected << "\n"
              << "  retries           " << retries << "\n";
    for (const auto& [reason, n] : retry_reasons)
        std::cout << "      " << std::setw(6) << n << "  " << reason << "\n";
    std::cout << "  stream resumes    " << st.resumes << " (" << st.events << " events delivered)\n"
              << "  errors            " << errors << "\n";
    for (const auto& [name, n] : st.errors)
        std::cout << "      " << std::setw(6) << n << "  " << name << "\n"
                  << "              first: " << st.first_error_text[name] << "\n";
    std::cout << "  lost/repeated     " << st.mismatches << "\n"
              << "  pool at the end   " << pool.idle << " idle, " << pool.in_use << " in use\n"
              << "  resident memory   " << rss_start << " MiB at start, " << rss_end << " MiB at end (growth "
              << rss_end - rss_start << " MiB, bound " << cfg.memory_bound_mb << " MiB)\n";

    int rc = 0;
    if (failure || running != 0)
    {
        std::cout << "FAIL: a worker ended abnormally\n";
        rc = 1;
    }
    if (st.mismatches)
    {
        std::cout << "FAIL: " << st.first_mismatch << "\n";
        rc = 1;
    }
    if (rss_end - rss_start > cfg.memory_bound_mb)
    {
        std::cout << "FAIL: resident memory grew beyond the bound\n";
        rc = 1;
    }
    if (pool.in_use != 0)
    {
        std::cout << "FAIL: connections still in use after the run\n";
        rc = 1;
    }
    std::cout << (rc ? "gemini-soak: FAILED\n" : "gemini-soak: OK\n");
    return rc;
}
