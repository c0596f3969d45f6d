// The async_ forms with the usual Asio completion tokens, per-operation cancellation, deadlines
// and client shutdown.

#include "integration/fixture.hpp"
#include "integration/poll.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;
using gemini::test::text_request;
using gemini::test::answer_delayed;

namespace {

} // namespace

BOOST_FIXTURE_TEST_SUITE(completion_tokens, emulator_fixture)

BOOST_AUTO_TEST_CASE(callback)
{
    auto c = make_client();
    gemini::error_code result = make_error_code(gemini::errc::api_error);
    std::string text;
    c.async_create(text_request("tokens"), {}, [&](gemini::error_code ec, gemini::interaction i) {
        result = ec;
        text = i.output_text();
    });
    ioc.run();
    BOOST_TEST(!result);
    BOOST_TEST(!text.empty());
}

BOOST_AUTO_TEST_CASE(future_from_another_thread)
{
    auto c = make_client();
    auto work = asio::make_work_guard(ioc);
    std::thread runner([&] { ioc.run(); });
    auto fut = c.async_create(text_request("tokens"), {}, asio::use_future);
    auto answer = fut.get();
    BOOST_TEST(!answer.output_text().empty());

    auto failing = c.async_get("no-such-id", {}, asio::use_future);
    BOOST_CHECK_THROW(failing.get(), boost::system::system_error);
    work.reset();
    runner.join();
}

BOOST_AUTO_TEST_CASE(deferred_runs_only_when_started)
{
    auto c = make_client();
    auto op = c.async_create(text_request("tokens"), {}, asio::deferred);
    ioc.run();
    ioc.restart();
    BOOST_TEST(server.stats().api_requests == 0u);
    bool done = false;
    std::move(op)([&](gemini::error_code ec, gemini::interaction) { done = !ec; });
    ioc.run();
    BOOST_TEST(done);
    BOOST_TEST(server.stats().api_requests == 1u);
}

BOOST_AUTO_TEST_CASE(default_token_throws_gemini_error_with_diagnostics)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto op = c.async_get("missing");
        try
        {
            co_await std::move(op);
            BOOST_FAIL("no error");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::not_found);
            BOOST_TEST(e.diag().operation == "get");
            BOOST_TEST(e.diag().interaction_id == "missing");
        }
    }());
}

BOOST_AUTO_TEST_CASE(completion_runs_on_the_handlers_executor)
{
    auto c = make_client();
    auto strand = asio::make_strand(ioc);
    bool in_strand = false;
    c.async_create(text_request("tokens"), {}, asio::bind_executor(strand, [&](gemini::error_code, gemini::interaction) {
        in_strand = strand.running_in_this_thread();
    }));
    ioc.run();
    BOOST_TEST(in_strand);
}

BOOST_AUTO_TEST_CASE(per_operation_cancellation_frees_the_connection)
{
    auto c = make_client();
    for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial})
    {
        asio::cancellation_signal signal;
        gemini::error_code result;
        c.async_create(text_request("tokens"), answer_delayed(5000),
                       asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, gemini::interaction) {
                           result = ec;
                       }));
        // Cancel once the request is on the wire: the emulator counts it when it has read it.
        gemini::test::when(
            ioc.get_executor(),
            [&] { return server.stats().api_requests > 0 || c.pool_statistics().in_use == 0; },
            [&] { signal.emit(type); });
        ioc.run();
        ioc.restart();
        BOOST_TEST(result == asio::error::operation_aborted);
        BOOST_TEST(c.pool_statistics().in_use == 0u);
        BOOST_TEST(c.pool_statistics().open == 0u);   // mid-response: closed, never pooled
    }
    // The client is still usable.
    run([&]() -> asio::awaitable<void> {
        auto op = c.create(text_request("tokens"));
        co_await std::move(op);
    }());
}

BOOST_AUTO_TEST_CASE(the_default_token_takes_asio_adapters)
{
    // bind_cancellation_slot and bind_executor wrap the initiation, which hid what the default
    // token needs: neither compiled with gemini::use_awaitable.
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        asio::cancellation_signal signal;
        auto ex = co_await asio::this_coro::executor;
        auto bound = c.async_create(text_request("adapters"), {},
                                    asio::bind_executor(ex, asio::bind_cancellation_slot(signal.slot(), gemini::use_awaitable)));
        auto answer = co_await std::move(bound);
        BOOST_TEST(!answer.output_text().empty());

        // A failure through them is a gemini::error, as without them.
        gemini::request_options failing;
        failing.headers = {{"x-emulator-fault", "status=404"}};
        auto refused = c.async_create(text_request("adapters"), failing,
                                      asio::bind_cancellation_slot(signal.slot(), gemini::use_awaitable));
        bool typed = false;
        try
        {
            co_await std::move(refused);
        }
        catch (const gemini::error& e)
        {
            typed = e.code() == gemini::errc::not_found;
        }
        BOOST_TEST(typed);
    }());
}

BOOST_AUTO_TEST_CASE(awaitable_or_timer_cancels_the_call)
{
    using namespace asio::experimental::awaitable_operators;
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
        auto call = c.create(text_request("tokens"), answer_delayed(5000));
        auto timeout = timer.async_wait(asio::use_awaitable);
        auto race = std::move(call) || std::move(timeout);
        auto winner = co_await std::move(race);
        BOOST_TEST(winner.index() == 1u);
    }());
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_CASE(request_timeout_is_a_timeout_error)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto opts = answer_delayed(5000);
        opts.timeout = std::chrono::milliseconds(150);
        gemini::diagnostics diag;
        opts.diagnostics_out = &diag;
        auto op = c.async_create(text_request("tokens"), opts, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(op);
        BOOST_TEST(ec == gemini::errc::timeout);
        BOOST_TEST(diag.library_message.find("deadline") != std::string::npos);
    }());
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_CASE(client_cancel_ends_everything_in_flight)
{
    auto c = make_client();
    std::vector<gemini::error_code> results;
    for (int i = 0; i < 5; ++i)
        c.async_create(text_request("tokens"), answer_delayed(5000), [&](gemini::error_code ec, gemini::interaction) {
            results.push_back(ec);
        });
    gemini::test::when(ioc.get_executor(), [&] { return server.stats().api_requests >= 5; }, [&] { c.cancel(); });
    ioc.run();
    BOOST_TEST(results.size() == 5u);
    for (auto ec : results)
        BOOST_TEST(ec == asio::error::operation_aborted);
    BOOST_TEST(c.pool_statistics().open == 0u);

    // After cancel() the client refuses new work the same way.
    ioc.restart();
    gemini::error_code late;
    c.async_create(text_request("tokens"), {}, [&](gemini::error_code ec, gemini::interaction) { late = ec; });
    ioc.run();
    BOOST_TEST(late == asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(destroying_the_client_aborts_operations)
{
    std::optional<gemini::client> c(make_client());
    gemini::error_code result;
    c->async_create(text_request("tokens"), answer_delayed(5000), [&](gemini::error_code ec, gemini::interaction) { result = ec; });
    asio::post(ioc, [&] { c.reset(); });
    ioc.run();
    BOOST_TEST(result == asio::error::operation_aborted);
}

BOOST_AUTO_TEST_SUITE_END()
