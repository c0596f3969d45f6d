// gemini-bench: a load generator that drives the public API exactly as a user would.
//
//   gemini-bench --base-url URL [--ca FILE] -n N -c C [--stream] [--events K] [--pool P]
//                [--words W] [--threads T] [--image-width PX]
//   gemini-bench --base-url URL [--ca FILE] --idle-streams N
//
// The second form opens N streams that the emulator paces slowly, reads one event from each,
// and reports the client's resident memory per open stream.
//
// Runs N creates (or N streams) with C in flight, decodes every answer into the typed
// interaction and checks its text, then prints requests per second, latency p50/p99, errors,
// its own CPU time (user+sys) per request and peak RSS. Exits non-zero if any request failed.
// With --image-width every answer also carries an inline PNG that wide (the emulator's
// x-emulator-image-width), whose size is checked; the CPU per MiB of image data is printed.

#include <gemini/gemini.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <optional>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings
{
    std::string base_url;
    std::string ca_file;
    std::size_t requests = 1000;
    std::size_t concurrency = 10;
    std::size_t pool = 0;          // 0: = concurrency
    bool stream = false;
    std::size_t events = 0;        // stream: answer words asked for (each delta carries a few)
    std::size_t words = 0;         // unary: answer words asked for
    unsigned threads = 1;
    std::size_t idle_streams = 0;  // memory mode: hold this many streams open
    bool concurrency_given = false; // memory mode: -c limits how many open at once
    bool new_connections = false;   // every request on a new connection (reconnect cost)
    bool resume_tls = true;         // TLS session resumption for new connections
    std::optional<std::size_t> max_full_handshakes;   // the library's default when not given
    std::uint32_t image_width = 0;  // > 0: every answer carries an inline square PNG this wide
};

[[noreturn]] void usage(int code)
{
    (code ? std::cerr : std::cout)
        << "usage: gemini-bench --base-url URL [--ca FILE] -n N -c C [--stream] [--events K]\n"
           "                    [--pool P] [--words W] [--threads T]\n"
           "  -n N          requests (or streams) in total (default 1000)\n"
           "  -c C          requests in flight at once (default 10)\n"
           "  --stream      stream each answer; --events K asks for about K text deltas\n"
           "  --pool P      pool size (default: C)\n"
           "  --words W     answer length of unary requests, in words\n"
           "  --threads T   threads running the io_context (default 1)\n"
           "  --image-width PX  every answer also carries an inline PNG PX pixels square\n"
           "                (4 MiB of base64 at 1024); its size is checked\n"
           "  --new-connections  ask the server to close each connection after its answer\n"
           "  --no-tls-resume   full TLS handshakes only (pool.tls_session_resumption off)\n"
           "  --max-full-handshakes N  pool.max_full_handshakes (default: the library's; 0: no limit)\n"
           "  --idle-streams N  hold N slow streams open and report resident memory per stream\n"
           "                (with -c C: at most C being opened at once)\n"
           "GEMINI_API_KEY is used when set, else a placeholder key (emulator).\n";
    std::exit(code);
}

settings parse(int argc, char** argv)
{
    settings s;
    for (int i = 1; i < argc; ++i)
    {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(2);
            return argv[++i];
        };
        if (a == "--base-url")
            s.base_url = value();
        else if (a == "--ca")
            s.ca_file = value();
        else if (a == "-n")
            s.requests = std::stoul(value());
        else if (a == "-c")
        {
            s.concurrency = std::stoul(value());
            s.concurrency_given = true;
        }
        else if (a == "--pool")
            s.pool = std::stoul(value());
        else if (a == "--stream")
            s.stream = true;
        else if (a == "--events")
            s.events = std::stoul(value());
        else if (a == "--words")
            s.words = std::stoul(value());
        else if (a == "--idle-streams")
            s.idle_streams = std::stoul(value());
        else if (a == "--threads")
            s.threads = static_cast<unsigned>(std::stoul(value()));
        else if (a == "--new-connections")
            s.new_connections = true;
        else if (a == "--no-tls-resume")
            s.resume_tls = false;
        else if (a == "--max-full-handshakes")
            s.max_full_handshakes = std::stoul(value());
        else if (a == "--image-width")
            s.image_width = static_cast<std::uint32_t>(std::stoul(value()));
        else if (a == "--help" || a == "-h")
            usage(0);
        else
            usage(2);
    }
    if (s.base_url.empty() || s.concurrency == 0)
        usage(2);
    return s;
}

struct results
{
    std::vector<double> latencies_ms;
    std::size_t errors = 0;
    std::size_t events = 0;
    std::size_t image_bytes = 0;   // base64, as on the wire
    std::string first_error;
};

struct run_state
{
    const settings& cfg;
    gemini::client& client;
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    results out;
};

// What a user would check of an answer: its text, and the image when one was asked for
// (decoded, and its size read from the PNG header). Empty when it is right.
std::string check_answer(const settings& cfg, const gemini::interaction& answer, std::size_t& image_bytes)
{
    if (answer.output_text().empty())
        return "empty answer";
    if (!cfg.image_width)
        return {};
    const auto* image = answer.output_image();
    if (!image || !image->data)
        return "no inline image in the answer";
    image_bytes = image->data->size();
    const auto png = gemini::decode(*image);
    const auto size = gemini::image_dimensions(png.as_string());
    if (!size || size->width != cfg.image_width || size->height != cfg.image_width)
        return "the image is not " + std::to_string(cfg.image_width) + " px square";
    return {};
}

asio::awaitable<void> worker(run_state& st)
{
    gemini::request_options opts;
    const std::size_t words = st.cfg.stream ? st.cfg.events * 3 : st.cfg.words;
    if (words)
        opts.headers.emplace_back("x-emulator-output-words", std::to_string(words));
    if (st.cfg.new_connections)
        opts.headers.emplace_back("connection", "close");
    if (st.cfg.image_width)
        opts.headers.emplace_back("x-emulator-image-width", std::to_string(st.cfg.image_width));
    for (;;)
    {
        const std::size_t i = st.next++;
        if (i >= st.cfg.requests)
            co_return;
        const std::string prompt = "bench request " + std::to_string(i);
        const auto start = clock_type::now();
        std::size_t events = 0;
        std::size_t image_bytes = 0;
        std::string failure;
        try
        {
            gemini::request req{.model = "gemini-3.5-flash", .input = prompt};
            if (st.cfg.image_width)
                req.response_format = gemini::image_response();
            gemini::interaction answer;
            if (st.cfg.stream)
            {
                auto open = st.client.stream(std::move(req), opts);
                auto s = co_await std::move(open);
                auto collect = s.collect();
                answer = co_await std::move(collect);
                events = s.events_received();
            }
            else
            {
                auto op = st.client.create(std::move(req), opts);
                answer = co_await std::move(op);
            }
            failure = check_answer(st.cfg, answer, image_bytes);
        }
        catch (const std::exception& e)
        {
            failure = e.what();
        }
        const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
        std::lock_guard lock(st.mutex);
        st.out.latencies_ms.push_back(ms);
        st.out.events += events;
        st.out.image_bytes += image_bytes;
        if (!failure.empty())
        {
            if (st.out.errors++ == 0)
                st.out.first_error = failure;
        }
    }
}

double percentile(std::vector<double>& v, double p)
{
    if (v.empty())
        return 0;
    const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

double cpu_seconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Resident set size now, from /proc (ru_maxrss only knows the peak).
long current_rss_kib()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stol(line.substr(6));
    return 0;
}

long peak_rss_kib()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// Opens `count` streams whose events come a minute apart, takes the first event of each, and
// measures what holding them open costs.
int hold_idle_streams(const settings& cfg, gemini::client& client, asio::io_context& ioc)
{
    std::vector<gemini::interaction_stream> streams(cfg.idle_streams);
    std::size_t opened = 0;
    std::size_t failed = 0;
    std::string first_error;
    const long rss_before = current_rss_kib();
    auto open_one = [&](std::size_t i) -> asio::awaitable<void> {
        gemini::request_options slow;
        slow.headers = {{"x-emulator-stream-interval-ms", "60000"}, {"x-emulator-output-words", "20"}};
        try
        {
            auto open = client.stream({.model = "gemini-3.5-flash", .input = "idle " + std::to_string(i)}, slow);
            streams[i] = co_await std::move(open);
            auto pull = streams[i].next();
            auto first = co_await std::move(pull);
            if (first)
                ++opened;
        }
        catch (const std::exception& e)
        {
            if (failed++ == 0)
                first_error = e.what();
        }
    };
    // At most C opening at once (-c): ten thousand simultaneous TLS handshakes overrun the
    // emulator's handshake timeout, which would measure the server rather than the client.
    std::size_t next = 0;
    auto opener = [&]() -> asio::awaitable<void> {
        while (next < cfg.idle_streams)
        {
            auto open = open_one(next++);
            co_await std::move(open);
        }
    };
    const std::size_t openers = cfg.concurrency_given ? std::min(cfg.concurrency, cfg.idle_streams) : cfg.idle_streams;
    for (std::size_t i = 0; i < openers; ++i)
        asio::co_spawn(ioc, opener(), asio::detached);
    ioc.run();   // returns once every stream delivered its first event and waits for the next
    const long rss_after = current_rss_kib();
    const auto stats = client.pool_statistics();
    std::cout << "idle streams open: " << opened << " (connections in use " << stats.in_use << ")\n";
    std::cout << "client RSS: " << rss_before / 1024 << " MiB before, " << rss_after / 1024 << " MiB with them open\n";
    std::cout << std::fixed << std::setprecision(1) << "resident memory per open stream: "
              << (opened ? static_cast<double>(rss_after - rss_before) / static_cast<double>(opened) : 0.0) << " KiB\n";
    std::cout << "errors: " << failed << "\n";
    if (failed)
        std::cerr << "first error: " << first_error << "\n";
    return failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv)
{
    const settings cfg = parse(argc, argv);
    gemini::client_options o;
    o.base_url = cfg.base_url;
    o.ca_file = cfg.ca_file;
    if (const char* key = std::getenv("GEMINI_API_KEY"); !(key && *key))
        o.api_key = "bench-placeholder-key";
    o.pool.max_connections = cfg.pool ? cfg.pool : std::max(cfg.concurrency, cfg.idle_streams);
    o.pool.max_waiters = std::max<std::size_t>(o.pool.max_waiters, cfg.concurrency);
    o.pool.tls_session_resumption = cfg.resume_tls;
    if (cfg.max_full_handshakes)
        o.pool.max_full_handshakes = *cfg.max_full_handshakes;

    asio::io_context ioc(static_cast<int>(cfg.threads));
    gemini::client client(ioc.get_executor(), o);
    if (cfg.idle_streams)
        return hold_idle_streams(cfg, client, ioc);
    run_state st{cfg, client, {}, {}, {}};

    const double cpu_before = cpu_seconds();
    const auto start = clock_type::now();
    for (std::size_t w = 0; w < std::min(cfg.concurrency, cfg.requests); ++w)
        asio::co_spawn(ioc, worker(st), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    std::vector<std::thread> extra;
    for (unsigned t = 1; t < cfg.threads; ++t)
        extra.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : extra)
        t.join();
    const double wall = std::chrono::duration<double>(clock_type::now() - start).count();
    const double cpu = cpu_seconds() - cpu_before;
    const auto stats = client.pool_statistics();

    auto& lat = st.out.latencies_ms;
    const std::size_t done = lat.size();
    std::cout << std::fixed << std::setprecision(1);
    std::cout << (cfg.stream ? "streams" : "creates") << ": " << done << " in " << std::setprecision(2) << wall
              << " s, concurrency " << cfg.concurrency << ", pool " << o.pool.max_connections << "\n";
    std::cout << std::setprecision(1) << "requests/s: " << static_cast<double>(done) / wall << "\n";
    std::cout << std::setprecision(2) << "latency ms: p50 " << percentile(lat, 0.50) << ", p99 " << percentile(lat, 0.99)
              << "\n";
    if (cfg.stream)
        std::cout << "events: " << st.out.events << ", events/s " << std::setprecision(0)
                  << static_cast<double>(st.out.events) / wall << ", client CPU per event "
                  << std::setprecision(2)
                  << (st.out.events ? cpu * 1e6 / static_cast<double>(st.out.events) : 0.0) << " us\n";
    if (cfg.image_width)
    {
        const double mib = static_cast<double>(st.out.image_bytes) / (1 << 20);
        std::cout << "image data: " << std::setprecision(1) << mib << " MiB, MiB/s " << mib / wall
                  << ", client CPU per MiB " << std::setprecision(2) << (mib > 0 ? cpu * 1e3 / mib : 0.0) << " ms\n";
    }
    std::cout << std::setprecision(1) << "client CPU: " << cpu << " s, per request "
              << (done ? cpu * 1e6 / static_cast<double>(done) : 0.0) << " us\n";
    std::cout << "TLS handshakes (connections opened): " << stats.created_total << " (" << stats.resumed_total
              << " resumed), reused " << stats.reused_total << "\n";
    std::cout << "peak RSS: " << peak_rss_kib() / 1024 << " MiB\n";
    std::cout << "errors: " << st.out.errors << "\n";
    if (st.out.errors)
    {
        std::cerr << "first error: " << st.out.first_error << "\n";
        return 1;
    }
    return 0;
}
