// One client shared by an io_context that four threads run: every kind of operation at once,
// with retries, stream resumes and cancellations happening on whichever thread picks them up.
// The suite carries the CTest label `threads`: scripts/test.sh --tsan runs it under
// ThreadSanitizer (docs/reliability.md, "Threads").

#include "integration/fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;

namespace {

struct tally
{
    std::atomic<int> unary{0}, streams{0}, resumed{0}, deleted{0}, timed_out{0}, failures{0};
};

gemini::request question(std::size_t i)
{
    return {.model = "gemini-3.5-flash", .input = "thread work " + std::to_string(i)};
}

// create, get, delete of one interaction.
asio::awaitable<void> lifecycle(gemini::client& c, std::size_t i, tally& t)
{
    auto create = c.create(question(i));
    auto made = co_await std::move(create);
    auto get = c.get(made.id);
    auto again = co_await std::move(get);
    if (again.output_text() == made.output_text())
        ++t.unary;
    auto remove = c.remove(made.id);
    co_await std::move(remove);
    ++t.deleted;
}

asio::awaitable<void> streamed(gemini::client& c, std::size_t i, tally& t)
{
    auto open = c.stream(question(i));
    auto s = co_await std::move(open);
    auto all = s.collect();
    auto folded = co_await std::move(all);
    if (!folded.output_text().empty())
        ++t.streams;
    if (s.resumes() > 0)
        ++t.resumed;
}

// A call raced against a short timer: the timer wins and cancels it (on another thread, maybe).
asio::awaitable<void> abandoned(gemini::client& c, std::size_t i, tally& t)
{
    using namespace asio::experimental::awaitable_operators;
    gemini::request_options held;
    held.headers = {{"x-emulator-fault", "delay-ms=2000"}};
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
    auto call = c.create(question(i), held);
    auto timeout = timer.async_wait(asio::use_awaitable);
    auto race = std::move(call) || std::move(timeout);
    auto winner = co_await std::move(race);
    if (winner.index() == 1)
        ++t.timed_out;
}

asio::awaitable<void> work(gemini::client& c, std::size_t i, tally& t)
{
    try
    {
        switch (i % 4)
        {
        case 0:
        case 2:
        {
            auto op = lifecycle(c, i, t);
            co_await std::move(op);
            break;
        }
        case 1:
        {
            auto op = streamed(c, i, t);
            co_await std::move(op);
            break;
        }
        default:
        {
            auto op = abandoned(c, i, t);
            co_await std::move(op);
        }
        }
    }
    catch (const std::exception& e)
    {
        ++t.failures;
        BOOST_TEST_MESSAGE("work " << i << ": " << e.what());
    }
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(threads, emulator_fixture)

BOOST_AUTO_TEST_CASE(one_client_four_threads_mixed_operations_with_faults)
{
    // Retries (503 on some creates, connections closed before the answer on some gets) and
    // resumes (streams cut after a few events) on whichever thread runs the operation.
    server.add_fault_rule("route=create;skip=3;times=10;status=503");
    server.add_fault_rule("route=get;path=*/interactions/*;times=6;close");
    server.add_fault_rule("route=create;skip=20;times=8;cut-after-events=4");
    auto settings = client_settings();
    settings.streaming.resume_backoff = std::chrono::milliseconds(1);
    settings.pool.max_connections = 8;
    auto c = make_client(settings);
    tally t;
    constexpr std::size_t count = 160;
    // Each flow on its own strand, as an application would run it: the `||` in abandoned() must
    // not have its two branches complete on two threads at once.
    auto flow = [&](std::size_t i) {
        return asio::co_spawn(asio::make_strand(ioc), work(c, i, t), asio::use_awaitable);
    };
    run(gemini::test::all_of(count, flow), 4);

    BOOST_TEST(t.failures.load() == 0);
    BOOST_TEST(t.unary.load() == static_cast<int>(count / 2));
    BOOST_TEST(t.deleted.load() == static_cast<int>(count / 2));
    BOOST_TEST(t.streams.load() == static_cast<int>(count / 4));
    BOOST_TEST(t.timed_out.load() == static_cast<int>(count / 4));
    BOOST_TEST(server.stats().faults_injected >= 10u);
    const auto pool = c.pool_statistics();
    BOOST_TEST(pool.in_use == 0u);
    BOOST_TEST(pool.waiting == 0u);
    BOOST_TEST(pool.open == pool.idle);
    BOOST_TEST(pool.open <= 8u);
}

BOOST_AUTO_TEST_CASE(client_cancel_from_another_thread)
{
    auto c = make_client();
    auto work_guard = asio::make_work_guard(ioc);
    std::vector<std::thread> runners;
    for (int i = 0; i < 4; ++i)
        runners.emplace_back([this] { ioc.run(); });
    std::atomic<int> aborted{0};
    std::atomic<int> completed{0};
    gemini::request_options held;
    held.headers = {{"x-emulator-fault", "delay-ms=5000"}};
    for (int i = 0; i < 16; ++i)
        c.async_create(question(static_cast<std::size_t>(i)), held, [&](gemini::error_code ec, gemini::interaction) {
            if (ec == asio::error::operation_aborted)
                ++aborted;
            ++completed;
        });
    // This thread is not one of the io_context's: it waits by polling, with a bound.
    auto spin_until = [](auto ready) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!ready() && std::chrono::steady_clock::now() < until)
            std::this_thread::yield();
        return ready();
    };
    // Cancel from this thread once every request reached the emulator.
    BOOST_TEST(spin_until([&] { return server.stats().api_requests >= 16; }));
    c.cancel();
    BOOST_TEST(spin_until([&] { return completed.load() == 16; }));
    work_guard.reset();
    for (auto& r : runners)
        r.join();
    ioc.restart();
    BOOST_TEST(aborted.load() == 16);
    BOOST_TEST(c.pool_statistics().in_use == 0u);
    BOOST_TEST(c.pool_statistics().open == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
