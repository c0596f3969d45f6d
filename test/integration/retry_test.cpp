// The default retry policy against the emulator's fault rules: what is retried, how often,
// with which delays, and what is not.

#include "integration/fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;

namespace {

struct recorded
{
    gemini::error_code ec;
    gemini::diagnostics diag;
    std::vector<gemini::retry_event> retries;
};

recorded create_recording(emulator_fixture& f, gemini::client_options settings, gemini::request_options opts = {})
{
    recorded out;
    settings.retry.on_retry = [&out](const gemini::retry_event& e) { out.retries.push_back(e); };
    auto c = f.make_client(settings);
    opts.diagnostics_out = &out.diag;
    f.run([&]() -> asio::awaitable<void> {
        auto op = c.async_create({.model = "gemini-3.5-flash", .input = "retry me"}, opts,
                                 asio::as_tuple(asio::use_awaitable));
        auto [ec, answer] = co_await std::move(op);
        out.ec = ec;
        if (!ec)
            BOOST_TEST(!answer.output_text().empty());
    }());
    BOOST_TEST(c.pool_statistics().in_use == 0u);
    return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(retries, emulator_fixture)

BOOST_AUTO_TEST_CASE(burst_shorter_than_the_budget_succeeds)
{
    server.add_fault_rule("route=create;times=2;status=503");
    auto r = create_recording(*this, client_settings());
    BOOST_TEST(!r.ec);
    BOOST_REQUIRE_EQUAL(r.retries.size(), 2u);
    BOOST_TEST(r.retries[0].attempt == 1u);
    BOOST_TEST(r.retries[0].http_status == 503u);
    BOOST_TEST(r.retries[0].reason == gemini::errc::server_error);
    BOOST_TEST(r.retries[0].operation == "create");
    BOOST_TEST(server.stats().api_requests == 3u);
}

BOOST_AUTO_TEST_CASE(burst_longer_than_the_budget_fails_after_four_retries)
{
    server.add_fault_rule("route=create;times=10;status=500");
    auto r = create_recording(*this, client_settings());
    BOOST_TEST(r.ec == gemini::errc::server_error);
    BOOST_TEST(r.diag.http_status == 500u);
    BOOST_TEST(r.retries.size() == 4u);
    BOOST_TEST(server.stats().api_requests == 5u);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_and_is_capped)
{
    auto settings = client_settings();
    settings.retry.initial_backoff = std::chrono::milliseconds(2);
    settings.retry.max_backoff = std::chrono::milliseconds(8);
    settings.retry.jitter = 0;
    server.add_fault_rule("route=create;times=10;status=502");
    auto r = create_recording(*this, settings);
    BOOST_REQUIRE_EQUAL(r.retries.size(), 4u);
    BOOST_TEST(r.retries[0].delay.count() == 2);
    BOOST_TEST(r.retries[1].delay.count() == 4);
    BOOST_TEST(r.retries[2].delay.count() == 8);
    BOOST_TEST(r.retries[3].delay.count() == 8);
}

BOOST_AUTO_TEST_CASE(server_hints_replace_the_backoff)
{
    for (const char* hint : {"retry-after-ms=30", "shape=rpc;retry-delay=0.03s"})
    {
        server.clear_fault_rules();
        server.add_fault_rule(std::string("route=create;times=1;status=429;") + hint);
        auto r = create_recording(*this, client_settings());
        BOOST_TEST_CONTEXT(hint)
        {
            BOOST_TEST(!r.ec);
            BOOST_REQUIRE_EQUAL(r.retries.size(), 1u);
            BOOST_TEST(r.retries[0].server_hint);
            BOOST_TEST(r.retries[0].delay.count() == 30);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_hint_beyond_the_deadline_is_not_waited_for)
{
    server.add_fault_rule("route=create;times=1;status=503;retry-after=60");
    gemini::request_options opts;
    opts.timeout = std::chrono::seconds(5);
    auto r = create_recording(*this, client_settings(), opts);
    BOOST_TEST(r.ec == gemini::errc::server_error);
    BOOST_TEST(r.retries.empty());
    BOOST_TEST(r.diag.retry_after.value_or(std::chrono::milliseconds(0)).count() == 60000);
}

BOOST_AUTO_TEST_CASE(not_retried_statuses)
{
    for (const char* fault : {"status=409;code=aborted", "status=501", "status=400", "status=404",
                              "status=429;code=quota_exceeded;message=Quota exceeded, limit: 0"})
    {
        server.clear_fault_rules();
        server.add_fault_rule(std::string("route=create;times=1;") + fault);
        auto r = create_recording(*this, client_settings());
        BOOST_TEST_CONTEXT(fault)
        {
            BOOST_TEST(r.ec);
            BOOST_TEST(r.retries.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(non_idempotent_retries_can_be_turned_off)
{
    auto settings = client_settings();
    settings.retry.retry_non_idempotent = false;
    server.add_fault_rule("route=create;times=1;status=503");
    auto r = create_recording(*this, settings);
    BOOST_TEST(r.ec == gemini::errc::server_error);
    BOOST_TEST(r.retries.empty());
}

BOOST_AUTO_TEST_CASE(connection_closed_before_the_answer_is_retried)
{
    server.add_fault_rule("route=create;times=2;close");
    auto r = create_recording(*this, client_settings());
    BOOST_TEST(!r.ec, r.diag.to_string());
    BOOST_TEST(r.retries.size() >= 1u);
    BOOST_TEST(r.retries[0].http_status == 0u);
}

BOOST_AUTO_TEST_CASE(a_create_whose_answer_was_lost_on_a_reused_connection_runs_twice_only_if_allowed)
{
    // close=after: the create runs, then its connection closes unanswered. On a reused
    // connection that looks like a server closing it while idle, which the transport retries on
    // a fresh connection by itself: for a create, only when the policy allows running it twice.
    for (const bool twice_allowed : {true, false})
    {
        auto settings = client_settings();
        settings.pool.max_connections = 1;
        settings.retry.retry_non_idempotent = twice_allowed;
        server.clear_fault_rules();
        auto c = make_client(settings);
        gemini::error_code first_ec;
        gemini::error_code ec;
        gemini::diagnostics diag;
        std::uint64_t stored_before = 0;
        run([&]() -> asio::awaitable<void> {
            auto op1 = c.async_create({.model = "gemini-3.5-flash", .input = "first"}, {},
                                      asio::as_tuple(asio::use_awaitable));
            auto [e1, a1] = co_await std::move(op1);
            first_ec = e1;
            server.add_fault_rule("route=create;times=1;close=after");
            stored_before = server.stats().interactions_stored;
            gemini::request_options opts;
            opts.diagnostics_out = &diag;
            auto op2 = c.async_create({.model = "gemini-3.5-flash", .input = "second"}, opts,
                                      asio::as_tuple(asio::use_awaitable));
            auto [e2, a2] = co_await std::move(op2);
            ec = e2;
        }());
        BOOST_TEST_CONTEXT("retry_non_idempotent " << twice_allowed)
        {
            BOOST_REQUIRE(!first_ec);
            BOOST_TEST(c.pool_statistics().reused_total >= 1u);
            if (twice_allowed)
                BOOST_TEST(!ec, diag.to_string());
            else
                BOOST_TEST(ec == gemini::errc::connection_closed, diag.to_string());
            BOOST_TEST(server.stats().interactions_stored - stored_before == (twice_allowed ? 2u : 1u));
        }
    }
}

BOOST_AUTO_TEST_CASE(refused_connections_are_retried_then_reported)
{
    std::uint16_t port;
    {
        gemini::emulator::server gone;
        port = gone.port();
    }
    auto settings = client_settings();
    settings.base_url = "https://127.0.0.1:" + std::to_string(port);
    auto r = create_recording(*this, settings);
    BOOST_TEST(r.ec == gemini::errc::connect_failed);
    BOOST_TEST(r.retries.size() == 4u);
    BOOST_TEST(r.retries[0].reason == gemini::errc::connect_failed);
}

BOOST_AUTO_TEST_CASE(per_call_policy_overrides_the_client)
{
    server.add_fault_rule("route=create;times=1;status=503");
    gemini::request_options opts;
    opts.retry = gemini::retry_policy::none();
    auto r = create_recording(*this, client_settings(), opts);
    BOOST_TEST(r.ec == gemini::errc::server_error);
}

BOOST_AUTO_TEST_SUITE_END()
