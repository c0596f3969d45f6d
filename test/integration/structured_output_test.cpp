// Structured output end to end: response_format_for<T>() over real TLS to the emulator, whose
// answers are instances of the schema; parse<T>() turns them into T, which re-validates; and the
// errors for a mismatch, a truncated answer, and through streams.
#include "common/json_schema_check.hpp"
#include "integration/fixture.hpp"

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

namespace asio = boost::asio;
namespace json = boost::json;
using gemini::test::emulator_fixture;
using gemini::test::schema_violation;

namespace trip {

enum class transport { train, bus, ferry, plane };
BOOST_DESCRIBE_ENUM(transport, train, bus, ferry, plane)

struct stop
{
    std::string city;
    std::optional<std::int64_t> nights;
    std::optional<std::vector<std::string>> sights;
    friend bool operator==(const stop&, const stop&) = default;
};
BOOST_DESCRIBE_STRUCT(stop, (), (city, nights, sights))

struct leg
{
    transport by = transport::train;
    stop from;
    stop to;
    std::optional<double> price_eur;
    friend bool operator==(const leg&, const leg&) = default;
};
BOOST_DESCRIBE_STRUCT(leg, (), (by, from, to, price_eur))

struct plan
{
    std::string title;
    std::vector<leg> legs;
    std::optional<stop> base;
    bool refundable = false;
    std::uint32_t travellers = 0;
    friend bool operator==(const plan&, const plan&) = default;
};
BOOST_DESCRIBE_STRUCT(plan, (), (title, legs, base, refundable, travellers))

/// Reads a plan's JSON with the wrong idea of `legs`.
struct wrong_plan
{
    std::string title;
    std::int64_t legs = 0;
};
BOOST_DESCRIBE_STRUCT(wrong_plan, (), (title, legs))

struct weather_args
{
    std::string city;
    std::optional<std::string> unit;
};
BOOST_DESCRIBE_STRUCT(weather_args, (), (city, unit))

} // namespace trip

template <>
struct gemini::schema_traits<trip::plan>
{
    static constexpr std::string_view description = "A journey in legs";
    static constexpr gemini::field_description fields[] = {{"base", "Where the travellers stay, if anywhere"}};
};

namespace {

gemini::request plan_request(std::string text)
{
    return gemini::request{.model = "gemini-3.5-flash",
                           .input = std::move(text),
                           .response_format = gemini::response_format_for<trip::plan>()};
}

/// JSON equality where numbers compare by value (the model writes 37 for a double 37.0).
bool same_json(const json::value& a, const json::value& b)
{
    if (a.is_number() && b.is_number())
        return a.to_number<double>() == b.to_number<double>();
    if (a.kind() != b.kind())
        return false;
    if (a.is_array())
    {
        const auto &x = a.get_array(), &y = b.get_array();
        if (x.size() != y.size())
            return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!same_json(x[i], y[i]))
                return false;
        return true;
    }
    if (a.is_object())
    {
        const auto &x = a.get_object(), &y = b.get_object();
        if (x.size() != y.size())
            return false;
        for (const auto& kv : x)
            if (!y.contains(kv.key()) || !same_json(kv.value(), y.at(kv.key())))
                return false;
        return true;
    }
    return a == b;
}

/// What a series of parsed plans showed: each optional part seen present and absent.
struct coverage
{
    std::map<std::string, std::set<bool>> present;
    std::set<std::string> transports;

    void add(const trip::plan& p)
    {
        present["base"].insert(p.base.has_value());
        auto add_stop = [&](const trip::stop& s) {
            present["stop.nights"].insert(s.nights.has_value());
            present["stop.sights"].insert(s.sights.has_value());
        };
        if (p.base)
            add_stop(*p.base);
        for (const auto& l : p.legs)
        {
            present["leg.price_eur"].insert(l.price_eur.has_value());
            add_stop(l.from);
            add_stop(l.to);
            transports.insert(json::value_to<std::string>(gemini::to_json(l.by)));
        }
    }
};

/// Parses the answer, checks that nothing was lost and that the value still fits the schema.
trip::plan parse_and_check(const gemini::interaction& answer)
{
    const json::object schema = gemini::json_schema_of<trip::plan>();
    const trip::plan p = answer.parse<trip::plan>();
    const json::value again = gemini::to_json(p);
    BOOST_TEST(schema_violation(again, schema) == "", answer.output_text());
    BOOST_TEST(same_json(again, json::parse(answer.output_text())), answer.output_text());
    BOOST_TEST((gemini::from_json<trip::plan>(again) == p));
    return p;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(structured_output, emulator_fixture)

BOOST_AUTO_TEST_CASE(typed_answers_round_trip_across_prompts_and_turns)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        coverage seen;
        std::set<std::string> texts;
        // Separate questions...
        for (int n = 0; n < 6; ++n)
        {
            auto op = c.create(plan_request("Plan trip number " + std::to_string(n)));
            gemini::interaction answer = co_await std::move(op);
            BOOST_TEST(answer.status == gemini::interaction_status::completed);
            seen.add(parse_and_check(answer));
            texts.insert(answer.output_text());
        }
        // ...and a conversation, whose every turn is another instance.
        std::string previous;
        for (int turn = 0; turn < 6; ++turn)
        {
            auto req = plan_request(turn == 0 ? "Plan a trip." : "Another one, please.");
            if (!previous.empty())
                req.previous_interaction_id = previous;
            auto op = c.create(std::move(req));
            gemini::interaction answer = co_await std::move(op);
            seen.add(parse_and_check(answer));
            texts.insert(answer.output_text());
            previous = answer.id;
        }
        BOOST_TEST(texts.size() == 12u);
        for (const auto& [part, states] : seen.present)
            BOOST_TEST(states.size() == 2u, part << " was never " << (states.count(true) ? "absent" : "present"));
        BOOST_TEST(seen.present.size() == 4u);
        BOOST_TEST(seen.transports.size() >= 2u);
    }());
}

BOOST_AUTO_TEST_CASE(mismatch_names_the_path)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto op = c.create(plan_request("Plan a trip to check types."));
        gemini::interaction answer = co_await std::move(op);
        // The request carried the generated schema (the emulator echoes response_format).
        const json::value* echoed = answer.extra.if_contains("response_format");
        BOOST_REQUIRE(echoed);
        BOOST_TEST(echoed->at("mime_type").as_string() == "application/json");
        BOOST_TEST(echoed->at("schema") == json::value(gemini::json_schema_of<trip::plan>()));
        try
        {
            (void)answer.parse<trip::wrong_plan>();
            BOOST_FAIL("parsed a plan as a wrong_plan");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::output_mismatch);
            BOOST_TEST(e.diag().library_message == "$.legs: expected an integer, got an array");
            BOOST_TEST(e.diag().interaction_id == answer.id);
        }
        try
        {
            (void)gemini::output_as<std::vector<trip::plan>>(answer);
            BOOST_FAIL("parsed a plan as a list");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::output_mismatch);
            BOOST_TEST(e.diag().library_message == "$: expected an array, got an object");
        }
    }());
}

BOOST_AUTO_TEST_CASE(truncated_answer_is_not_json)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto req = plan_request("Plan a long trip.");
        req.generation_config = gemini::generation_config{.max_output_tokens = 4};
        auto op = c.create(std::move(req));
        gemini::interaction answer = co_await std::move(op);
        BOOST_TEST(answer.status == gemini::interaction_status::incomplete);
        try
        {
            (void)answer.parse<trip::plan>();
            BOOST_FAIL("parsed a truncated answer");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::output_mismatch);
            const std::string& m = e.diag().library_message;
            BOOST_TEST(m.find("the model's output is not JSON") == 0u, m);
            BOOST_TEST(m.find("(interaction status: incomplete)") != std::string::npos, m);
        }
    }());
}

BOOST_AUTO_TEST_CASE(streamed_answer_parses_like_the_unary_one)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto unary_op = c.create(plan_request("Plan a trip by stream."));
        gemini::interaction unary = co_await std::move(unary_op);

        auto stream_op = c.stream(plan_request("Plan a trip by stream."));
        gemini::interaction_stream stream = co_await std::move(stream_op);
        auto collect = stream.collect();
        gemini::interaction folded = co_await std::move(collect);
        BOOST_TEST(stream.events_received() > 8u); // the JSON came in several text deltas
        BOOST_TEST(folded.output_text() == unary.output_text());
        const trip::plan p = parse_and_check(folded);
        BOOST_TEST((p == unary.parse<trip::plan>()));

        // A mismatch is reported the same way after a stream.
        auto stream_op2 = c.stream(plan_request("Plan another trip by stream."));
        gemini::interaction_stream stream2 = co_await std::move(stream_op2);
        auto collect2 = stream2.collect();
        gemini::interaction folded2 = co_await std::move(collect2);
        try
        {
            (void)folded2.parse<trip::wrong_plan>();
            BOOST_FAIL("parsed a plan as a wrong_plan");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::output_mismatch);
            BOOST_TEST(e.diag().library_message == "$.legs: expected an integer, got an array");
        }
    }());
}

BOOST_AUTO_TEST_CASE(function_tool_for_arguments_convert_back)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        gemini::request req{.model = "gemini-3.5-flash",
                            .input = R"(Please call get_weather {"city": "Paris", "unit": "celsius"} now.)",
                            .tools = std::vector<gemini::tool>{
                                gemini::function_tool_for<trip::weather_args>("get_weather", "Current weather")}};
        auto op = c.create(std::move(req));
        gemini::interaction answer = co_await std::move(op);
        BOOST_TEST(answer.status == gemini::interaction_status::requires_action);
        const auto calls = answer.function_calls();
        BOOST_REQUIRE(calls.size() == 1u);
        const auto args = gemini::from_json<trip::weather_args>(calls[0].arguments);
        BOOST_TEST(args.city == "Paris");
        BOOST_TEST(args.unit.value_or("") == "celsius");
    }());
}

// Typed handlers (gemini::add_function<Args>) in the automatic loop: one plain, one awaitable,
// called in parallel; arguments that do not fit Args reach the model as an is_error result
// naming the path, and the handler is not called.
asio::awaitable<json::value> typed_forecast(trip::weather_args a)
{
    co_return json::object{{"city", a.city}, {"days", 3}};
}

BOOST_AUTO_TEST_CASE(typed_function_handlers_in_the_automatic_loop)
{
    auto c = make_client();
    std::vector<trip::weather_args> plain_calls;
    gemini::function_registry functions;
    gemini::add_function<trip::weather_args>(functions, "get_weather", "Current weather",
                                             [&](trip::weather_args a) -> json::value {
                                                 plain_calls.push_back(a);
                                                 return json::object{{"temp_c", 18}, {"unit", a.unit.value_or("C")}};
                                             });
    gemini::add_function<trip::weather_args>(functions, "get_forecast", "Forecast", &typed_forecast);
    BOOST_TEST(functions.tools().size() == 2u);

    run([&]() -> asio::awaitable<void> {
        gemini::request req{.model = "gemini-3.5-flash",
                            .input = R"(call get_weather {"city": "Oslo", "unit": "K"} and call get_forecast {"city": "Rome"})"};
        gemini::function_loop_stats stats;
        auto op = gemini::run_functions(c, req, functions, {.stats_out = &stats});
        gemini::interaction answer = co_await std::move(op);
        BOOST_TEST(answer.status == gemini::interaction_status::completed);
        BOOST_TEST(stats.calls == 2u);
        BOOST_TEST(stats.failed_calls == 0u);
        const auto text = answer.output_text();
        BOOST_TEST(text.find(R"("temp_c":18)") != std::string::npos, text);
        BOOST_TEST(text.find(R"("unit":"K")") != std::string::npos, text);
        BOOST_TEST(text.find(R"("city":"Rome")") != std::string::npos, text);

        // `town` instead of the required `city`: the handler is not called, the model is told why.
        req.input = R"(call get_weather {"town": "Oslo"})";
        auto bad = gemini::run_functions(c, req, functions, {.stats_out = &stats});
        gemini::interaction corrected = co_await std::move(bad);
        BOOST_TEST(stats.failed_calls == 1u);
        BOOST_TEST(corrected.output_text().find("$.city: missing required field") != std::string::npos,
                   corrected.output_text());
    }());
    BOOST_REQUIRE(plain_calls.size() == 1u);
    BOOST_TEST(plain_calls[0].city == "Oslo");
    const auto log = server.request_log();
    bool error_sent = false;
    for (const auto& r : log)
        if (r.body.find(R"("is_error":true)") != std::string::npos && r.body.find("$.city") != std::string::npos)
            error_sent = true;
    BOOST_TEST(error_sent);
}

BOOST_AUTO_TEST_SUITE_END()
