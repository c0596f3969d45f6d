// gemini-tls-floor: what one open TLS connection costs with Asio and OpenSSL alone, the floor
// that gemini-bench --idle-streams is compared with (scripts/bench.sh).
//
//   gemini-tls-floor --base-url https://HOST:PORT --ca FILE -n K [-c C]
//
// Opens K connections the way the library does (same context settings, SNI and host-name
// check), sends on each the streamed create that gemini-bench --idle-streams sends, reads until
// the first SSE event arrived, then keeps nothing but the ssl::stream, with no read pending, as
// an idle library stream does. By default all K are opened at once, as gemini-bench does, so
// that the transient memory of concurrent handshakes weighs alike in both figures; -c C opens
// them C at a time instead, for an emulator that cannot take 10,000 handshakes within its
// 10 s handshake timeout.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using tls_stream = asio::ssl::stream<tcp::socket>;

namespace {

struct settings
{
    std::string host;
    std::string port;
    bool host_is_ip = false;
    std::string ca_file;
    std::size_t connections = 1000;
    std::size_t in_flight = 0;   // 0: all at once
    std::chrono::seconds deadline{300};
};

[[noreturn]] void usage(int code)
{
    (code ? std::cerr : std::cout)
        << "usage: gemini-tls-floor --base-url https://HOST:PORT [--ca FILE] [-n K] [-c C] [--deadline-s S]\n"
           "  -n K            connections to open and hold (default 1000)\n"
           "  -c C            connections being opened at once (default: all K)\n"
           "  --deadline-s S  give up on connections not open after S seconds (default 300)\n"
           "Prints the resident memory per open connection.\n";
    std::exit(code);
}

settings parse(int argc, char** argv)
{
    settings s;
    std::string base_url;
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(2);
            return argv[++i];
        };
        if (a == "--base-url")
            base_url = value();
        else if (a == "--ca")
            s.ca_file = value();
        else if (a == "-n")
            s.connections = std::stoul(value());
        else if (a == "-c")
            s.in_flight = std::stoul(value());
        else if (a == "--deadline-s")
            s.deadline = std::chrono::seconds(std::stoul(value()));
        else if (a == "--help" || a == "-h")
            usage(0);
        else
            usage(2);
    }
    auto url = boost::urls::parse_uri(base_url);
    if (!url || url->scheme() != "https" || !url->has_port())
        usage(2);
    s.host = url->host_address();
    s.port = url->port();
    s.host_is_ip = url->host_type() == boost::urls::host_type::ipv4 || url->host_type() == boost::urls::host_type::ipv6;
    return s;
}

// The library's context (src/client_impl.cpp, make_tls_context): a difference here would move
// the floor.
asio::ssl::context make_context(const settings& cfg)
{
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ignored;
    ctx.set_default_verify_paths(ignored);
    if (!cfg.ca_file.empty())
        ctx.load_verify_file(cfg.ca_file);
    return ctx;
}

std::string slow_stream_request(const settings& cfg)
{
    const std::string body = R"({"model":"gemini-3.5-flash","input":"idle","stream":true})";
    return "POST /v1beta/interactions HTTP/1.1\r\n"
           "Host: " + cfg.host + ":" + cfg.port + "\r\n"
           "x-goog-api-key: bench-placeholder-key\r\n"
           "content-type: application/json\r\n"
           "accept: text/event-stream\r\n"
           "x-emulator-stream-interval-ms: 60000\r\n"
           "x-emulator-output-words: 20\r\n"
           "content-length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Chunk framing only ever has "\r\n", so a "\n\n" past the head ends the first SSE event.
bool holds_first_event(const std::string& received)
{
    const auto head_end = received.find("\r\n\r\n");
    return head_end != std::string::npos && received.find("\n\n", head_end + 4) != std::string::npos;
}

asio::awaitable<void> open_one(const settings& cfg, const tcp::resolver::results_type& endpoints,
                               const std::string& request, tls_stream& tls)
{
    co_await asio::async_connect(tls.next_layer(), endpoints, asio::use_awaitable);
    tls.next_layer().set_option(tcp::no_delay(true));
    if (!cfg.host_is_ip && !SSL_set_tlsext_host_name(tls.native_handle(), cfg.host.c_str()))
        throw std::runtime_error("cannot set SNI");
    tls.set_verify_mode(asio::ssl::verify_peer);
    tls.set_verify_callback(asio::ssl::host_name_verification(cfg.host));
    co_await tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    co_await asio::async_write(tls, asio::buffer(request), asio::use_awaitable);

    std::string received;
    char chunk[1024];
    while (!holds_first_event(received))
    {
        const auto n = co_await tls.async_read_some(asio::buffer(chunk), asio::use_awaitable);
        received.append(chunk, n);
    }
    if (received.rfind("HTTP/1.1 200", 0) != 0)
        throw std::runtime_error("answer: " + received.substr(0, received.find("\r\n")));
}

struct run_state
{
    const settings& cfg;
    asio::ssl::context& ctx;
    tcp::resolver::results_type endpoints;
    std::string request;
    std::vector<std::unique_ptr<tls_stream>> held;
    std::size_t next = 0;
    std::size_t opened = 0;
    std::size_t failed = 0;
    std::string first_error;
};

// One of the C openers: opens connections until every slot has had its try.
asio::awaitable<void> opener(run_state& st)
{
    auto executor = co_await asio::this_coro::executor;
    while (st.next < st.held.size())
    {
        auto& slot = st.held[st.next++];
        slot = std::make_unique<tls_stream>(executor, st.ctx);
        try
        {
            co_await open_one(st.cfg, st.endpoints, st.request, *slot);
            ++st.opened;
        }
        catch (const std::exception& e)
        {
            if (st.failed++ == 0)
                st.first_error = e.what();
        }
    }
}

long resident_kib()
{
    std::ifstream statm("/proc/self/statm");
    long size_pages = 0;
    long resident_pages = 0;
    statm >> size_pages >> resident_pages;
    return resident_pages * (sysconf(_SC_PAGESIZE) / 1024);
}

} // namespace

int main(int argc, char** argv)
{
    const settings cfg = parse(argc, argv);
    asio::io_context ioc(1);
    auto ctx = make_context(cfg);
    run_state st{cfg, ctx, tcp::resolver(ioc).resolve(cfg.host, cfg.port), slow_stream_request(cfg),
                 std::vector<std::unique_ptr<tls_stream>>(cfg.connections), 0, 0, 0, {}};

    const std::size_t openers = cfg.in_flight ? std::min(cfg.in_flight, cfg.connections) : cfg.connections;
    std::size_t openers_running = openers;
    asio::steady_timer deadline(ioc, cfg.deadline);
    deadline.async_wait([&](boost::system::error_code ec) {
        if (!ec)
            ioc.stop();
    });
    const long rss_before = resident_kib();
    for (std::size_t i = 0; i < openers; ++i)
        asio::co_spawn(ioc, opener(st), [&](std::exception_ptr) {
            if (--openers_running == 0)
                deadline.cancel();
        });
    ioc.run();
    const long rss_after = resident_kib();

    const std::size_t not_open = cfg.connections - st.opened;
    std::cout << "connections open: " << st.opened << " of " << cfg.connections << "\n";
    std::cout << "client RSS: " << rss_before / 1024 << " MiB before, " << rss_after / 1024 << " MiB with them open\n";
    std::cout << std::fixed << std::setprecision(1) << "resident memory per open connection: "
              << (st.opened ? static_cast<double>(rss_after - rss_before) / static_cast<double>(st.opened) : 0.0)
              << " KiB\n";
    std::cout << "errors: " << not_open << "\n";
    if (st.failed)
        std::cerr << "first error: " << st.first_error << "\n";
    if (openers_running)
        std::cerr << "gave up after " << cfg.deadline.count() << " s\n";
    return not_open ? 1 : 0;
}
