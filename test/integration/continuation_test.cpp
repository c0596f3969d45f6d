// requires_continuation (spec 13) end to end: the emulator stops after N words per hop; create()
// follows the hops in stored and store:false mode and returns the uninterrupted answer, usage
// summed; max_hops; manual continuation; the emulator's checks of the hop form.

#include "integration/fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;
using gemini::test::count_steps;

namespace {

gemini::request essay(bool store = true)
{
    gemini::request r{.model = "gemini-3.5-flash", .input = "Write a long essay about hops.",
                      .system_instruction = "Be thorough."};
    if (!store)
        r.store = false;
    return r;
}

gemini::request_options long_answer(unsigned words, unsigned limit = 0)
{
    gemini::request_options o;
    o.headers = {{"x-emulator-output-words", std::to_string(words)}};
    if (limit)
        o.headers.emplace_back("x-emulator-decode-limit-words", std::to_string(limit));
    return o;
}

// One answer with and without a decode limit; the hops must add up to the uninterrupted one.
asio::awaitable<void> check_hops_equal_the_whole(emulator_fixture& f, gemini::client& c, bool store)
{
    auto whole_op = c.create(essay(store), long_answer(23));
    auto whole = co_await std::move(whole_op);
    BOOST_TEST(whole.status == gemini::interaction_status::completed);

    const auto before = f.server.stats().api_requests;
    auto hops_op = c.create(essay(store), long_answer(23, 5));
    auto hops = co_await std::move(hops_op);
    BOOST_TEST(f.server.stats().api_requests - before == 5u);   // 23 words, 5 per hop
    BOOST_TEST(hops.status == gemini::interaction_status::completed);
    BOOST_TEST(!hops.continuation_token.has_value());
    BOOST_TEST(hops.output_text() == whole.output_text());
    BOOST_TEST(count_steps(hops, "model_output") == 5u);
    BOOST_TEST(count_steps(hops, "thought") == 1u);
    if (store)
        BOOST_TEST(hops.id != whole.id);

    // Usage: every hop bills the input again; output and thought tokens add up to the whole.
    const auto& w = *whole.usage;
    const auto& h = *hops.usage;
    BOOST_TEST(h.total_output_tokens.value() == w.total_output_tokens.value());
    BOOST_TEST(h.total_thought_tokens.value() == w.total_thought_tokens.value());
    BOOST_TEST(h.total_input_tokens.value() == 5 * w.total_input_tokens.value());
    BOOST_TEST(h.total_tokens.value() ==
               h.total_input_tokens.value() + h.total_output_tokens.value() + h.total_thought_tokens.value());
    BOOST_TEST(h.output_tokens_by_modality->at(0).tokens.value() == 23);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(continuation, emulator_fixture)

BOOST_AUTO_TEST_CASE(stored_hops_are_followed_and_concatenated)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto check = check_hops_equal_the_whole(*this, c, true);
        co_await std::move(check);
    }());
}

BOOST_AUTO_TEST_CASE(stateless_hops_repeat_the_input)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto check = check_hops_equal_the_whole(*this, c, false);
        co_await std::move(check);
    }());
}

BOOST_AUTO_TEST_CASE(the_last_hop_is_stored_and_chains_on)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto hops_op = c.create(essay(), long_answer(12, 5));
        auto hops = co_await std::move(hops_op);
        auto get = c.get(hops.id);
        auto last = co_await std::move(get);
        BOOST_TEST(last.status == gemini::interaction_status::completed);
        BOOST_TEST(count_steps(last, "user_input") == 0u);   // a stored hop has no input of its own
        BOOST_TEST(last.previous_interaction_id.has_value());
        auto next_turn = c.create({.model = "gemini-3.5-flash", .input = "Thanks.", .previous_interaction_id = hops.id});
        auto next = co_await std::move(next_turn);
        BOOST_TEST(next.output_text().find("Turn 2") != std::string::npos);
    }());
}

BOOST_AUTO_TEST_CASE(max_hops_returns_the_rest_to_continue_by_hand)
{
    auto o = client_settings();
    o.continuation.max_hops = 2;
    auto c = make_client(o);
    run([&]() -> asio::awaitable<void> {
        auto whole_op = c.create(essay(), long_answer(23));
        auto whole = co_await std::move(whole_op);
        auto partial_op = c.create(essay(), long_answer(23, 5));
        auto partial = co_await std::move(partial_op);
        BOOST_TEST(partial.status == gemini::interaction_status::requires_continuation);
        BOOST_REQUIRE(partial.continuation_token.has_value());
        BOOST_TEST(count_steps(partial, "model_output") == 3u);   // the first hop + 2
        BOOST_TEST(whole.output_text().starts_with(partial.output_text()));

        // Continuing by hand (stored mode): the same request, no input, the token and the id.
        auto rest_req = essay();
        rest_req.input.reset();
        rest_req.previous_interaction_id = partial.id;
        rest_req.continuation_token = partial.continuation_token;
        auto rest_op = c.create(std::move(rest_req), long_answer(23, 5));
        auto rest = co_await std::move(rest_op);
        BOOST_TEST(rest.status == gemini::interaction_status::completed);
        BOOST_TEST(partial.output_text() + rest.output_text() == whole.output_text());
    }());
}

BOOST_AUTO_TEST_CASE(automatic_continuation_can_be_turned_off)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto opts = long_answer(23, 5);
        opts.automatic_continuation = false;
        const auto before = server.stats().api_requests;
        auto op = c.create(essay(), opts);
        auto first = co_await std::move(op);
        BOOST_TEST(server.stats().api_requests - before == 1u);
        BOOST_TEST(first.status == gemini::interaction_status::requires_continuation);
        BOOST_TEST(first.continuation_token.has_value());
        BOOST_TEST(first.usage->total_output_tokens.value() == 5);
    }());
}

BOOST_AUTO_TEST_CASE(streams_follow_hops_as_one_interaction)
{
    auto o = client_settings();
    o.streaming.resume_backoff = std::chrono::milliseconds(1);
    auto c = make_client(o);
    run([&]() -> asio::awaitable<void> {
        auto unary_op = c.create(essay(), long_answer(23, 5));
        auto unary = co_await std::move(unary_op);

        // The second hop's stream is cut after 3 events and resumed from that hop.
        server.add_fault_rule("route=create;skip=1;times=1;cut-after-events=3");
        auto open = c.stream(essay(), long_answer(23, 5));
        auto s = co_await std::move(open);
        std::vector<gemini::event> events;
        gemini::accumulator fold;
        for (;;)
        {
            auto next = s.next();
            auto e = co_await std::move(next);
            if (!e)
                break;
            fold.add(*e);   // throws on a second interaction.created, a reused index, ...
            events.push_back(std::move(*e));
        }
        BOOST_TEST(s.resumes() == 1u);
        std::size_t created = 0, completed = 0;
        for (const auto& e : events)
        {
            created += e.is<gemini::interaction_created_event>();
            completed += e.is<gemini::interaction_completed_event>();
        }
        BOOST_TEST(created == 1u);
        BOOST_TEST(completed == 1u);
        auto streamed = fold.take();
        BOOST_TEST(streamed.status == gemini::interaction_status::completed);
        BOOST_TEST(streamed.output_text() == unary.output_text());
        BOOST_TEST(count_steps(streamed, "model_output") == 5u);
        BOOST_TEST(s.interaction_id() == streamed.id);
        BOOST_TEST(streamed.usage->total_input_tokens.value() == unary.usage->total_input_tokens.value());
        BOOST_TEST(streamed.usage->total_output_tokens.value() == unary.usage->total_output_tokens.value());
        BOOST_TEST(streamed.usage->total_tokens.value() == unary.usage->total_tokens.value());
    }());
}

// Each hop's request is read back from the body the stream kept (the create's, then the last
// hop's): stored hops drop the input and name the previous interaction, store:false hops repeat
// the input, and request_options::extra_body goes out with every hop. The emulator refuses a hop
// of the wrong form, so a wrong read-back fails the stream.
BOOST_AUTO_TEST_CASE(streamed_hops_keep_the_request_in_both_modes)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        for (const bool store : {true, false})
        {
            auto whole_op = c.create(essay(store), long_answer(23));
            auto whole = co_await std::move(whole_op);
            server.clear_request_log();
            auto opts = long_answer(23, 5);
            opts.extra_body = {{"labels", boost::json::object{{"run", "hops"}}}};
            auto open = c.stream(essay(store), opts);
            auto s = co_await std::move(open);
            auto collect = s.collect();
            auto folded = co_await std::move(collect);
            BOOST_TEST_CONTEXT("store " << store)
            {
                BOOST_TEST(folded.status == gemini::interaction_status::completed);
                BOOST_TEST(folded.output_text() == whole.output_text());
                const auto log = server.request_log();
                BOOST_TEST_REQUIRE(log.size() == 5u);
                for (std::size_t i = 0; i < log.size(); ++i)
                {
                    const auto body = boost::json::parse(log[i].body).as_object();
                    BOOST_TEST(body.at("system_instruction") == "Be thorough.");
                    BOOST_TEST(body.at("stream") == true);
                    BOOST_TEST(body.at("labels").at("run") == "hops");
                    BOOST_TEST(body.contains("input") == (i == 0 || !store));
                    BOOST_TEST(body.contains("continuation_token") == (i > 0));
                    BOOST_TEST(body.contains("previous_interaction_id") == (i > 0 && store));
                }
            }
        }
    }());
}

// A caller may give the request's own fields in extra_body (the batch tool sends each job's
// body that way), and create_body writes them over the request's: the hops follow the body as
// sent. They followed the typed request, and extra_body put the input back into stored hops
// and a store:false went out with stored-form hops, which the emulator refuses.
BOOST_AUTO_TEST_CASE(hops_follow_request_fields_given_in_extra_body)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        for (const bool store : {true, false})
            for (const bool streamed : {false, true})
            {
                auto whole_op = c.create(essay(store), long_answer(23));
                auto whole = co_await std::move(whole_op);
                server.clear_request_log();
                auto opts = long_answer(23, 5);
                opts.extra_body = {{"input", "Write a long essay about hops."}, {"store", store}};
                const gemini::request bare{.model = "gemini-3.5-flash", .system_instruction = "Be thorough."};
                std::string text;
                if (streamed)
                {
                    auto open = c.stream(bare, opts);
                    auto s = co_await std::move(open);
                    auto collect = s.collect();
                    auto folded = co_await std::move(collect);
                    text = folded.output_text();
                }
                else
                {
                    auto op = c.create(bare, opts);
                    auto answer = co_await std::move(op);
                    text = answer.output_text();
                }
                BOOST_TEST_CONTEXT("store " << store << ", streamed " << streamed)
                {
                    BOOST_TEST(text == whole.output_text());
                    const auto log = server.request_log();
                    BOOST_TEST_REQUIRE(log.size() == 5u);
                    for (std::size_t i = 0; i < log.size(); ++i)
                    {
                        const auto body = boost::json::parse(log[i].body).as_object();
                        BOOST_TEST(body.contains("input") == (i == 0 || !store));
                        BOOST_TEST(body.contains("previous_interaction_id") == (i > 0 && store));
                        BOOST_TEST(body.at("store") == store);
                    }
                }
            }
    }());
}

BOOST_AUTO_TEST_CASE(a_streamed_hop_is_continued_by_hand)
{
    // With automatic continuation off, the folded stream carries the token.
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto whole_op = c.create(essay(), long_answer(12));
        auto whole = co_await std::move(whole_op);
        auto opts = long_answer(12, 8);
        opts.automatic_continuation = false;
        auto open = c.stream(essay(), opts);
        auto s = co_await std::move(open);
        auto collect = s.collect();
        auto first = co_await std::move(collect);
        BOOST_TEST(first.status == gemini::interaction_status::requires_continuation);
        BOOST_REQUIRE(first.continuation_token.has_value());

        auto rest_req = essay();
        rest_req.input.reset();
        rest_req.previous_interaction_id = first.id;
        rest_req.continuation_token = first.continuation_token;
        auto rest_op = c.create(std::move(rest_req));
        auto rest = co_await std::move(rest_op);
        BOOST_TEST(rest.status == gemini::interaction_status::completed);
        BOOST_TEST(first.output_text() + rest.output_text() == whole.output_text());
    }());
}

BOOST_AUTO_TEST_CASE(the_emulator_checks_the_hop_form)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto opts = long_answer(23, 5);
        opts.automatic_continuation = false;
        auto op = c.create(essay(), opts);
        auto first = co_await std::move(op);
        auto attempt = [&](gemini::request r) {
            return c.async_create(std::move(r), opts, asio::as_tuple(asio::use_awaitable));
        };

        auto with_input = essay();   // stored mode must not send the input again
        with_input.previous_interaction_id = first.id;
        with_input.continuation_token = first.continuation_token;
        auto a = attempt(std::move(with_input));
        auto [ec1, i1] = co_await std::move(a);
        BOOST_TEST(ec1 == gemini::errc::bad_request);

        auto unnamed = essay();   // ... and must name the hop that issued the token
        unnamed.input.reset();
        unnamed.continuation_token = first.continuation_token;
        auto b = attempt(std::move(unnamed));
        auto [ec2, i2] = co_await std::move(b);
        BOOST_TEST(ec2 == gemini::errc::bad_request);

        auto forged = essay();
        forged.input.reset();
        forged.previous_interaction_id = first.id;
        forged.continuation_token = "ct_forged";
        auto d = attempt(std::move(forged));
        auto [ec3, i3] = co_await std::move(d);
        BOOST_TEST(ec3 == gemini::errc::bad_request);
    }());
}

BOOST_AUTO_TEST_SUITE_END()
