// Streams end to end: typed events over TLS, fold equals unary, resume after cuts at many
// positions with nothing lost or repeated, errors, cancellation and many concurrent streams.

#include "integration/fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>

namespace asio = boost::asio;
namespace json = boost::json;
using gemini::test::emulator_fixture;

namespace {

gemini::request question(std::string text = "Tell me a story about streams.")
{
    return gemini::request{.model = "gemini-3.5-flash", .input = std::move(text)};
}

gemini::request_options words(int n)
{
    gemini::request_options o;
    o.headers = {{"x-emulator-output-words", std::to_string(n)}};
    return o;
}

// Event JSON with what legitimately differs between two runs removed: the interaction id and
// timestamps.
void normalize(json::value& v, const std::string& id)
{
    if (auto* o = v.if_object())
    {
        o->erase("created");
        o->erase("updated");
        for (auto& [key, value] : *o)
        {
            if (value.is_string() && value.get_string() == id)
                value = "ID";
            else
                normalize(value, id);
        }
    }
    else if (auto* a = v.if_array())
        for (auto& e : *a)
            normalize(e, id);
}

std::vector<std::string> normalized(const std::vector<gemini::event>& events, const std::string& id)
{
    std::vector<std::string> out;
    for (const auto& e : events)
    {
        json::value v = json::value_from(e);
        normalize(v, id);
        out.push_back(json::serialize(v));
    }
    return out;
}

struct streamed
{
    std::vector<gemini::event> events;
    std::string id;
    std::size_t resumes = 0;
    gemini::error_code ec;
    gemini::diagnostics diag;
};

asio::awaitable<streamed> stream_all(gemini::client& c, gemini::request req, gemini::request_options opts)
{
    streamed out;
    try
    {
        auto open = c.stream(std::move(req), std::move(opts));
        auto s = co_await std::move(open);
        for (;;)
        {
            auto pull = s.next();
            auto e = co_await std::move(pull);
            if (!e)
                break;
            out.events.push_back(std::move(*e));
        }
        out.id = s.interaction_id();
        out.resumes = s.resumes();
    }
    catch (const gemini::error& e)
    {
        out.ec = e.code();
        out.diag = e.diag();
    }
    co_return out;
}

// collect() into *text, or the error code into *ec.
asio::awaitable<void> collect_text(gemini::interaction_stream* s, std::string* text, gemini::error_code* ec)
{
    try
    {
        auto all = s->collect();
        auto folded = co_await std::move(all);
        *text = folded.output_text();
    }
    catch (const gemini::error& e)
    {
        *ec = e.code();
    }
}

gemini::client_options fast_resume(const emulator_fixture& f)
{
    auto o = f.client_settings();
    o.streaming.resume_backoff = std::chrono::milliseconds(1);
    return o;
}

// Streams question() with an answer of `n` words to its end, on the fixture's io_context.
streamed stream_to_end(emulator_fixture& f, gemini::client& c, int n)
{
    streamed out;
    f.run([&]() -> asio::awaitable<void> {
        auto all = stream_all(c, question(), words(n));
        out = co_await std::move(all);
    }());
    return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(streaming, emulator_fixture)

BOOST_AUTO_TEST_CASE(streamed_fold_equals_unary_create)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto unary_op = c.create(question(), words(40));
        auto unary = co_await std::move(unary_op);

        auto open = c.stream(question(), words(40));
        auto s = co_await std::move(open);
        auto collect = s.collect();
        auto folded = co_await std::move(collect);

        BOOST_TEST(folded.output_text() == unary.output_text());
        BOOST_TEST(folded.status == unary.status.known());
        BOOST_REQUIRE(folded.steps.has_value());
        BOOST_REQUIRE(unary.steps.has_value());
        BOOST_TEST(json::serialize(json::value_from(*folded.steps)) == json::serialize(json::value_from(*unary.steps)));
        BOOST_TEST(json::serialize(json::value_from(folded.usage)) == json::serialize(json::value_from(unary.usage)));
        BOOST_TEST(s.interaction_id() == folded.id);
    }());
    BOOST_TEST(c.pool_statistics().in_use == 0u);
    BOOST_TEST(c.pool_statistics().idle == 1u);   // a fully read stream returns its connection
}

BOOST_AUTO_TEST_CASE(text_with_escapes_and_utf8_streams_as_the_unary_answer_reads)
{
    // Quotes and backslashes reach the client as JSON escapes, text beyond ASCII as UTF-8: the
    // stream decodes them in its delta scan, both when collect() folds a delta on arrival and
    // when next() hands it out as an event.
    auto c = make_client();
    const std::string said = "Say \"hi\" to C:\\temp, caf\u00e9 \u20ac5 \U0001F600 done.";
    run([&]() -> asio::awaitable<void> {
        auto unary_op = c.create(question(said), words(40));
        auto unary = co_await std::move(unary_op);
        const std::string expected = unary.output_text();
        BOOST_TEST(expected.find("\"hi\"") != std::string::npos);
        BOOST_TEST(expected.find("C:\\temp,") != std::string::npos);
        BOOST_TEST(expected.find("caf\u00e9 \u20ac5 \U0001F600") != std::string::npos);

        auto open_folded = c.stream(question(said), words(40));
        auto folded_stream = co_await std::move(open_folded);
        auto collect = folded_stream.collect();
        auto folded = co_await std::move(collect);
        BOOST_TEST(folded.output_text() == expected);

        auto pull_all = stream_all(c, question(said), words(40));
        const streamed all = co_await std::move(pull_all);
        BOOST_TEST(!all.ec);
        std::string pulled;
        for (const auto& ev : all.events)
            if (const auto* delta = ev.get_if<gemini::text_delta_event>())
                pulled += delta->text;
        BOOST_TEST(pulled == expected);
    }());
}

BOOST_AUTO_TEST_CASE(function_call_arguments_assembled_from_deltas)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto req = question(R"(call get_weather {"city":"Paris","days":3})");
        req.tools = std::vector<gemini::tool>{gemini::tool::function(
            "get_weather", "Weather", json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})").as_object())};
        auto open = c.stream(std::move(req));
        auto s = co_await std::move(open);
        auto collect = s.collect();
        auto folded = co_await std::move(collect);
        BOOST_TEST(folded.status == gemini::interaction_status::requires_action);
        auto calls = folded.function_calls();
        BOOST_REQUIRE_EQUAL(calls.size(), 1u);
        BOOST_TEST(calls[0].name == "get_weather");
        BOOST_TEST(json::serialize(calls[0].arguments) == R"({"city":"Paris","days":3})");
    }());
}

BOOST_AUTO_TEST_CASE(resume_after_cuts_at_many_event_positions_is_exact)
{
    auto c = make_client(fast_resume(*this));
    const streamed reference = stream_to_end(*this, c, 30);
    BOOST_REQUIRE(!reference.ec);
    const auto expected = normalized(reference.events, reference.id);
    BOOST_REQUIRE_GT(expected.size(), 8u);

    // Cuts from before the first event to just before [DONE] (after the last event).
    std::vector<std::size_t> cuts;
    for (std::size_t cut = 0; cut < expected.size(); cut += 1 + cut / 4)
        cuts.push_back(cut);
    cuts.push_back(expected.size() - 1);
    cuts.push_back(expected.size());
    for (std::size_t cut : cuts)
    {
        server.clear_fault_rules();
        server.add_fault_rule("route=create;times=1;cut-after-events=" + std::to_string(cut));
        const streamed resumed = stream_to_end(*this, c, 30);
        BOOST_TEST_CONTEXT("cut after " << cut << " events")
        {
            BOOST_TEST(!resumed.ec, resumed.diag.to_string());
            // Everything but [DONE] arrived: nothing to resume.
            BOOST_TEST(resumed.resumes == (cut == expected.size() ? 0u : 1u));
            BOOST_TEST((normalized(resumed.events, resumed.id) == expected));
        }
    }
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_CASE(resume_after_cuts_at_byte_positions_is_exact)
{
    auto c = make_client(fast_resume(*this));
    const streamed reference = stream_to_end(*this, c, 20);
    BOOST_REQUIRE(!reference.ec);
    const auto expected = normalized(reference.events, reference.id);

    for (std::size_t cut : {1, 10, 100, 333, 700, 1500, 2600})
    {
        server.clear_fault_rules();
        server.add_fault_rule("route=create;times=1;cut-after-bytes=" + std::to_string(cut));
        const streamed resumed = stream_to_end(*this, c, 20);
        BOOST_TEST_CONTEXT("cut after " << cut << " bytes")
        {
            BOOST_TEST(!resumed.ec, resumed.diag.to_string());
            BOOST_TEST((normalized(resumed.events, resumed.id) == expected));
        }
    }
}

// collect() folds text deltas as they arrive instead of queuing events: a resume must neither
// fold a replayed delta again nor skip one, at any cut.
BOOST_AUTO_TEST_CASE(collect_across_resumes_folds_every_delta_once)
{
    auto c = make_client(fast_resume(*this));
    const auto collect_with = [&](std::string rule) {
        server.clear_fault_rules();
        if (!rule.empty())
            server.add_fault_rule(rule);
        std::string steps;
        std::size_t resumes = 0, events = 0;
        run([&]() -> asio::awaitable<void> {
            auto open = c.stream(question(), words(30));
            auto s = co_await std::move(open);
            auto collect = s.collect();
            auto folded = co_await std::move(collect);
            steps = json::serialize(json::value_from(folded.steps));
            resumes = s.resumes();
            events = s.events_received();
        }());
        return std::tuple(steps, resumes, events);
    };
    const auto [expected, no_resumes, event_count] = collect_with("");
    BOOST_TEST(no_resumes == 0u);
    BOOST_REQUIRE_GT(event_count, 12u);
    BOOST_TEST(expected.find("lorem") != std::string::npos);
    for (std::size_t cut = 1; cut < event_count; cut += 3)
    {
        const auto [steps, resumes, events] = collect_with("route=create;times=1;cut-after-events=" + std::to_string(cut));
        BOOST_TEST_CONTEXT("cut after " << cut << " events")
        {
            BOOST_TEST(steps == expected);
            BOOST_TEST(resumes == 1u);
            BOOST_TEST(events == event_count);
        }
    }
    for (std::size_t cut : {50, 333, 700, 1500})
    {
        const auto [steps, resumes, events] = collect_with("route=create;times=1;cut-after-bytes=" + std::to_string(cut));
        BOOST_TEST_CONTEXT("cut after " << cut << " bytes")
        {
            BOOST_TEST(steps == expected);
            BOOST_TEST(events == event_count);
        }
    }
}

// An inconsistent stream (here a delta for a step that never started) fails collect() with
// malformed_response naming the event, whether the event is a text delta or another kind (a
// thought signature: both are folded on arrival); the events before it were folded as usual.
BOOST_AUTO_TEST_CASE(collect_reports_an_inconsistent_stream)
{
    auto c = make_client();
    // 0 created, 1 status_update, 2 step.start, 3 thought_signature, 4 step.stop, 5 step.start,
    // 6... text deltas of step 1.
    for (const auto& [after, culprit] : {std::pair{"8", "index: no step.start for index 99991"},
                                         std::pair{"3", "index: no step.start for index 99990"}})
    {
        server.clear_fault_rules();
        server.add_fault_rule(std::string("route=create;misindex;after-events=") + after);
        gemini::error_code ec;
        std::string message, operation;
        run([&]() -> asio::awaitable<void> {
            auto open = c.stream(question(), words(30));
            auto s = co_await std::move(open);
            try
            {
                auto collect = s.collect();
                co_await std::move(collect);
            }
            catch (const gemini::error& e)
            {
                ec = e.code();
                message = e.diag().library_message;
                operation = e.diag().operation;
            }
        }());
        BOOST_TEST_CONTEXT("misindexed event " << after)
        {
            BOOST_TEST(ec == gemini::errc::malformed_response);
            BOOST_TEST(message.find(culprit) != std::string::npos, message);
            BOOST_TEST(operation == "stream");
        }
    }
}

// Two collect() at once on one stream: the second is refused as a second next() is, and takes
// nothing from the first, which folds text deltas into its own accumulator as they arrive.
BOOST_AUTO_TEST_CASE(a_second_collect_at_once_is_refused_and_takes_nothing)
{
    auto c = make_client();
    std::string reference;
    std::string texts[2];
    gemini::error_code ecs[2];
    run([&]() -> asio::awaitable<void> {
        auto unary_op = c.create(question(), words(60));
        auto unary = co_await std::move(unary_op);
        reference = unary.output_text();
        auto open = c.stream(question(), words(60));
        auto s = co_await std::move(open);
        auto both = gemini::test::all_of(2, [&](std::size_t i) { return collect_text(&s, &texts[i], &ecs[i]); });
        co_await std::move(both);
    }());
    BOOST_TEST(reference.size() > 100u);
    BOOST_TEST(((ecs[0] == gemini::errc::invalid_argument) != (ecs[1] == gemini::errc::invalid_argument)));
    const std::size_t winner = ecs[0] ? 1 : 0;
    BOOST_TEST(!ecs[winner]);
    BOOST_TEST(texts[winner] == reference);
}

BOOST_AUTO_TEST_CASE(events_split_into_tiny_writes_parse_the_same)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto whole_op = stream_all(c, question(), words(15));
        auto whole = co_await std::move(whole_op);
        auto tiny = words(15);
        tiny.headers.push_back({"x-emulator-stream-chunk-bytes", "3"});
        auto split_op = stream_all(c, question(), tiny);
        auto split = co_await std::move(split_op);
        BOOST_TEST(!split.ec, split.diag.to_string());
        BOOST_TEST((normalized(split.events, split.id) == normalized(whole.events, whole.id)));
    }());
}

BOOST_AUTO_TEST_CASE(stream_get_follows_a_stored_interaction_from_the_start_or_an_event)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto all = stream_all(c, question(), words(10));
        auto first = co_await std::move(all);
        BOOST_REQUIRE(!first.ec);

        auto replay_op = c.stream_get(first.id);
        auto replay = co_await std::move(replay_op);
        std::size_t n = 0;
        for (;;)
        {
            auto pull = replay.next();
            auto e = co_await std::move(pull);
            if (!e)
                break;
            ++n;
        }
        BOOST_TEST(n == first.events.size());

        // After the third delta's id, the rest only.
        std::string third_id;
        std::size_t after = 0, seen_ids = 0;
        for (std::size_t i = 0; i < first.events.size(); ++i)
            if (first.events[i].event_id && ++seen_ids == 3)
            {
                third_id = *first.events[i].event_id;
                after = first.events.size() - i - 1;
            }
        BOOST_REQUIRE(!third_id.empty());
        auto tail_op = c.stream_get(first.id, third_id);
        auto tail = co_await std::move(tail_op);
        std::size_t m = 0;
        for (;;)
        {
            auto pull = tail.next();
            auto e = co_await std::move(pull);
            if (!e)
                break;
            ++m;
        }
        BOOST_TEST(m == after);
    }());
}

BOOST_AUTO_TEST_CASE(stall_past_the_idle_timeout_resumes)
{
    auto settings = fast_resume(*this);
    settings.streaming.idle_timeout = std::chrono::milliseconds(200);
    auto c = make_client(settings);
    run([&]() -> asio::awaitable<void> {
        auto ref_op = stream_all(c, question(), words(10));
        auto reference = co_await std::move(ref_op);
        server.add_fault_rule("route=create;times=1;stall-ms=3000");
        auto stalled_op = stream_all(c, question(), words(10));
        auto stalled = co_await std::move(stalled_op);
        BOOST_TEST(!stalled.ec, stalled.diag.to_string());
        BOOST_TEST(stalled.resumes >= 1u);
        BOOST_TEST((normalized(stalled.events, stalled.id) == normalized(reference.events, reference.id)));
    }());
}

BOOST_AUTO_TEST_CASE(error_event_is_a_typed_error)
{
    auto c = make_client();
    gemini::request_options o;
    o.headers = {{"x-emulator-fault", "error-event=deadline_exceeded"}};
    run([&]() -> asio::awaitable<void> {
        auto all = stream_all(c, question(), o);
        auto r = co_await std::move(all);
        BOOST_TEST(r.ec == gemini::errc::server_error, r.diag.to_string());
        BOOST_TEST(r.diag.api_code == "deadline_exceeded");
        BOOST_TEST(!r.diag.api_message.empty());
        BOOST_TEST(r.diag.operation == "stream");
        BOOST_TEST(!r.events.empty());   // the events before the error were delivered
    }());
}

BOOST_AUTO_TEST_CASE(missing_terminal_event_is_an_error)
{
    auto c = make_client();
    gemini::request_options o;
    o.headers = {{"x-emulator-fault", "no-terminal"}};
    run([&]() -> asio::awaitable<void> {
        auto all = stream_all(c, question(), o);
        auto r = co_await std::move(all);
        BOOST_TEST(r.ec == gemini::errc::incomplete_stream);
    }());
}

// A body that ends cleanly before the stream did (no terminal event, no [DONE]), as behind a
// proxy that limits a response's length: resumed like a dropped connection, and the connection,
// whose response was complete, goes back to the pool. An empty body (end-after-events=0) is
// complete with its head: nothing may wait for a read.
BOOST_AUTO_TEST_CASE(a_body_that_ends_before_the_stream_is_resumed)
{
    auto c = make_client(fast_resume(*this));
    const streamed reference = stream_to_end(*this, c, 20);
    BOOST_REQUIRE(!reference.ec);
    for (std::size_t end : {0, 5})
    {
        server.clear_fault_rules();
        server.add_fault_rule("route=create;times=1;end-after-events=" + std::to_string(end));
        server.clear_request_log();
        const streamed resumed = stream_to_end(*this, c, 20);
        BOOST_TEST_CONTEXT("body ended after " << end << " events")
        {
            BOOST_TEST(!resumed.ec, resumed.diag.to_string());
            BOOST_TEST(resumed.resumes == 1u);
            BOOST_TEST((normalized(resumed.events, resumed.id) == normalized(reference.events, reference.id)));
            // With no event, hence no interaction id, the create is sent again (as after a cut
            // before the first event); after some, the stream resumes by GET after the last id.
            std::vector<std::string> calls;
            for (const auto& r : server.request_log())
                calls.push_back(r.method + (r.target.find("last_event_id=") != std::string::npos ? " resume" : ""));
            const std::vector<std::string> expected =
                end == 0 ? std::vector<std::string>{"POST", "POST"} : std::vector<std::string>{"POST", "GET resume"};
            BOOST_TEST(calls == expected, boost::test_tools::per_element());
        }
    }
    BOOST_TEST(c.pool_statistics().created_total == 1u);
    BOOST_TEST(server.stats().connections_accepted == 1u);

    // Without resume: incomplete_stream at once, saying why (a read of the finished empty body
    // would have waited for the idle timeout and reported "no data").
    auto settings = client_settings();
    settings.streaming.resume = false;
    auto once = make_client(settings);
    server.clear_fault_rules();
    server.add_fault_rule("route=create;times=1;end-after-events=0");
    run([&]() -> asio::awaitable<void> {
        auto all = stream_all(once, question(), words(20));
        auto r = co_await std::move(all);
        BOOST_TEST(r.ec == gemini::errc::incomplete_stream, r.diag.to_string());
        BOOST_TEST(r.events.empty());
        BOOST_TEST(r.diag.library_message.find("ended without interaction.completed") != std::string::npos,
                   r.diag.library_message);
        BOOST_TEST(r.diag.library_message.find("resume is disabled") != std::string::npos);
    }());
    BOOST_TEST(once.pool_statistics().idle == 1u);
}

BOOST_AUTO_TEST_CASE(a_create_cut_before_its_first_event_is_posted_again_only_as_the_policy_allows)
{
    // The head (200) arrives, then the connection drops before interaction.created: the service
    // has run the create, and posting it again runs it twice.
    for (const bool twice_allowed : {true, false})
    {
        auto settings = fast_resume(*this);
        settings.retry.retry_non_idempotent = twice_allowed;
        auto c = make_client(settings);
        server.clear_fault_rules();
        server.add_fault_rule("route=create;times=1;cut-after-events=0");
        const auto stored_before = server.stats().interactions_stored;
        const streamed r = stream_to_end(*this, c, 20);
        BOOST_TEST_CONTEXT("retry_non_idempotent " << twice_allowed)
        {
            if (twice_allowed)
            {
                BOOST_TEST(!r.ec, r.diag.to_string());
                BOOST_TEST(!r.events.empty());
            }
            else
            {
                BOOST_TEST(r.ec == gemini::errc::connection_closed, r.diag.to_string());
                BOOST_TEST(r.events.empty());
                BOOST_TEST(r.diag.library_message.find("interaction id never arrived") != std::string::npos,
                           r.diag.library_message);
            }
            BOOST_TEST(server.stats().interactions_stored - stored_before == (twice_allowed ? 2u : 1u));
        }
    }
}

BOOST_AUTO_TEST_CASE(chunk_extensions_are_skipped_and_an_endless_one_is_refused)
{
    auto c = make_client(fast_resume(*this));
    const streamed reference = stream_to_end(*this, c, 20);
    BOOST_REQUIRE(!reference.ec);

    server.add_fault_rule("route=create;times=1;chunk-ext=40");
    const streamed extended = stream_to_end(*this, c, 20);
    BOOST_TEST(!extended.ec, extended.diag.to_string());
    BOOST_TEST((normalized(extended.events, extended.id) == normalized(reference.events, reference.id)));

    // A chunk-size line longer than the receive buffer may hold (1 MiB): refused at once, not
    // resumed (the same response would come again) and not buffered without end.
    server.clear_fault_rules();
    server.add_fault_rule("route=create;times=1;chunk-ext=2000000");
    server.clear_request_log();
    const streamed endless = stream_to_end(*this, c, 20);
    BOOST_TEST(endless.ec == gemini::errc::response_too_large, endless.diag.to_string());
    BOOST_TEST(server.request_log().size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_interim_response_before_the_stream_is_read_past)
{
    auto c = make_client();
    const streamed reference = stream_to_end(*this, c, 20);
    BOOST_REQUIRE(!reference.ec);
    for (const char* status : {"100", "103"})
    {
        server.clear_fault_rules();
        server.add_fault_rule(std::string("route=create;times=1;interim=") + status);
        const streamed r = stream_to_end(*this, c, 20);
        BOOST_TEST(!r.ec, status << ": " << r.diag.to_string());
        BOOST_TEST((normalized(r.events, r.id) == normalized(reference.events, reference.id)));
    }
    BOOST_TEST(c.pool_statistics().created_total == 1u);
}

BOOST_AUTO_TEST_CASE(bare_json_refusal_is_surfaced)
{
    auto c = make_client();
    gemini::request_options o;
    o.headers = {{"x-emulator-fault", "refusal"}};
    run([&]() -> asio::awaitable<void> {
        auto all = stream_all(c, question(), o);
        auto r = co_await std::move(all);
        BOOST_TEST(r.ec == gemini::errc::bad_request, r.diag.to_string());
        BOOST_TEST(r.diag.api_code == "prohibited_content");
    }());
}

BOOST_AUTO_TEST_CASE(error_before_streaming_is_the_unary_error)
{
    auto c = make_client();
    gemini::request_options o;
    o.headers = {{"x-emulator-fault", "status=429;retry-after=2"}};
    o.retry = gemini::retry_policy::none();
    run([&]() -> asio::awaitable<void> {
        auto all = stream_all(c, question(), o);
        auto r = co_await std::move(all);
        BOOST_TEST(r.ec == gemini::errc::rate_limited);
        BOOST_TEST(r.diag.http_status == 429u);
        BOOST_TEST(r.diag.retry_after.value_or(std::chrono::milliseconds(0)).count() == 2000);
    }());
}

BOOST_AUTO_TEST_CASE(store_false_cannot_resume_and_says_how_far_it_got)
{
    auto c = make_client(fast_resume(*this));
    server.add_fault_rule("route=create;times=1;cut-after-events=4");
    run([&]() -> asio::awaitable<void> {
        auto req = question();
        req.store = false;
        auto all = stream_all(c, std::move(req), words(20));
        auto r = co_await std::move(all);
        BOOST_TEST(r.ec == gemini::errc::connection_closed);
        BOOST_TEST(r.events.size() == 4u);
        BOOST_TEST(r.diag.library_message.find("after 4 events") != std::string::npos, r.diag.library_message);
        BOOST_TEST(r.diag.library_message.find("store:false") != std::string::npos);
    }());
}

BOOST_AUTO_TEST_CASE(cancelling_next_mid_stream_leaves_the_pool_healthy)
{
    auto c = make_client();
    gemini::request_options slow = words(12);
    slow.headers.push_back({"x-emulator-stream-interval-ms", "200"});
    gemini::interaction_stream s;
    run([&]() -> asio::awaitable<void> {
        auto open = c.stream(question(), slow);
        s = co_await std::move(open);
        auto pull = s.next();
        auto first = co_await std::move(pull);
        BOOST_TEST(first.has_value());
        while (s.try_next())
        {
        }   // what already arrived; the next event is 200 ms away
    }());

    // A callback token starts the operation at once, so the cancellation finds it running.
    asio::cancellation_signal signal;
    gemini::error_code result;
    s.async_next(asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, std::optional<gemini::event>) {
        result = ec;
    }));
    signal.emit(asio::cancellation_type::terminal);
    ioc.run();
    ioc.restart();
    BOOST_TEST(result == asio::error::operation_aborted);
    BOOST_TEST(c.pool_statistics().in_use == 0u);
    BOOST_TEST(c.pool_statistics().open == 0u);   // unfinished response: closed, not pooled

    // A later next() resumes the stream where it stopped; the client is healthy.
    std::size_t rest = 0;
    run([&]() -> asio::awaitable<void> {
        for (;;)
        {
            auto pull = s.next();
            auto e = co_await std::move(pull);
            if (!e)
                break;
            ++rest;
        }
        auto after_op = c.create(question());
        auto after = co_await std::move(after_op);
        BOOST_TEST(!after.output_text().empty());
    }());
    BOOST_TEST(rest > 0u);
    BOOST_TEST(s.resumes() == 1u);
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_CASE(destroying_a_stream_closes_its_exchange)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        {
            // Far more than one read takes (a read drains at most read_chunk_bytes, 16 KiB): a
            // response read to its end would rightly go back to the pool.
            auto open = c.stream(question(), words(30000));
            auto s = co_await std::move(open);
            auto pull = s.next();
            co_await std::move(pull);
        }
        BOOST_TEST(c.pool_statistics().in_use == 0u);
        BOOST_TEST(c.pool_statistics().open == 0u);
    }());
}

BOOST_AUTO_TEST_CASE(five_hundred_concurrent_streams)
{
    auto settings = client_settings();
    settings.pool.max_connections = 500;
    auto c = make_client(settings);
    std::atomic<int> complete{0};
    auto one = [&](std::size_t i) -> asio::awaitable<void> {
        auto all = stream_all(c, question("stream " + std::to_string(i)), words(5));
        auto r = co_await std::move(all);
        if (!r.ec && !r.events.empty())
            ++complete;
    };
    run(gemini::test::all_of(500, one));
    BOOST_TEST(complete.load() == 500);
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
