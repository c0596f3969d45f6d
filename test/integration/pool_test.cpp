// The connection pool under load, from one thread and from four, and its recovery when the
// server closes idle connections.

#include "integration/fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;

namespace {

asio::awaitable<void> one_create(gemini::client& c, int n, std::atomic<int>& ok)
{
    const std::string text = "request number " + std::to_string(n);
    auto op = c.create({.model = "gemini-3.5-flash", .input = text});
    auto answer = co_await std::move(op);
    if (answer.output_text().find(text) != std::string::npos)
        ++ok;
}

// Starts `count` creates at once and waits for all of them.
void run_concurrently(emulator_fixture& f, gemini::client& c, int count, unsigned threads, std::atomic<int>& ok)
{
    auto create = [&](std::size_t i) { return one_create(c, static_cast<int>(i), ok); };
    f.run(gemini::test::all_of(static_cast<std::size_t>(count), create), threads);
}

} // namespace

// 1000 creates at once through a pool of `max_connections`, on an io_context run by `threads`:
// all succeed, the pool never opens more than its size and ends idle.
void thousand_creates(unsigned threads, std::size_t max_connections)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.pool.max_connections = max_connections;
    auto c = f.make_client(settings);
    std::atomic<int> ok{0};
    run_concurrently(f, c, 1000, threads, ok);
    BOOST_TEST(ok.load() == 1000);
    const auto stats = c.pool_statistics();
    BOOST_TEST(stats.created_total <= max_connections);
    BOOST_TEST(stats.in_use == 0u);
    BOOST_TEST(stats.waiting == 0u);
    BOOST_TEST(stats.open == stats.idle);
    BOOST_TEST(f.server.stats().max_connections_open <= max_connections);
    BOOST_TEST(f.server.stats().tls_handshakes == stats.created_total);
}

// `count` creates at once on a new client whose pool opens a connection for each, at most
// two of them handshaking in full while no session is cached.
gemini::pool_stats burst_on_a_new_client(emulator_fixture& f, int count, unsigned threads,
                                         gemini::client_options settings)
{
    settings.pool.max_connections = static_cast<std::size_t>(count);
    settings.pool.max_full_handshakes = 2;
    auto c = f.make_client(settings);
    std::atomic<int> ok{0};
    run_concurrently(f, c, count, threads, ok);
    BOOST_TEST(ok.load() == count);
    const auto stats = c.pool_statistics();
    // On one thread every create takes its turn before any connection is open, so each opens
    // its own; on two, an early answer can hand its connection to a create that starts late.
    if (threads == 1)
        BOOST_TEST(stats.created_total == static_cast<std::uint64_t>(count));
    else
        BOOST_TEST(stats.created_total <= static_cast<std::uint64_t>(count));
    BOOST_TEST(f.server.stats().tls_handshakes == stats.created_total);
    BOOST_TEST(f.server.stats().tls_resumed == stats.resumed_total);
    return stats;
}

// Before the limit, none of 24 connections opened at once resumed: all their handshakes began
// before the server had issued any session.
void burst_resumes(unsigned threads)
{
    emulator_fixture f;
    const auto stats = burst_on_a_new_client(f, 24, threads, f.client_settings());
    // Places free as handshakes end, while the session comes with the first answer: a few
    // more than two may begin in full before it; most must resume.
    BOOST_TEST_MESSAGE("resumed " << stats.resumed_total << " of " << stats.created_total);
    BOOST_TEST(stats.resumed_total * 2 >= stats.created_total);
}

BOOST_AUTO_TEST_SUITE(pool)

BOOST_AUTO_TEST_CASE(a_burst_of_new_connections_resumes_the_first_ones_session) { burst_resumes(1); }

BOOST_AUTO_TEST_CASE(a_burst_of_new_connections_from_two_threads_resumes_too) { burst_resumes(2); }

BOOST_AUTO_TEST_CASE(a_burst_whose_handshakes_fail_fails_at_once_for_every_request)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.ca_pem.clear();   // the emulator's certificate is not trusted: every handshake fails
    settings.pool.max_connections = 12;
    settings.pool.max_full_handshakes = 2;
    // A connection left waiting for a place that a failed handshake never freed would fail
    // with the request's deadline instead of the TLS error.
    settings.timeout.request = std::chrono::seconds(20);
    settings.timeout.connect = std::chrono::seconds(60);
    auto c = f.make_client(settings);
    std::atomic<int> tls_failed{0};
    auto attempt = [&](std::size_t i) -> asio::awaitable<void> {
        auto op = c.async_create({.model = "m", .input = "q" + std::to_string(i)}, {},
                                 asio::as_tuple(asio::use_awaitable));
        auto [ec, answer] = co_await std::move(op);
        if (ec == gemini::errc::tls_failed)
            ++tls_failed;
    };
    f.run(gemini::test::all_of(12, attempt));
    BOOST_TEST(tls_failed.load() == 12);
    BOOST_TEST(c.pool_statistics().open == 0u);
}

BOOST_AUTO_TEST_CASE(a_server_that_never_resumes_still_gets_every_connection_of_a_burst)
{
    gemini::emulator::options opts;
    opts.tls_resumption = false;
    emulator_fixture f(opts);
    auto settings = f.client_settings();
    // A waiter nobody woke would wait out the request's deadline and fail: the connect timeout,
    // which also bounds the wait, is longer.
    settings.timeout.request = std::chrono::seconds(20);
    settings.timeout.connect = std::chrono::seconds(60);
    const auto stats = burst_on_a_new_client(f, 12, 1, settings);
    BOOST_TEST(stats.resumed_total == 0u);
}

BOOST_AUTO_TEST_CASE(thousand_concurrent_creates_on_one_thread) { thousand_creates(1, 32); }

BOOST_AUTO_TEST_CASE(thousand_concurrent_creates_on_four_threads) { thousand_creates(4, 16); }

BOOST_AUTO_TEST_CASE(sequential_requests_reuse_one_connection)
{
    emulator_fixture f;
    auto c = f.make_client();
    std::atomic<int> ok{0};
    f.run([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 20; ++i)
        {
            auto op = one_create(c, i, ok);
            co_await std::move(op);
        }
    }());
    BOOST_TEST(ok.load() == 20);
    BOOST_TEST(c.pool_statistics().created_total == 1u);
    BOOST_TEST(c.pool_statistics().reused_total == 19u);
    BOOST_TEST(f.server.stats().tls_handshakes == 1u);
}

BOOST_AUTO_TEST_CASE(server_side_idle_close_is_recovered_transparently)
{
    emulator_fixture f;
    auto c = f.make_client();
    std::atomic<int> ok{0};
    for (int round = 0; round < 3; ++round)
    {
        f.run([&]() -> asio::awaitable<void> {
            auto op = one_create(c, round, ok);
            co_await std::move(op);
        }());
        f.server.close_idle_connections();
    }
    BOOST_TEST(ok.load() == 3);
    BOOST_TEST(c.pool_statistics().created_total == 3u);
}

BOOST_AUTO_TEST_CASE(an_interim_response_is_read_past_and_each_request_gets_its_own_answer)
{
    // A 103 (or 100) ahead of the answer, as a proxy may send: taken for the answer, it failed
    // the call and left the real answer on the connection for the next request to read.
    emulator_fixture f;
    auto c = f.make_client();
    std::atomic<int> ok{0};
    f.server.add_fault_rule("route=create;times=1;interim=103");
    f.server.add_fault_rule("route=create;skip=2;times=1;interim=100");
    f.run([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 4; ++i)
        {
            auto op = one_create(c, i, ok);
            co_await std::move(op);
        }
    }());
    BOOST_TEST(ok.load() == 4);
    BOOST_TEST(f.server.stats().faults_injected == 2u);
    BOOST_TEST(c.pool_statistics().created_total == 1u);
}

BOOST_AUTO_TEST_CASE(wait_queue_is_bounded)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.pool.max_connections = 1;
    settings.pool.max_waiters = 2;
    auto c = f.make_client(settings);
    std::atomic<int> exhausted{0};
    std::atomic<int> ok{0};
    auto attempt = [&](std::size_t i) -> asio::awaitable<void> {
        gemini::request_options slow;
        slow.headers = {{"x-emulator-fault", "delay-ms=200"}};
        auto op = c.async_create({.model = "m", .input = "q" + std::to_string(i)}, slow,
                                 asio::as_tuple(asio::use_awaitable));
        auto [ec, answer] = co_await std::move(op);
        if (ec == gemini::errc::pool_exhausted)
            ++exhausted;
        else if (!ec)
            ++ok;
    };
    f.run(gemini::test::all_of(5, attempt));
    BOOST_TEST(ok.load() == 3);   // one on the connection, two waiting
    BOOST_TEST(exhausted.load() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
