// gemini::chat against the emulator over real TLS: stored and stateless turns, what each turn
// sends (from the emulator's request log), save/restore, streaming, and failed turns.

#include "integration/fixture.hpp"

#include <gemini/chat.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
namespace json = boost::json;
using gemini::test::emulator_fixture;

namespace {

constexpr const char* model = "gemini-3.5-flash";
// Keys deliberately out of order: a faithful replay keeps them so.
constexpr const char* extra_step_text = R"({"type":"future_step","zeta":1,"alpha":{"b":2,"a":1},"note":"kept"})";

/// The bodies of the create requests the emulator received, in order.
std::vector<json::object> create_bodies(const gemini::emulator::server& srv)
{
    std::vector<json::object> out;
    for (const auto& r : srv.request_log())
        if (r.method == "POST" && r.target.ends_with("/interactions"))
            out.push_back(json::parse(r.body).as_object());
    return out;
}

std::vector<std::string> create_texts(const gemini::emulator::server& srv)
{
    std::vector<std::string> out;
    for (const auto& r : srv.request_log())
        if (r.method == "POST" && r.target.ends_with("/interactions"))
            out.push_back(r.body);
    return out;
}

gemini::request settings(bool stateless = false)
{
    gemini::request r{.model = model, .system_instruction = "Answer tersely."};
    r.generation_config = gemini::generation_config{.max_output_tokens = 200, .seed = 7};
    r.labels = std::map<std::string, std::string>{{"session", "chat-test"}};
    if (stateless)
        r.store = false;
    return r;
}

gemini::request_options with_header(std::string name, std::string value)
{
    gemini::request_options o;
    o.headers.emplace_back(std::move(name), std::move(value));
    return o;
}

std::size_t count_type(const std::vector<gemini::step>& steps, std::string_view type)
{
    std::size_t n = 0;
    for (const auto& s : steps)
        n += s.type() == type;
    return n;
}

std::string saved_text(const gemini::chat& c) { return json::serialize(c.to_json()); }

} // namespace

BOOST_FIXTURE_TEST_SUITE(chat_sessions, emulator_fixture)

BOOST_AUTO_TEST_CASE(stored_chat_chains_three_turns_and_resends_settings)
{
    auto c = make_client();
    gemini::chat chat(c, settings());
    BOOST_TEST((chat.mode() == gemini::chat_mode::stored));
    run([&]() -> asio::awaitable<void> {
        auto t1 = chat.send("My name is Ada.");
        auto r1 = co_await std::move(t1);
        auto t2 = chat.send("What is my name?");
        auto r2 = co_await std::move(t2);
        auto t3 = chat.send("Thanks.");
        auto r3 = co_await std::move(t3);
        BOOST_TEST(r1.output_text().starts_with("Turn 1."));
        BOOST_TEST(r2.output_text().starts_with("Turn 2."));
        BOOST_TEST(r3.output_text().starts_with("Turn 3."));
        BOOST_TEST(r3.output_text().find("You said: Thanks.") != std::string::npos);
        BOOST_TEST(chat.last_interaction_id() == r3.id);

        // The history is the server's conversation: replaying it statelessly reaches the same
        // digest as continuing the stored chain.
        BOOST_TEST(chat.history().size() == 9u); // 3 x (user_input, thought, model_output)
        std::vector<gemini::step> replay = chat.history();
        replay.push_back(gemini::step::user_text("One more."));
        gemini::request stateless{.model = model, .input = replay, .system_instruction = "Answer tersely."};
        stateless.store = false;
        auto a_op = c.create(std::move(stateless));
        auto a = co_await std::move(a_op);
        auto b_op = c.create({.model = model, .input = "One more.", .previous_interaction_id = r3.id});
        auto b = co_await std::move(b_op);
        BOOST_TEST(a.output_text() == b.output_text());

        auto bodies = create_bodies(server);
        BOOST_REQUIRE(bodies.size() >= 3u);
        BOOST_TEST(!bodies[0].contains("previous_interaction_id"));
        BOOST_TEST(bodies[1].at("previous_interaction_id").as_string() == r1.id);
        BOOST_TEST(bodies[2].at("previous_interaction_id").as_string() == r2.id);
        for (std::size_t i = 0; i < 3; ++i)
        {
            BOOST_TEST(bodies[i].at("model").as_string() == model);
            BOOST_TEST(bodies[i].at("system_instruction").as_string() == "Answer tersely.");
            BOOST_TEST(bodies[i].at("generation_config").at("seed").as_int64() == 7);
            BOOST_TEST(bodies[i].at("labels").at("session").as_string() == "chat-test");
            BOOST_TEST(!bodies[i].contains("store"));
        }
        BOOST_TEST(bodies[2].at("input").as_string() == "Thanks.");
    }());
}

BOOST_AUTO_TEST_CASE(stateless_chat_replays_unknown_steps_with_key_order)
{
    auto c = make_client();
    gemini::chat chat(c, settings(true));
    BOOST_TEST((chat.mode() == gemini::chat_mode::stateless));
    run([&]() -> asio::awaitable<void> {
        auto t1 = chat.send("Hello there.", with_header("x-emulator-extra-step", extra_step_text));
        auto r1 = co_await std::move(t1);
        BOOST_REQUIRE(r1.steps.has_value());
        BOOST_TEST(count_type(*r1.steps, "future_step") == 1u);
        BOOST_TEST(chat.history().size() == 4u); // user_input, thought, future_step, model_output

        auto t2 = chat.send("And now?");
        auto r2 = co_await std::move(t2);
        BOOST_TEST(r2.output_text().starts_with("Turn 2."));

        // The second request replays every step the server returned, the unknown one byte for
        // byte (same text, hence same key order), and the thought with its signature.
        auto texts = create_texts(server);
        BOOST_REQUIRE(texts.size() == 2u);
        BOOST_TEST(texts[1].find(extra_step_text) != std::string::npos);
        auto body = json::parse(texts[1]).as_object();
        BOOST_TEST(body.at("store").as_bool() == false);
        BOOST_TEST(!body.contains("previous_interaction_id"));
        BOOST_TEST(body.at("system_instruction").as_string() == "Answer tersely.");
        const auto& input = body.at("input").as_array();
        BOOST_REQUIRE(input.size() == 5u);
        BOOST_TEST(json::serialize(input[2]) == extra_step_text);
        BOOST_TEST(input[1].at("type").as_string() == "thought");
        BOOST_TEST(input[1].at("signature").as_string() == r1.steps->at(0).get_if<gemini::thought_step>()->signature.value());
        BOOST_TEST(input[4].at("type").as_string() == "user_input");

        // Same history through a stored chain: the same answer, so nothing was lost or altered.
        auto s1_op = c.create({.model = model, .input = "Hello there.", .system_instruction = "Answer tersely."},
                              with_header("x-emulator-extra-step", extra_step_text));
        auto s1 = co_await std::move(s1_op);
        auto s2_op = c.create({.model = model, .input = "And now?", .system_instruction = "Answer tersely.",
                               .previous_interaction_id = s1.id});
        auto s2 = co_await std::move(s2_op);
        BOOST_TEST(s2.output_text() == r2.output_text());

        // Nothing was stored for the stateless turns.
        gemini::diagnostics diag;
        auto get = c.async_get(r2.id, {.request = {.diagnostics_out = &diag}}, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(get);
        BOOST_TEST(ec == gemini::errc::not_found);
    }());
}

BOOST_AUTO_TEST_CASE(saved_chats_continue_after_restore)
{
    auto c = make_client();
    for (bool stateless : {false, true})
    {
        BOOST_TEST_CONTEXT("stateless " << stateless)
        {
            std::string saved;
            std::string direct_answer;
            run([&]() -> asio::awaitable<void> {
                gemini::chat chat(c, settings(stateless));
                auto t1 = chat.send("First.", with_header("x-emulator-extra-step", extra_step_text));
                co_await std::move(t1);
                auto t2 = chat.send("Second.");
                co_await std::move(t2);
                saved = saved_text(chat);
                // What the original chat answers next, for comparison.
                gemini::chat twin = gemini::chat::from_json(c, json::parse(saved));
                auto t3 = twin.send("Third.");
                auto r3 = co_await std::move(t3);
                direct_answer = r3.output_text();
            }());
            // A "new request" of a server: only the saved text survives.
            run([&]() -> asio::awaitable<void> {
                gemini::chat restored = gemini::chat::from_json(c, json::parse(saved));
                BOOST_TEST(restored.history().size() == 7u);
                BOOST_TEST(saved_text(restored) == saved);
                auto t3 = restored.send("Third.");
                auto r3 = co_await std::move(t3);
                BOOST_TEST(r3.output_text().starts_with("Turn 3."));
                BOOST_TEST(r3.output_text() == direct_answer);
                BOOST_TEST(restored.history().size() == 10u);
            }());
        }
    }
}

BOOST_AUTO_TEST_CASE(failed_turns_leave_the_history_unchanged)
{
    auto c = make_client();
    for (bool stateless : {false, true})
    {
        BOOST_TEST_CONTEXT("stateless " << stateless)
        {
            gemini::chat chat(c, settings(stateless));
            run([&]() -> asio::awaitable<void> {
                auto t1 = chat.send("Remember 42.");
                auto r1 = co_await std::move(t1);
                const std::string before = saved_text(chat);

                gemini::diagnostics diag;
                auto opts = with_header("x-emulator-fault", "status=400;message=Injected bad request");
                opts.diagnostics_out = &diag;
                auto bad = chat.async_send("This fails.", opts, asio::as_tuple(asio::use_awaitable));
                auto [ec, ignored] = co_await std::move(bad);
                BOOST_TEST(ec == gemini::errc::bad_request);
                BOOST_TEST(diag.http_status == 400u);
                BOOST_TEST(diag.api_message == "Injected bad request");
                BOOST_TEST(saved_text(chat) == before);
                BOOST_TEST(!chat.busy());

                // A stream that fails mid-way changes nothing either.
                auto s_op = chat.send_stream("This breaks.", with_header("x-emulator-fault", "error-event=api_error;after-events=4"));
                auto s = co_await std::move(s_op);
                bool failed = false;
                try
                {
                    for (;;)
                    {
                        auto pull = s.next();
                        if (!co_await std::move(pull))
                            break;
                    }
                }
                catch (const gemini::error&)
                {
                    failed = true;
                }
                BOOST_TEST(failed);
                BOOST_TEST(saved_text(chat) == before);
                BOOST_TEST(!chat.busy());

                // An abandoned stream: the same.
                {
                    auto a_op = chat.send_stream("Abandoned.");
                    auto abandoned = co_await std::move(a_op);
                    auto first = abandoned.next();
                    auto ev1 = co_await std::move(first);
                    BOOST_TEST(ev1.has_value());
                    BOOST_TEST(chat.busy());
                }
                BOOST_TEST(saved_text(chat) == before);
                BOOST_TEST(!chat.busy());

                auto t2 = chat.send("Still there?");
                auto r2 = co_await std::move(t2);
                BOOST_TEST(r2.output_text().starts_with("Turn 2."));
                if (!stateless)
                    BOOST_TEST(create_bodies(server).back().at("previous_interaction_id").as_string() == r1.id);
            }());
            server.clear_request_log();
        }
    }
}

BOOST_AUTO_TEST_CASE(streamed_turns_update_the_history_at_the_end)
{
    auto c = make_client();
    for (bool stateless : {false, true})
    {
        BOOST_TEST_CONTEXT("stateless " << stateless)
        {
            gemini::chat chat(c, settings(stateless));
            run([&]() -> asio::awaitable<void> {
                auto t1 = chat.send("Hello.");
                co_await std::move(t1);
                auto s_op = chat.send_stream("Stream this answer please.", with_header("x-emulator-extra-step", extra_step_text));
                auto s = co_await std::move(s_op);
                std::size_t events = 0;
                std::string text;
                for (;;)
                {
                    auto pull = s.next();
                    auto ev = co_await std::move(pull);
                    if (!ev)
                        break;
                    ++events;
                    if (const auto* d = ev->get_if<gemini::text_delta_event>())
                        text += d->text;
                    if (events == 1)
                        BOOST_TEST(chat.history().size() == 3u); // not before the end
                }
                BOOST_TEST(events > 5u);
                BOOST_REQUIRE(s.result() != nullptr);
                BOOST_TEST(s.result()->output_text() == text);
                BOOST_TEST(text.starts_with("Turn 2."));
                BOOST_TEST(chat.history().size() == 7u);
                BOOST_TEST(count_type(chat.history(), "future_step") == 1u);
                BOOST_TEST(chat.last_interaction_id() == s.result()->id);

                auto t3 = chat.send("After the stream.");
                auto r3 = co_await std::move(t3);
                BOOST_TEST(r3.output_text().starts_with("Turn 3."));
                if (stateless)
                    BOOST_TEST(create_texts(server).back().find(extra_step_text) != std::string::npos);
            }());
            server.clear_request_log();
        }
    }
}

BOOST_AUTO_TEST_CASE(one_turn_at_a_time_and_other_tokens)
{
    auto c = make_client();
    gemini::chat chat(c, settings());
    run([&]() -> asio::awaitable<void> {
        // A callback starts at once; the awaitable below starts while it holds the turn.
        asio::steady_timer done(co_await asio::this_coro::executor, std::chrono::steady_clock::time_point::max());
        std::optional<gemini::error_code> ea;
        std::string text_a;
        chat.async_send("Three.", {}, [&](gemini::error_code ec, gemini::interaction r) {
            ea = ec;
            text_a = r.output_text();
            done.cancel();
        });
        BOOST_TEST(chat.busy());
        auto b = chat.async_send("Four.", {}, asio::as_tuple(asio::use_awaitable));
        auto [eb, rb] = co_await std::move(b);
        BOOST_TEST(eb == gemini::errc::invalid_argument);
        if (!ea)
        {
            auto wait = done.async_wait(asio::as_tuple(asio::use_awaitable));
            co_await std::move(wait);
        }
        BOOST_REQUIRE(ea.has_value());
        BOOST_TEST(!*ea);
        BOOST_TEST(text_a.starts_with("Turn 1."));
    }());
    BOOST_TEST(chat.history().size() == 3u);

    BOOST_CHECK_THROW((gemini::chat(c, gemini::request{.model = model, .input = "no"})), gemini::error);
    BOOST_CHECK_THROW(gemini::chat::from_json(c, json::parse(R"({"format":"x"})")), gemini::error);
    chat.reset();
    BOOST_TEST(chat.history().empty());
    BOOST_TEST(chat.last_interaction_id().empty());
}

BOOST_AUTO_TEST_SUITE_END()
