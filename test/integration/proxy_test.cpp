// Behind a proxy: the client tunnels through a real tinyproxy (started per test as a child
// process) and through a tiny in-test CONNECT proxy that can refuse, stall, babble or forward
// any requested host to the emulator.

#include "common/scoped_env.hpp"
#include "integration/fixture.hpp"
#include "integration/process.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <csignal>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace asio = boost::asio;
using asio::ip::tcp;
using gemini::test::emulator_fixture;
using namespace std::chrono_literals;

namespace {

std::size_t count_of(const std::string& text, const std::string& needle)
{
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        ++n;
    return n;
}

bool accepts_connections(std::uint16_t port)
{
    asio::io_context io;
    tcp::socket s(io);
    gemini::error_code ec;
    s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

std::uint16_t free_port()
{
    asio::io_context io;
    tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::string find_program(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::string dirs = std::string(path ? path : "") + ":/usr/bin:/usr/sbin:/usr/local/bin";
    std::size_t pos = 0;
    while (pos <= dirs.size())
    {
        auto end = dirs.find(':', pos);
        if (end == std::string::npos)
            end = dirs.size();
        const auto candidate = dirs.substr(pos, end - pos) + "/" + name;
        if (end > pos && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        pos = end + 1;
    }
    return {};
}

// tinyproxy on a loopback port, configured from scratch in a temporary directory. Port 0 is
// not supported by tinyproxy, so a free port is picked and the start retried if it was taken.
struct tinyproxy
{
    tinyproxy(std::uint16_t connect_port, std::string basic_auth = {})
    {
        const auto exe = find_program("tinyproxy");
        BOOST_REQUIRE_MESSAGE(!exe.empty(), "tinyproxy is not installed (scripts/setup.sh installs tinyproxy-bin)");
        for (int attempt = 0; attempt < 5; ++attempt)
        {
            port = free_port();
            gemini::test::write_text(dir.file("tinyproxy.conf"),
                                     "Port " + std::to_string(port) + "\nListen 127.0.0.1\nTimeout 30\n" +
                                         "LogFile \"" + log_path() + "\"\nLogLevel Info\nMaxClients 64\n" +
                                         "Allow 127.0.0.1\nConnectPort " + std::to_string(connect_port) + "\n" +
                                         (basic_auth.empty() ? "" : "BasicAuth " + basic_auth + "\n"));
            process.emplace(std::vector<std::string>{exe, "-d", "-c", dir.file("tinyproxy.conf")},
                            std::vector<std::string>{}, dir.file("stdout"), dir.file("stderr"));
            // Listening is logged by tinyproxy itself, so that a port taken by someone else in
            // the meantime is not mistaken for ours (tinyproxy then exits and we retry).
            const auto listening = [&] {
                return gemini::test::read_text(log_path()).find("Accepting connections") != std::string::npos;
            };
            const bool settled = gemini::test::poll_until(
                [&] { return process->poll().has_value() || (listening() && accepts_connections(port)); }, 20s);
            if (settled && !process->poll())
                return;
            process.reset();
        }
        BOOST_FAIL("tinyproxy did not start: " << gemini::test::read_text(dir.file("stderr"))
                                                << gemini::test::read_text(log_path()));
    }
    ~tinyproxy()
    {
        if (process && !process->poll())
        {
            process->signal(SIGTERM);
            process->wait();
        }
    }

    std::string log_path() const { return dir.file("tinyproxy.log"); }
    std::string url(const std::string& credentials = {}) const
    {
        return "http://" + (credentials.empty() ? "" : credentials + "@") + "127.0.0.1:" + std::to_string(port);
    }
    /// CONNECT requests tinyproxy received for `target_port`.
    std::size_t tunnels_to(std::uint16_t target_port) const
    {
        return count_of(gemini::test::read_text(log_path()), "): CONNECT 127.0.0.1:" + std::to_string(target_port) + " ");
    }

    gemini::test::temp_dir dir;
    std::uint16_t port = 0;
    std::optional<gemini::test::child_process> process;
};

// A CONNECT proxy in the test: reads the request head, records it, sends `answer` verbatim and,
// when that is a 2xx, relays bytes to 127.0.0.1:upstream whatever host was asked for (so that
// a name nobody can resolve reaches the emulator). An empty answer never answers.
class fake_proxy
{
public:
    fake_proxy(std::uint16_t upstream, std::string answer)
        : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}), upstream_(upstream), answer_(std::move(answer))
    {
        asio::co_spawn(ioc_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~fake_proxy()
    {
        ioc_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    std::size_t connections() const { return connections_.load(); }
    std::vector<std::string> requests() const
    {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    asio::awaitable<void> accept_loop()
    {
        for (;;)
        {
            auto accept = acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            auto [ec, socket] = co_await std::move(accept);
            if (ec)
                co_return;
            ++connections_;
            asio::co_spawn(ioc_, serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve(tcp::socket client)
    {
        std::string head;
        auto read = asio::async_read_until(client, asio::dynamic_buffer(head), "\r\n\r\n",
                                           asio::as_tuple(asio::use_awaitable));
        auto [ec, n] = co_await std::move(read);
        if (ec)
            co_return;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(head.substr(0, n));
        }
        if (answer_.empty())
        {
            char byte;
            auto hold = client.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
            co_await std::move(hold);   // until the client gives up
            co_return;
        }
        auto send = asio::async_write(client, asio::buffer(answer_), asio::as_tuple(asio::use_awaitable));
        co_await std::move(send);
        if (!answer_.starts_with("HTTP/1.1 2"))
            co_return;
        auto upstream = std::make_shared<tcp::socket>(ioc_);
        auto connect = upstream->async_connect({asio::ip::make_address("127.0.0.1"), upstream_},
                                               asio::as_tuple(asio::use_awaitable));
        auto [connect_error] = co_await std::move(connect);
        if (connect_error)
            co_return;
        auto downstream = std::make_shared<tcp::socket>(std::move(client));
        asio::co_spawn(ioc_, relay(downstream, upstream), asio::detached);
        asio::co_spawn(ioc_, relay(upstream, downstream), asio::detached);
    }

    static asio::awaitable<void> relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to)
    {
        std::array<char, 16384> data;
        for (;;)
        {
            auto read = from->async_read_some(asio::buffer(data), asio::as_tuple(asio::use_awaitable));
            auto [ec, n] = co_await std::move(read);
            if (ec)
                break;
            auto write = asio::async_write(*to, asio::buffer(data.data(), n), asio::as_tuple(asio::use_awaitable));
            auto [write_error, written] = co_await std::move(write);
            if (write_error)
                break;
        }
        gemini::error_code ignored;
        to->shutdown(tcp::socket::shutdown_send, ignored);
    }

    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::uint16_t upstream_;
    std::string answer_;
    std::atomic<std::size_t> connections_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
    std::thread thread_;
};

// Sets (or unsets, with nullopt) the proxy variables for one scope and restores them after; the
// lower-case ones are unset, so that only these two count.
class proxy_environment_scope
{
public:
    explicit proxy_environment_scope(std::optional<std::string> https_proxy, std::optional<std::string> no_proxy = {})
    {
        vars_.emplace_back("https_proxy", std::nullopt);
        vars_.emplace_back("no_proxy", std::nullopt);
        vars_.emplace_back("HTTPS_PROXY", https_proxy);
        vars_.emplace_back("NO_PROXY", no_proxy);
    }

private:
    std::deque<gemini::test::scoped_env> vars_;   // a deque: its elements are built in place
};

gemini::client_options through(emulator_fixture& f, const std::string& proxy_url)
{
    auto o = f.client_settings();
    o.proxy = proxy_url;
    o.no_proxy = "";   // whatever the machine's NO_PROXY says, loopback goes through the proxy
    return o;
}

gemini::error_code create_once(emulator_fixture& f, gemini::client& c, gemini::diagnostics* diag = nullptr)
{
    gemini::error_code result;
    f.run([&]() -> asio::awaitable<void> {
        gemini::request_options ro;
        ro.diagnostics_out = diag;
        auto op = c.async_create({.model = "m", .input = "hello"}, ro, asio::as_tuple(asio::use_awaitable));
        auto [ec, answer] = co_await std::move(op);
        result = ec;
        if (!ec)
            BOOST_TEST(answer.output_text().find("hello") != std::string::npos);
    }());
    return result;
}

asio::awaitable<void> create_numbered(gemini::client& c, std::size_t i)
{
    auto create = c.create({.model = "m", .input = "p" + std::to_string(i)});
    co_await std::move(create);
}

} // namespace

BOOST_AUTO_TEST_SUITE(proxy)

BOOST_AUTO_TEST_CASE(creates_and_streams_tunnel_through_tinyproxy)
{
    emulator_fixture f;
    tinyproxy tp(f.server.port());
    auto c = f.make_client(through(f, tp.url()));
    f.run([&]() -> asio::awaitable<void> {
        auto create = c.create({.model = "m", .input = "through the proxy"});
        auto answer = co_await std::move(create);
        BOOST_TEST(answer.output_text().find("through the proxy") != std::string::npos);

        auto open = c.stream({.model = "m", .input = "streamed through the proxy"});
        auto s = co_await std::move(open);
        auto collect = s.collect();
        auto folded = co_await std::move(collect);
        BOOST_TEST(folded.output_text().find("streamed through the proxy") != std::string::npos);
    }());
    const auto stats = c.pool_statistics();
    BOOST_TEST(stats.created_total == 1u);   // the stream reused the create's tunnel
    BOOST_TEST(tp.tunnels_to(f.server.port()) == 1u);
    BOOST_TEST(f.server.stats().tls_handshakes == 1u);
    BOOST_TEST(f.server.stats().api_requests == 2u);
}

BOOST_AUTO_TEST_CASE(pooled_tunnels_are_reused)
{
    emulator_fixture f;
    tinyproxy tp(f.server.port());
    auto c = f.make_client(through(f, tp.url()));
    f.run([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 100; ++i)
        {
            auto create = c.create({.model = "m", .input = "n" + std::to_string(i)});
            co_await std::move(create);
        }
    }());
    BOOST_TEST(f.server.stats().tls_handshakes == 1u);
    BOOST_TEST(tp.tunnels_to(f.server.port()) == 1u);
    BOOST_TEST(c.pool_statistics().reused_total == 99u);

    // Concurrent calls: one tunnel per pooled connection, never more than the pool's size.
    auto settings = through(f, tp.url());
    settings.pool.max_connections = 4;
    auto parallel = f.make_client(settings);
    auto one = [&](std::size_t i) { return create_numbered(parallel, i); };
    f.run(gemini::test::all_of(40, one));
    const auto stats = parallel.pool_statistics();
    BOOST_TEST(stats.created_total <= 4u);
    BOOST_TEST(tp.tunnels_to(f.server.port()) == 1u + stats.created_total);
    BOOST_TEST(f.server.stats().tls_handshakes == 1u + stats.created_total);
}

BOOST_AUTO_TEST_CASE(basic_credentials)
{
    emulator_fixture f;
    tinyproxy tp(f.server.port(), "proxyuser p-ss_1");
    // Percent-encoded in the URL, decoded for the Proxy-Authorization header.
    auto ok = f.make_client(through(f, tp.url("proxy%75ser:p%2Dss_1")));
    BOOST_TEST(!create_once(f, ok));

    const std::string wrong_password = "wrong-Secret-4711";
    std::vector<gemini::trace_event> traces;
    auto settings = through(f, tp.url("proxyuser:" + wrong_password));
    settings.trace = [&](const gemini::trace_event& e) { traces.push_back(e); };
    auto refused = f.make_client(settings);
    gemini::diagnostics diag;
    const auto ec = create_once(f, refused, &diag);
    BOOST_TEST(ec == gemini::errc::proxy_failed);
    BOOST_TEST(diag.http_status == 401u);   // tinyproxy's answer to wrong credentials (407 when none)
    const std::string text = diag.to_string() + " " + ec.message();
    BOOST_TEST(text.find("HTTP 401") != std::string::npos, text);
    BOOST_TEST(text.find("authentication required") != std::string::npos, text);
    BOOST_TEST(text.find(wrong_password) == std::string::npos, text);
    BOOST_TEST(text.find("Basic") == std::string::npos, text);
    BOOST_REQUIRE(traces.size() == 1u);   // 407 is not retried
    BOOST_TEST(traces[0].status == 401u);
    BOOST_TEST(traces[0].error == gemini::errc::proxy_failed);
    BOOST_TEST(refused.pool_statistics().open == 0u);

    // No credentials at all: the same status, with a hint.
    auto anonymous = f.make_client(through(f, tp.url()));
    gemini::diagnostics anonymous_diag;
    BOOST_TEST(create_once(f, anonymous, &anonymous_diag) == gemini::errc::proxy_failed);
    BOOST_TEST(anonymous_diag.http_status == 407u);
    BOOST_TEST(anonymous_diag.library_message.find("user:password@") != std::string::npos);
    BOOST_TEST(f.server.stats().api_requests == 1u);   // only the authenticated create arrived
}

BOOST_AUTO_TEST_CASE(standard_407_for_rejected_credentials)
{
    emulator_fixture f;
    fake_proxy fp(f.server.port(), "HTTP/1.1 407 Proxy Authentication Required\r\n"
                                   "Proxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n");
    auto c = f.make_client(through(f, "http://Aladdin:open%20sesame%21@127.0.0.1:" + std::to_string(fp.port())));
    gemini::diagnostics diag;
    const auto ec = create_once(f, c, &diag);
    BOOST_TEST(ec == gemini::errc::proxy_failed);
    BOOST_TEST(diag.http_status == 407u);
    const std::string text = diag.to_string();
    BOOST_TEST(text.find("407 Proxy Authentication Required") != std::string::npos, text);
    BOOST_TEST(text.find("rejected the credentials") != std::string::npos, text);
    BOOST_TEST(text.find("sesame") == std::string::npos, text);
    BOOST_TEST(text.find("Aladdin") == std::string::npos, text);
    // The decoded credentials went to the proxy, and only there: base64("Aladdin:open sesame!").
    const auto seen = fp.requests();
    BOOST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].find("\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZSE=\r\n") != std::string::npos,
               seen[0]);
    BOOST_TEST(text.find("QWxhZGRpbjpvcGVuIHNlc2FtZSE") == std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(refused_tunnels_are_clear_errors)
{
    emulator_fixture f;
    {
        // tinyproxy allows CONNECT to another port only: 403.
        tinyproxy tp(static_cast<std::uint16_t>(f.server.port() == 1 ? 2 : 1));
        auto c = f.make_client(through(f, tp.url()));
        gemini::diagnostics diag;
        BOOST_TEST(create_once(f, c, &diag) == gemini::errc::proxy_failed);
        BOOST_TEST(diag.http_status == 403u);
        BOOST_TEST(diag.library_message.find("refused the tunnel to 127.0.0.1:" + std::to_string(f.server.port())) !=
                   std::string::npos, diag.library_message);
    }
    {
        fake_proxy fp(f.server.port(), "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        auto c = f.make_client(through(f, fp.url()));
        gemini::diagnostics diag;
        BOOST_TEST(create_once(f, c, &diag) == gemini::errc::proxy_failed);
        BOOST_TEST(diag.http_status == 403u);
        BOOST_TEST(diag.library_message.find("HTTP 403 Forbidden") != std::string::npos, diag.library_message);
        BOOST_TEST(fp.connections() == 1u);   // not retried
    }
    {
        // A proxy that cannot reach the service (503) is retried like the service's own 503.
        fake_proxy fp(f.server.port(), "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        auto settings = through(f, fp.url());
        settings.retry.max_retries = 2;
        auto c = f.make_client(settings);
        gemini::diagnostics diag;
        BOOST_TEST(create_once(f, c, &diag) == gemini::errc::proxy_failed);
        BOOST_TEST(diag.http_status == 503u);
        BOOST_TEST(fp.connections() == 3u);
    }
    {
        fake_proxy fp(f.server.port(), "SSH-2.0-OpenSSH_9.2\r\n\r\n");
        auto c = f.make_client(through(f, fp.url()));
        gemini::diagnostics diag;
        BOOST_TEST(create_once(f, c, &diag) == gemini::errc::proxy_failed);
        BOOST_TEST(diag.http_status == 0u);
        BOOST_TEST(diag.library_message.find("no usable answer") != std::string::npos, diag.library_message);
    }
    BOOST_TEST(f.server.stats().api_requests == 0u);
}

BOOST_AUTO_TEST_CASE(a_silent_proxy_hits_the_connect_deadline)
{
    emulator_fixture f;
    fake_proxy fp(f.server.port(), "");
    auto settings = through(f, fp.url());
    settings.timeout.connect = 300ms;
    auto c = f.make_client(settings);
    gemini::diagnostics diag;
    const auto start = std::chrono::steady_clock::now();
    BOOST_TEST(create_once(f, c, &diag) == gemini::errc::timeout);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
    BOOST_TEST(diag.library_message.find("tunnel") != std::string::npos, diag.library_message);
    BOOST_TEST(c.pool_statistics().open == 0u);
}

BOOST_AUTO_TEST_CASE(host_name_is_verified_through_the_tunnel)
{
    {
        // A certificate that does not name 127.0.0.1: refused, although the proxy connected.
        gemini::emulator::options opts;
        opts.cert = gemini::emulator::make_self_signed_certificate({"api.example.test"});
        emulator_fixture f(opts);
        tinyproxy tp(f.server.port());
        auto c = f.make_client(through(f, tp.url()));
        gemini::diagnostics diag;
        BOOST_TEST(create_once(f, c, &diag) == gemini::errc::tls_failed);
        BOOST_TEST(diag.library_message.find("through the proxy") != std::string::npos, diag.library_message);
        BOOST_TEST(tp.tunnels_to(f.server.port()) >= 1u);
        BOOST_TEST(f.server.stats().api_requests == 0u);
    }
    for (const bool matching : {true, false})
    {
        // The service's name is one nobody resolves: only the proxy (HTTPS_PROXY) can reach it,
        // and the certificate is checked against that name, not the proxy's.
        gemini::emulator::options opts;
        opts.cert = gemini::emulator::make_self_signed_certificate({matching ? "api.example.test" : "other.example.test"});
        emulator_fixture f(opts);
        fake_proxy fp(f.server.port(), "HTTP/1.1 200 Connection established\r\n\r\n");
        auto settings = f.client_settings();
        settings.base_url = "https://api.example.test";
        std::optional<gemini::client> c;
        {
            proxy_environment_scope env(fp.url());
            c.emplace(f.ioc.get_executor(), settings);
        }
        const auto ec = create_once(f, *c);
        BOOST_TEST((matching ? !ec : ec == gemini::errc::tls_failed), ec.message());
        const auto seen = fp.requests();
        BOOST_REQUIRE(!seen.empty());
        BOOST_TEST(seen[0].starts_with("CONNECT api.example.test:443 HTTP/1.1\r\n"), seen[0]);
        BOOST_TEST(seen[0].find("Host: api.example.test:443\r\n") != std::string::npos, seen[0]);
        BOOST_TEST(seen[0].find("Proxy-Authorization") == std::string::npos, seen[0]);
    }
}

BOOST_AUTO_TEST_CASE(no_proxy_bypasses_the_proxy)
{
    emulator_fixture f;
    tinyproxy tp(f.server.port());
    {
        auto settings = through(f, tp.url());
        settings.no_proxy = "localhost, 127.0.0.1";
        auto c = f.make_client(settings);
        BOOST_TEST(!create_once(f, c));
    }
    {
        // NO_PROXY from the environment applies to an explicit proxy too.
        auto settings = through(f, tp.url());
        settings.no_proxy.reset();
        std::optional<gemini::client> c;
        {
            proxy_environment_scope env(std::nullopt, "127.0.0.1:" + std::to_string(f.server.port()));
            c.emplace(f.ioc.get_executor(), settings);
        }
        BOOST_TEST(!create_once(f, *c));
    }
    {
        // HTTPS_PROXY is never used for loopback: the proxy named there does not even exist.
        std::optional<gemini::client> c;
        {
            proxy_environment_scope env("http://127.0.0.1:" + std::to_string(free_port()));
            c.emplace(f.ioc.get_executor(), f.client_settings());
        }
        BOOST_TEST(!create_once(f, *c));
    }
    BOOST_TEST(tp.tunnels_to(f.server.port()) == 0u);
    BOOST_TEST(f.server.stats().api_requests == 3u);
}

BOOST_AUTO_TEST_CASE(unsupported_proxy_urls_are_refused_at_setup)
{
    emulator_fixture f;
    for (const char* url : {"https://127.0.0.1:3128", "socks5://127.0.0.1:1080"})
    {
        try
        {
            auto c = f.make_client(through(f, url));
            BOOST_FAIL("accepted " << url);
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::invalid_argument);
            BOOST_TEST(std::string(e.what()).find("client_options::proxy") != std::string::npos, e.what());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
