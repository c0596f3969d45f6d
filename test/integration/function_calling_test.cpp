// Function calling against the emulator over real TLS: manual answers of every result shape, and
// the automatic loop (parallel calls, failing handlers, unknown names, max rounds, both chat
// modes, streaming, run_functions).

#include "integration/fixture.hpp"

#include <gemini/chat.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>

namespace asio = boost::asio;
namespace json = boost::json;
using gemini::test::emulator_fixture;
using namespace std::chrono_literals;

namespace {

constexpr const char* model = "gemini-3.5-flash";

json::object city_schema()
{
    return json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})").as_object();
}

std::vector<json::object> create_bodies(const gemini::emulator::server& srv)
{
    std::vector<json::object> out;
    for (const auto& r : srv.request_log())
        if (r.method == "POST" && r.target.ends_with("/interactions"))
            out.push_back(json::parse(r.body).as_object());
    return out;
}

/// The function_result steps of a create body's input.
std::vector<json::object> results_in(const json::object& body)
{
    std::vector<json::object> out;
    if (const auto* in = body.at("input").if_array())
        for (const auto& s : *in)
            if (s.at("type").as_string() == "function_result")
                out.push_back(s.as_object());
    return out;
}

/// Two handlers meet here: each records that it started, and the first one waits (on a timer
/// used as an event, bounded so that a broken loop fails instead of hanging) until the other
/// one has started too. Both finish only if they ran at the same time.
struct rendezvous
{
    explicit rendezvous(asio::any_io_executor ex) : event(ex, std::chrono::steady_clock::time_point::max()) {}

    asio::awaitable<bool> arrive()
    {
        if (++started == 2)
        {
            event.cancel(); // wakes the first one
            co_return true;
        }
        event.expires_after(10s);
        auto wait = event.async_wait(asio::as_tuple(asio::use_awaitable));
        auto [ec] = co_await std::move(wait);
        co_return ec == asio::error::operation_aborted && started == 2;
    }

    asio::steady_timer event;
    int started = 0;
    int met = 0;
};

// Named coroutines with by-value/pointer parameters (no capturing lambda coroutines).
asio::awaitable<json::value> weather_handler(rendezvous* r, json::object args)
{
    auto meet = r->arrive();
    r->met += co_await std::move(meet);
    co_return json::object{{"city", args.at("city")}, {"temp_c", 18}};
}

asio::awaitable<json::value> station_handler(rendezvous* r, json::object)
{
    auto meet = r->arrive();
    r->met += co_await std::move(meet);
    throw std::runtime_error("station offline");
}

gemini::function_registry meeting_functions(rendezvous& r)
{
    gemini::function_registry f;
    f.add("get_weather", "Current weather of a city", city_schema(),
          [&r](json::object args) { return weather_handler(&r, std::move(args)); });
    f.add("get_station", "Weather station of a city", city_schema(),
          [&r](json::object args) { return station_handler(&r, std::move(args)); });
    return f;
}

constexpr const char* two_calls = R"(Please call get_weather {"city":"Paris"} and call get_station {"city":"Paris"})";

void check_two_call_answer(const gemini::interaction& reply)
{
    BOOST_TEST(reply.status == gemini::interaction_status::completed);
    const auto text = reply.output_text();
    BOOST_TEST(text.find(R"(Function get_weather returned: {"city":"Paris","temp_c":18}.)") != std::string::npos, text);
    BOOST_TEST(text.find("Function get_station returned: station offline.") != std::string::npos, text);
}

void check_two_call_results(const json::object& body)
{
    auto results = results_in(body);
    BOOST_REQUIRE(results.size() == 2u);
    BOOST_TEST(results[0].at("name").as_string() == "get_weather");
    BOOST_TEST(!results[0].contains("is_error"));
    BOOST_TEST(results[0].at("result").at("temp_c").as_int64() == 18);
    BOOST_TEST(results[1].at("name").as_string() == "get_station");
    BOOST_TEST(results[1].at("is_error").as_bool());
    BOOST_TEST(results[1].at("result").as_string() == "station offline");
}

/// Waits long unless cancelled; the second one to start cancels the turn it belongs to.
struct slow_calls
{
    asio::cancellation_signal* cancel = nullptr;
    int started = 0;
    int aborted = 0;
};

asio::awaitable<json::value> slow_handler(slow_calls* s, json::object)
{
    asio::steady_timer long_wait(co_await asio::this_coro::executor, 10s);
    if (++s->started == 2)
        s->cancel->emit(asio::cancellation_type::terminal); // delivered once both wait
    auto wait = long_wait.async_wait(asio::as_tuple(asio::use_awaitable));
    auto [ec] = co_await std::move(wait);
    s->aborted += ec == asio::error::operation_aborted;
    co_return json::value("too late");
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(function_calling, emulator_fixture)

BOOST_AUTO_TEST_CASE(manual_results_of_every_shape)
{
    auto c = make_client();
    gemini::request settings{.model = model};
    settings.tools = std::vector<gemini::tool>{gemini::tool::function("get_weather", "Weather", city_schema())};
    gemini::chat chat(c, settings);
    run([&]() -> asio::awaitable<void> {
        const std::vector<gemini::function_result_value> shapes = {
            std::string("sunny"), json::object{{"temp_c", 21}},
            std::vector<gemini::content>{gemini::content::text("cloudy")}};
        const std::vector<std::string> expected = {"sunny", R"({"temp_c":21})", R"([{"text":"cloudy","type":"text"}])"};
        for (std::size_t i = 0; i < shapes.size() + 1; ++i)
        {
            auto ask = chat.send(R"(call get_weather {"city":"Oslo"})");
            auto asked = co_await std::move(ask);
            BOOST_TEST(asked.status == gemini::interaction_status::requires_action);
            auto calls = asked.function_calls();
            BOOST_REQUIRE(calls.size() == 1u);
            BOOST_TEST(calls[0].arguments.at("city").as_string() == "Oslo");
            const bool error_case = i == shapes.size();
            auto result = error_case ? gemini::step::function_result(calls[0].id, calls[0].name, std::string("no data"), true)
                                     : gemini::step::function_result(calls[0].id, calls[0].name, shapes[i]);
            auto answer = chat.send(std::vector<gemini::step>{result});
            auto answered = co_await std::move(answer);
            BOOST_TEST(answered.status == gemini::interaction_status::completed);
            const std::string want = error_case ? std::string("no data") : expected[i];
            BOOST_TEST(answered.output_text().find("Function get_weather returned: " + want + ".") != std::string::npos,
                       answered.output_text());
            auto sent = results_in(create_bodies(server).back());
            BOOST_REQUIRE(sent.size() == 1u);
            BOOST_TEST(sent[0].contains("is_error") == error_case);
        }
    }());
    BOOST_TEST(chat.last_stats().calls == 0u); // manual mode runs nothing
}

BOOST_AUTO_TEST_CASE(two_parallel_calls_and_a_failing_handler)
{
    auto c = make_client();
    rendezvous meeting(ioc.get_executor());
    std::vector<std::size_t> rounds_seen;
    gemini::chat_options opts{.functions = meeting_functions(meeting)};
    opts.loop.on_round = [&](const gemini::function_round& r) {
        rounds_seen.push_back(r.round);
        BOOST_TEST(r.calls.size() == 2u);
        BOOST_TEST(r.results.size() == 2u);
        BOOST_TEST(r.response.status == gemini::interaction_status::requires_action);
    };
    gemini::chat chat(c, {.model = model, .system_instruction = "Use the tools."}, opts);
    run([&]() -> asio::awaitable<void> {
        auto turn = chat.send(two_calls);
        auto reply = co_await std::move(turn);
        check_two_call_answer(reply);
    }());
    BOOST_TEST(meeting.started == 2);
    BOOST_TEST(meeting.met == 2); // each handler saw the other one running
    BOOST_TEST(rounds_seen == std::vector<std::size_t>{1});
    BOOST_TEST(chat.last_stats().rounds == 2u);
    BOOST_TEST(chat.last_stats().calls == 2u);
    BOOST_TEST(chat.last_stats().failed_calls == 1u);

    auto bodies = create_bodies(server);
    BOOST_REQUIRE(bodies.size() == 2u);
    for (const auto& b : bodies)
    {
        BOOST_REQUIRE(b.contains("tools"));
        BOOST_TEST(b.at("tools").as_array().size() == 2u);
        BOOST_TEST(b.at("system_instruction").as_string() == "Use the tools.");
    }
    BOOST_TEST(bodies[1].at("previous_interaction_id").is_string());
    check_two_call_results(bodies[1]);
    // user_input, thought, 2 calls, 2 results, thought, model_output
    BOOST_TEST(chat.history().size() == 8u);
}

BOOST_AUTO_TEST_CASE(stateless_automatic_mode)
{
    auto c = make_client();
    rendezvous meeting(ioc.get_executor());
    gemini::request settings{.model = model};
    settings.store = false;
    gemini::chat chat(c, settings, {.functions = meeting_functions(meeting)});
    run([&]() -> asio::awaitable<void> {
        auto turn = chat.send(two_calls);
        auto reply = co_await std::move(turn);
        check_two_call_answer(reply);
        auto next = chat.send("Thanks.");
        auto after = co_await std::move(next);
        BOOST_TEST(after.output_text().starts_with("Turn 3."));
    }());
    BOOST_TEST(meeting.met == 2);
    auto bodies = create_bodies(server);
    BOOST_REQUIRE(bodies.size() == 3u);
    BOOST_TEST(!bodies[1].contains("previous_interaction_id"));
    BOOST_TEST(bodies[1].at("store").as_bool() == false);
    const auto& input = bodies[1].at("input").as_array();
    BOOST_REQUIRE(input.size() == 6u); // user_input, thought, call, call, result, result
    BOOST_TEST(input[1].at("type").as_string() == "thought");
    BOOST_TEST(input[2].at("type").as_string() == "function_call");
    check_two_call_results(bodies[1]);
    BOOST_TEST(bodies[2].at("input").as_array().size() == 9u);
}

BOOST_AUTO_TEST_CASE(unknown_function_names_are_reported_to_the_model)
{
    auto c = make_client();
    gemini::function_registry functions;
    functions.add("get_weather", "Weather", city_schema(), [](json::object) { return std::string("sunny"); });
    gemini::request settings{.model = model};
    // Declared to the model, but nothing answers it.
    settings.tools = std::vector<gemini::tool>{gemini::tool::function("mystery", "Unknown", json::object{{"type", "object"}})};
    gemini::chat chat(c, settings, {.functions = functions});
    run([&]() -> asio::awaitable<void> {
        auto turn = chat.send("call mystery {}");
        auto reply = co_await std::move(turn);
        BOOST_TEST(reply.output_text().find("Function mystery returned: unknown function 'mystery'") != std::string::npos,
                   reply.output_text());
    }());
    BOOST_TEST(chat.last_stats().failed_calls == 1u);
    auto sent = results_in(create_bodies(server).back());
    BOOST_REQUIRE(sent.size() == 1u);
    BOOST_TEST(sent[0].at("is_error").as_bool());
    // Both the settings' tool and the registry's are declared.
    BOOST_TEST(create_bodies(server).front().at("tools").as_array().size() == 2u);
}

BOOST_AUTO_TEST_CASE(several_rounds_and_the_round_limit)
{
    auto c = make_client();
    int lookups = 0;
    gemini::function_registry functions;
    // Each result asks for the next call (the emulator calls what a result names).
    functions.add("lookup", "Looks something up", city_schema(), [&lookups](json::object args) -> std::string {
        ++lookups;
        if (args.at("city").as_string() == "Paris")
            return R"(see also: call lookup {"city":"Lyon"})";
        return "found Lyon";
    });
    gemini::chat chat(c, {.model = model}, {.functions = functions});
    run([&]() -> asio::awaitable<void> {
        auto turn = chat.send(R"(call lookup {"city":"Paris"})");
        auto reply = co_await std::move(turn);
        BOOST_TEST(reply.output_text().find("Function lookup returned: found Lyon.") != std::string::npos);
    }());
    BOOST_TEST(lookups == 2);
    BOOST_TEST(chat.last_stats().rounds == 3u);
    const auto history_before = chat.history().size();

    // The same with max_rounds = 2: the third request is never made.
    chat.loop_options().max_rounds = 2;
    server.clear_request_log();
    gemini::function_loop_stats stats;
    chat.loop_options().stats_out = &stats;
    run([&]() -> asio::awaitable<void> {
        gemini::diagnostics diag;
        gemini::request_options opts;
        opts.diagnostics_out = &diag;
        auto turn = chat.async_send(R"(call lookup {"city":"Paris"})", opts, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(turn);
        BOOST_TEST(ec == gemini::errc::too_many_rounds);
        BOOST_TEST(diag.operation == "chat.send");
        BOOST_TEST(diag.library_message.find("after 2 rounds") != std::string::npos, diag.library_message);
        BOOST_TEST(!diag.interaction_id.empty());
    }());
    BOOST_TEST(lookups == 3);
    BOOST_TEST(stats.rounds == 2u);
    BOOST_TEST(create_bodies(server).size() == 2u);
    BOOST_TEST(chat.history().size() == history_before); // the failed turn left nothing
    BOOST_TEST(!chat.busy());
}

BOOST_AUTO_TEST_CASE(streaming_runs_every_round_in_one_stream)
{
    auto c = make_client();
    for (bool stateless : {false, true})
    {
        BOOST_TEST_CONTEXT("stateless " << stateless)
        {
            rendezvous meeting(ioc.get_executor());
            gemini::request settings{.model = model};
            if (stateless)
                settings.store = false;
            gemini::chat chat(c, settings, {.functions = meeting_functions(meeting)});
            run([&]() -> asio::awaitable<void> {
                auto open = chat.send_stream(two_calls);
                auto s = co_await std::move(open);
                std::size_t created = 0, calls_started = 0;
                std::string text;
                for (;;)
                {
                    auto pull = s.next();
                    auto ev = co_await std::move(pull);
                    if (!ev)
                        break;
                    created += ev->is<gemini::interaction_created_event>();
                    if (const auto* start = ev->get_if<gemini::step_start_event>())
                        calls_started += start->step.is<gemini::function_call_step>();
                    if (const auto* d = ev->get_if<gemini::text_delta_event>())
                        text += d->text;
                }
                BOOST_TEST(created == 2u);
                BOOST_TEST(calls_started == 2u);
                BOOST_TEST(s.round() == 2u);
                BOOST_TEST(s.stats().calls == 2u);
                BOOST_REQUIRE(s.result() != nullptr);
                check_two_call_answer(*s.result());
                BOOST_TEST(s.result()->output_text() == text);
            }());
            BOOST_TEST(meeting.met == 2);
            BOOST_TEST(chat.history().size() == 8u);
            auto bodies = create_bodies(server);
            BOOST_REQUIRE(bodies.size() == 2u);
            BOOST_TEST(bodies[1].at("stream").as_bool());
            check_two_call_results(bodies[1]);
            server.clear_request_log();
        }
    }
}

BOOST_AUTO_TEST_CASE(run_functions_for_a_single_request)
{
    auto c = make_client();
    rendezvous meeting(ioc.get_executor());
    gemini::function_loop_stats stats;
    run([&]() -> asio::awaitable<void> {
        gemini::function_loop_options options;
        options.stats_out = &stats;
        auto op = gemini::run_functions(c, {.model = model, .input = two_calls}, meeting_functions(meeting), options);
        auto reply = co_await std::move(op);
        check_two_call_answer(reply);
    }());
    BOOST_TEST(meeting.met == 2);
    BOOST_TEST(stats.rounds == 2u);
    BOOST_TEST(stats.failed_calls == 1u);
    check_two_call_results(create_bodies(server).at(1));
}

BOOST_AUTO_TEST_CASE(cancelling_a_turn_while_its_handlers_run)
{
    auto c = make_client();
    asio::cancellation_signal cancel;
    slow_calls slow{.cancel = &cancel};
    gemini::function_registry functions;
    functions.add("slow", "Takes long", json::object{{"type", "object"}},
                  [&slow](json::object args) { return slow_handler(&slow, std::move(args)); });
    gemini::chat chat(c, {.model = model}, {.functions = functions});
    run([&]() -> asio::awaitable<void> {
        auto t1 = chat.send("Hello.");
        co_await std::move(t1);
        const std::string before = json::serialize(chat.to_json());
        auto turn = chat.async_send("call slow {} and call slow {}", {},
                                    asio::bind_cancellation_slot(cancel.slot(), asio::as_tuple(asio::use_awaitable)));
        auto [ec, ignored] = co_await std::move(turn);
        BOOST_TEST(ec == asio::error::operation_aborted);
        BOOST_TEST(json::serialize(chat.to_json()) == before);
        BOOST_TEST(!chat.busy());
        auto t3 = chat.send("Still here.");
        auto r3 = co_await std::move(t3);
        BOOST_TEST(r3.output_text().starts_with("Turn 2."));
    }());
    BOOST_TEST(slow.started == 2);
    BOOST_TEST(slow.aborted == 2);
    // Hello, the call request, and the next turn: the results of the cancelled round never left.
    BOOST_TEST(create_bodies(server).size() == 3u);
}

BOOST_AUTO_TEST_CASE(automatic_loop_on_a_multithreaded_io_context)
{
    // Handlers of a turn share one strand even when four threads run the io_context.
    auto c = make_client();
    for (int i = 0; i < 10; ++i)
    {
        rendezvous meeting(ioc.get_executor());
        gemini::chat chat(c, {.model = model}, {.functions = meeting_functions(meeting)});
        run(
            [&]() -> asio::awaitable<void> {
                auto turn = chat.send(two_calls);
                auto reply = co_await std::move(turn);
                check_two_call_answer(reply);
            }(),
            4);
        BOOST_TEST(meeting.met == 2);
        BOOST_TEST(chat.history().size() == 8u);
    }
}

BOOST_AUTO_TEST_SUITE_END()
