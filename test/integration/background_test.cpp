// Background interactions end to end: client::wait() (deadline, cancellation by slot, by
// client::cancel() and by `||`, completion once the virtual clock moves, retries, failures) and
// the simulated Deep Research agent (queued -> in_progress -> completed, streamed with a cut and
// a resume, cancelled while running).

#include "integration/fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using gemini::test::emulator_fixture;
using gemini::test::count_steps;
using steady = std::chrono::steady_clock;

namespace {

constexpr const char* research_agent = "deep-research-preview-04-2026";

gemini::request background_job(std::string text = "Summarise the history of background jobs.")
{
    return gemini::request{.model = "gemini-3.5-flash", .input = std::move(text), .background = true};
}

gemini::request research(std::string text = "How do HTTP/1.1 connection pools behave under load?")
{
    gemini::request r{.agent = research_agent, .input = std::move(text), .background = true};
    r.agent_config = gemini::deep_research_config{.thinking_summaries = gemini::thinking_summaries::auto_};
    return r;
}

gemini::poll_policy fast_polls()
{
    gemini::poll_policy p;
    p.initial_interval = 1ms;
    p.multiplier = 1;
    p.max_interval = 1ms;
    return p;
}

std::chrono::milliseconds since(steady::time_point t)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t);
}

struct pulled
{
    std::vector<gemini::event> events;
    std::size_t resumes = 0;
    std::string id;
};

// Pulls a whole stream; `after_each` runs after every event (drives the emulator's clock).
template <class AfterEach>
asio::awaitable<pulled> pull_all(gemini::interaction_stream s, AfterEach after_each)
{
    pulled out;
    for (;;)
    {
        auto next = s.next();
        auto e = co_await std::move(next);
        if (!e)
            break;
        out.events.push_back(std::move(*e));
        after_each(out.events.back());
    }
    out.resumes = s.resumes();
    out.id = s.interaction_id();
    co_return out;
}

std::vector<std::string> as_json(const std::vector<gemini::event>& events)
{
    std::vector<std::string> out;
    for (const auto& e : events)
        out.push_back(json::serialize(json::value_from(e)));
    return out;
}

std::vector<std::string> statuses(const std::vector<gemini::event>& events)
{
    std::vector<std::string> out;
    for (const auto& e : events)
        if (const auto* u = e.get_if<gemini::interaction_status_update_event>())
            out.push_back(u->status.str());
    return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(background_wait, emulator_fixture)

BOOST_AUTO_TEST_CASE(deadline_ends_the_wait_with_timeout)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(background_job());
        auto started = co_await std::move(create);

        auto policy = fast_polls();
        policy.initial_interval = policy.max_interval = 20ms;
        policy.deadline = 300ms;
        unsigned polls = 0;
        policy.on_poll = [&](const gemini::poll_event& e) {
            polls = e.poll;
            BOOST_TEST(e.next_delay <= 20ms);
        };
        gemini::diagnostics diag;
        policy.get.request.diagnostics_out = &diag;
        const auto start = steady::now();
        auto wait = c.async_wait(started.id, policy, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(wait);
        const auto took = since(start);
        BOOST_TEST(ec == gemini::errc::timeout);
        BOOST_TEST(took >= 300ms);
        BOOST_TEST(took < 1800ms);   // ends at the deadline, not a poll interval or a request timeout later
        BOOST_TEST(polls >= 3u);
        BOOST_TEST(diag.operation == "wait");
        BOOST_TEST(diag.interaction_id == started.id);
        BOOST_TEST(diag.library_message.find("deadline of 300 ms") != std::string::npos);
        BOOST_TEST(diag.library_message.find("in_progress") != std::string::npos);
    }());
}

BOOST_AUTO_TEST_CASE(default_token_throws_the_timeout)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(background_job());
        auto started = co_await std::move(create);
        auto policy = fast_polls();
        policy.deadline = 50ms;
        try
        {
            auto wait = c.wait(started.id, policy);
            co_await std::move(wait);
            BOOST_FAIL("the wait should have timed out");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::timeout);
            BOOST_TEST(std::string(e.what()).find(started.id) != std::string::npos);
        }
    }());
}

BOOST_AUTO_TEST_CASE(completes_once_the_clock_advances)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(background_job());
        auto started = co_await std::move(create);
        auto policy = fast_polls();
        std::vector<std::string> seen;
        policy.on_poll = [&](const gemini::poll_event& e) {
            seen.push_back(e.latest.status.str());
            if (e.poll == 2)
                server.advance(1s);   // the emulator's background_duration
        };
        auto wait = c.wait(started.id, policy);
        auto done = co_await std::move(wait);
        BOOST_TEST(done.status == gemini::interaction_status::completed);
        BOOST_TEST(done.id == started.id);
        BOOST_TEST(!done.output_text().empty());
        BOOST_TEST(seen == (std::vector<std::string>{"in_progress", "in_progress", "completed"}),
                   boost::test_tools::per_element());
    }());
}

BOOST_AUTO_TEST_CASE(cancellation_slot_stops_the_poll_timer)
{
    auto c = make_client();
    std::string id;
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(background_job());
        auto started = co_await std::move(create);
        id = started.id;
    }());
    const auto requests_before = server.stats().api_requests;

    asio::cancellation_signal signal;
    auto policy = fast_polls();
    policy.initial_interval = policy.max_interval = 60s;   // a live timer would hold run() for a minute
    unsigned polls = 0;
    policy.on_poll = [&](const gemini::poll_event& e) {
        polls = e.poll;
        asio::post(ioc, [&] { signal.emit(asio::cancellation_type::terminal); });
    };
    gemini::error_code result;
    bool completed = false;
    const auto start = steady::now();
    c.async_wait(id, policy, asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, gemini::interaction) {
                     result = ec;
                     completed = true;
                 }));
    ioc.run();
    ioc.restart();
    BOOST_TEST(completed);
    BOOST_TEST(result == asio::error::operation_aborted);
    BOOST_TEST(since(start) < 10s);
    BOOST_TEST(polls == 1u);
    BOOST_TEST(server.stats().api_requests == requests_before + 1);   // no GET after the cancellation
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_CASE(client_cancel_stops_the_wait)
{
    auto c = make_client();
    std::string id;
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(background_job());
        auto started = co_await std::move(create);
        id = started.id;
    }());
    const auto requests_before = server.stats().api_requests;
    auto policy = fast_polls();
    policy.initial_interval = policy.max_interval = 60s;
    unsigned polls = 0;
    policy.on_poll = [&](const gemini::poll_event& e) {
        polls = e.poll;
        asio::post(ioc, [&] { c.cancel(); });
    };
    gemini::error_code result;
    const auto start = steady::now();
    c.async_wait(id, policy, [&](gemini::error_code ec, gemini::interaction) { result = ec; });
    ioc.run();
    BOOST_TEST(result == asio::error::operation_aborted);
    BOOST_TEST(since(start) < 10s);
    BOOST_TEST(polls == 1u);
    BOOST_TEST(server.stats().api_requests == requests_before + 1);
}

BOOST_AUTO_TEST_CASE(cancel_during_a_get_ends_the_wait)
{
    auto c = make_client();
    std::string id;
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(background_job());
        auto started = co_await std::move(create);
        id = started.id;
    }());
    // Every GET takes 5 s; the wait is cancelled once the first one reached the server.
    auto policy = fast_polls();
    policy.get.request.headers = {{"x-emulator-fault", "delay-ms=5000"}};
    asio::cancellation_signal signal;
    gemini::error_code result;
    const auto requests_before = server.stats().api_requests;
    const auto start = steady::now();
    c.async_wait(id, policy, asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, gemini::interaction) {
                     result = ec;
                 }));
    asio::steady_timer poll(ioc);
    std::function<void()> when_sent = [&] {
        if (server.stats().api_requests > requests_before)
        {
            signal.emit(asio::cancellation_type::terminal);
            return;
        }
        poll.expires_after(1ms);
        poll.async_wait([&](auto) { when_sent(); });
    };
    when_sent();
    ioc.run();
    BOOST_TEST(result == asio::error::operation_aborted);
    BOOST_TEST(since(start) < 4s);
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_CASE(racing_a_timer_with_awaitable_operators)
{
    using namespace asio::experimental::awaitable_operators;
    auto c = make_client();
    const auto start = steady::now();
    unsigned polls = 0;
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(background_job());
        auto started = co_await std::move(create);
        auto policy = fast_polls();
        policy.initial_interval = policy.max_interval = 60s;
        policy.on_poll = [&](const gemini::poll_event& e) { polls = e.poll; };
        asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
        auto wait = c.wait(started.id, policy);
        auto timeout = timer.async_wait(asio::use_awaitable);
        auto race = std::move(wait) || std::move(timeout);
        auto winner = co_await std::move(race);
        BOOST_TEST(winner.index() == 1u);
    }());
    // run() returned: no poll timer was left waiting its minute.
    BOOST_TEST(since(start) < 10s);
    BOOST_TEST(polls == 1u);
}

BOOST_AUTO_TEST_CASE(transient_errors_are_retried_permanent_ones_end_the_wait)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(background_job());
        auto started = co_await std::move(create);
        server.add_fault_rule("route=get;times=3;status=503");
        auto policy = fast_polls();
        policy.on_poll = [&](const gemini::poll_event&) { server.advance(1s); };
        auto wait = c.wait(started.id, policy);
        auto done = co_await std::move(wait);
        BOOST_TEST(done.status == gemini::interaction_status::completed);
        BOOST_TEST(server.stats().faults_injected == 3u);

        auto missing = c.async_wait("v1_does_not_exist", fast_polls(), asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(missing);
        BOOST_TEST(ec == gemini::errc::not_found);
    }());
}

BOOST_AUTO_TEST_CASE(a_failed_run_is_returned_not_thrown)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        gemini::request_options fail;
        fail.headers = {{"x-emulator-background-outcome", "failed"}, {"x-emulator-background-ms", "5000"}};
        auto create = c.create(background_job(), fail);
        auto started = co_await std::move(create);
        auto policy = fast_polls();
        policy.on_poll = [&](const gemini::poll_event&) { server.advance(2500ms); };
        auto wait = c.wait(started.id, policy);
        auto done = co_await std::move(wait);
        BOOST_TEST(done.status == gemini::interaction_status::failed);
        BOOST_REQUIRE(done.errors.has_value());
        BOOST_TEST(done.errors->size() == 1u);
        BOOST_TEST(done.errors->at(0).message.value_or("").find("failed") != std::string::npos);
        BOOST_TEST(count_steps(done, "model_output") == 0u);
    }());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(deep_research, emulator_fixture)

BOOST_AUTO_TEST_CASE(lifecycle_queued_in_progress_completed)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(research());
        auto started = co_await std::move(create);
        BOOST_TEST(started.status == gemini::interaction_status::queued);
        BOOST_TEST(started.agent.value_or("") == research_agent);

        auto policy = fast_polls();
        std::vector<std::string> seen;
        policy.on_poll = [&](const gemini::poll_event& e) {
            if (seen.empty() || seen.back() != e.latest.status.str())
                seen.push_back(e.latest.status.str());
            server.advance(10s);   // a quarter of the run takes 15 s of virtual time
        };
        auto wait = c.wait(started.id, policy);
        auto done = co_await std::move(wait);
        BOOST_TEST(seen == (std::vector<std::string>{"queued", "in_progress", "completed"}),
                   boost::test_tools::per_element());
        BOOST_TEST(done.status == gemini::interaction_status::completed);
        BOOST_TEST(done.output_text().find("Research report") != std::string::npos);
        BOOST_TEST(done.output_text().find("connection pools") != std::string::npos);
        BOOST_TEST(count_steps(done, "user_input") == 1u);   // GET: the whole timeline
        BOOST_TEST(count_steps(done, "thought") == 3u);
        for (const auto& s : *done.steps)
            if (const auto* t = s.get_if<gemini::thought_step>())
                BOOST_TEST(t->summary.has_value());
        BOOST_TEST(done.usage.has_value());
    }());
}

BOOST_AUTO_TEST_CASE(must_run_in_the_background)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto req = research();
        req.background.reset();
        auto create = c.async_create(std::move(req), {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(create);
        BOOST_TEST(ec == gemini::errc::bad_request);

        auto wrong_config = research();
        wrong_config.agent_config = gemini::antigravity_config{.model = "x"};
        auto second = c.async_create(std::move(wrong_config), {}, asio::as_tuple(asio::use_awaitable));
        auto [ec2, ignored2] = co_await std::move(second);
        BOOST_TEST(ec2 == gemini::errc::bad_request);
    }());
}

BOOST_AUTO_TEST_CASE(streamed_with_a_cut_and_resumed_without_loss_or_repeat)
{
    auto o = client_settings();
    o.streaming.resume_backoff = 1ms;
    auto c = make_client(o);
    // The first streamed create is cut after 5 events; the client resumes with GET ?stream=true.
    server.add_fault_rule("route=create;times=1;cut-after-events=5");
    run([&]() -> asio::awaitable<void> {
        auto open = c.stream(research());
        auto s = co_await std::move(open);
        // Each event received moves the virtual clock a quarter of the run: the agent only
        // progresses while the test reads, so the stream really follows a live run.
        auto drive = [&](const gemini::event&) { server.advance(15s); };
        auto all = pull_all(std::move(s), drive);
        auto live = co_await std::move(all);
        BOOST_TEST(live.resumes >= 1u);
        BOOST_TEST(statuses(live.events) == (std::vector<std::string>{"queued", "in_progress"}),
                   boost::test_tools::per_element());
        const auto& last = live.events.back();
        BOOST_REQUIRE(last.is<gemini::interaction_completed_event>());
        BOOST_TEST(last.get_if<gemini::interaction_completed_event>()->interaction.status ==
                   gemini::interaction_status::completed);
        std::size_t summaries = 0;
        for (const auto& e : live.events)
            summaries += e.is<gemini::thought_summary_delta_event>();
        BOOST_TEST(summaries == 3u);

        // The stored log replayed from its start: the same events, none lost, none repeated.
        auto replay_open = c.stream_get(live.id);
        auto replay_stream = co_await std::move(replay_open);
        auto replay_all = pull_all(std::move(replay_stream), [](const gemini::event&) {});
        auto replay = co_await std::move(replay_all);
        BOOST_TEST(as_json(live.events) == as_json(replay.events), boost::test_tools::per_element());

        // Folded, the stream is what GET returns (minus the user_input step).
        gemini::accumulator fold;
        for (const auto& e : live.events)
            fold.add(e);
        auto folded = fold.take();
        auto get = c.get(live.id);
        auto fetched = co_await std::move(get);
        BOOST_TEST(folded.output_text() == fetched.output_text());
        BOOST_TEST(count_steps(folded, "thought") == 3u);
    }());
}

BOOST_AUTO_TEST_CASE(resume_from_an_event_id_in_the_middle_of_the_run)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(research());
        auto started = co_await std::move(create);
        server.advance(20s);   // in_progress, first thought published
        auto open = c.stream_get(started.id);
        auto s = co_await std::move(open);
        std::vector<gemini::event> first_part;
        std::string resume_at;
        while (resume_at.empty())
        {
            auto next = s.next();
            auto e = co_await std::move(next);
            BOOST_REQUIRE(e.has_value());
            first_part.push_back(*e);
            if (e->event_id)
                resume_at = *e->event_id;
        }
        s.close();
        server.advance(1min);
        auto reopen = c.stream_get(started.id, resume_at);
        auto rest_stream = co_await std::move(reopen);
        auto rest_all = pull_all(std::move(rest_stream), [](const gemini::event&) {});
        auto rest = co_await std::move(rest_all);
        auto whole_open = c.stream_get(started.id);
        auto whole_stream = co_await std::move(whole_open);
        auto whole_all = pull_all(std::move(whole_stream), [](const gemini::event&) {});
        auto whole = co_await std::move(whole_all);
        auto joined = first_part;
        joined.insert(joined.end(), rest.events.begin(), rest.events.end());
        BOOST_TEST(as_json(joined) == as_json(whole.events), boost::test_tools::per_element());
    }());
}

BOOST_AUTO_TEST_CASE(cancelling_a_running_agent)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(research());
        auto started = co_await std::move(create);
        server.advance(20s);
        auto get = c.get(started.id);
        auto running = co_await std::move(get);
        BOOST_TEST(running.status == gemini::interaction_status::in_progress);

        auto cancel = c.cancel(started.id);
        auto cancelled = co_await std::move(cancel);
        BOOST_TEST(cancelled.status == gemini::interaction_status::cancelled);
        server.advance(1h);
        auto wait = c.wait(started.id, fast_polls());
        auto after = co_await std::move(wait);
        BOOST_TEST(after.status == gemini::interaction_status::cancelled);
        BOOST_TEST(count_steps(after, "model_output") == 0u);

        auto open = c.stream_get(started.id);
        auto s = co_await std::move(open);
        auto all = pull_all(std::move(s), [](const gemini::event&) {});
        auto log = co_await std::move(all);
        BOOST_TEST(statuses(log.events) == (std::vector<std::string>{"queued", "in_progress", "cancelled"}),
                   boost::test_tools::per_element());
        BOOST_REQUIRE(log.events.back().is<gemini::interaction_completed_event>());
        BOOST_TEST(log.events.back().get_if<gemini::interaction_completed_event>()->interaction.status ==
                   gemini::interaction_status::cancelled);
    }());
}

BOOST_AUTO_TEST_SUITE_END()
