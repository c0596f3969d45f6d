// The computed accessors of gemini::interaction, and interactions assembled from stream events.
#include "model_test_util.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <sstream>

namespace json = boost::json;

namespace {

using gemini::test::spec_function_call_events;
using gemini::test::spec_text_events;

// The events folded by the library's accumulator; the result must survive a JSON round trip.
template<std::size_t N>
gemini::interaction fold(const std::string_view (&events)[N])
{
    gemini::accumulator acc;
    for (std::string_view text : events)
        acc.add(gemini::parse_event(text));
    gemini::interaction it = acc.take();
    gemini::test::check_round_trip<gemini::interaction>(json::serialize(json::value_from(it)));
    return it;
}

} // namespace

BOOST_AUTO_TEST_SUITE(model_interaction)

BOOST_AUTO_TEST_CASE(spec_11_5_event_interactions_round_trip)
{
    for (std::string_view text : spec_text_events)
    {
        json::value ev = json::parse(text);
        if (const json::value* it = ev.as_object().if_contains("interaction"))
            gemini::test::check_round_trip<gemini::interaction>(json::serialize(*it));
        if (const json::value* s = ev.as_object().if_contains("step"))
            gemini::test::check_round_trip<gemini::step>(json::serialize(*s));
        if (const json::value* usage = ev.as_object().if_contains("usage"))
            gemini::test::check_round_trip<gemini::usage>(json::serialize(*usage));
    }
    gemini::test::check_round_trip<gemini::interaction>(R"({"id":"v1_F1","status":"requires_action"})");
}

BOOST_AUTO_TEST_CASE(interaction_built_from_spec_events)
{
    gemini::interaction it = fold(spec_text_events);
    BOOST_TEST(it.id == "v1_S1");
    BOOST_TEST((it.status == gemini::interaction_status::completed));
    BOOST_TEST(it.is_terminal());
    BOOST_TEST(*it.usage->total_tokens == 9);
    BOOST_TEST(it.output_text() == "Hello, world.");
    BOOST_TEST(*it.steps->at(0).get_if<gemini::thought_step>()->signature == "c2ln");

    gemini::interaction call = fold(spec_function_call_events);
    BOOST_TEST((call.status == gemini::interaction_status::requires_action));
    auto calls = call.function_calls();
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    BOOST_TEST(calls[0].name == "get_weather");
    BOOST_TEST(json::serialize(calls[0].arguments) == R"({"city":"Paris"})");
    BOOST_TEST(call.output_text().empty());
}

BOOST_AUTO_TEST_CASE(output_text_is_the_last_model_turn)
{
    auto it = gemini::parse_interaction(R"({"id": "i", "status": "completed", "steps": [
        {"type": "user_input", "content": [{"type": "text", "text": "first question"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "first answer"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "second question"}]},
        {"type": "thought", "signature": "s", "summary": [{"type": "text", "text": "thinking"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Second "},
                                             {"type": "image", "data": "AA==", "mime_type": "image/png"},
                                             {"type": "text", "text": "answer."}]},
        {"type": "google_search_call", "id": "g", "arguments": {"queries": ["q"]}},
        {"type": "google_search_result", "call_id": "g", "result": []},
        {"type": "model_output", "content": [{"type": "text", "text": " More."},
                                             {"type": "audio", "uri": "u1", "mime_type": "audio/wav"},
                                             {"type": "audio", "uri": "u2", "mime_type": "audio/wav"}]}]})");
    BOOST_TEST(it.output_text() == "Second answer. More.");
    BOOST_REQUIRE(it.output_image());
    BOOST_TEST(*it.output_image()->mime_type == "image/png");
    BOOST_REQUIRE(it.output_audio());
    BOOST_TEST(*it.output_audio()->uri == "u2");
    BOOST_TEST(it.output_video() == nullptr);
    BOOST_TEST(it.last_turn().size() == 5u);
    BOOST_TEST(it.function_calls().empty());
}

BOOST_AUTO_TEST_CASE(function_calls_of_the_last_turn)
{
    auto it = gemini::parse_interaction(R"({"id": "i", "status": "requires_action", "steps": [
        {"type": "user_input", "content": [{"type": "text", "text": "weather in Paris and Rome?"}]},
        {"type": "function_call", "id": "old", "name": "get_weather", "arguments": {"city": "Oslo"}},
        {"type": "function_result", "call_id": "old", "name": "get_weather", "result": "rain"},
        {"type": "thought", "signature": "s"},
        {"type": "function_call", "id": "a", "name": "get_weather", "arguments": {"city": "Paris"}},
        {"type": "function_call", "id": "b", "name": "get_weather", "arguments": {"city": "Rome"}}]})");
    auto calls = it.function_calls();
    BOOST_REQUIRE_EQUAL(calls.size(), 2u);
    BOOST_TEST(calls[0].id == "a");
    BOOST_TEST(calls[1].id == "b");
    BOOST_TEST(it.output_text().empty());
}

BOOST_AUTO_TEST_CASE(no_steps_and_terminal_statuses)
{
    auto it = gemini::parse_interaction(R"({"id": "i", "status": "in_progress"})");
    BOOST_TEST(it.output_text().empty());
    BOOST_TEST(it.output_image() == nullptr);
    BOOST_TEST(!it.is_terminal());
    for (std::string_view s : {"requires_action", "requires_continuation", "completed", "incomplete", "failed",
                               "cancelled", "budget_exceeded"})
    {
        it.status = std::string(s);
        BOOST_TEST(it.is_terminal(), s);
    }
    for (std::string_view s : {"queued", "in_progress", "paused_by_future_feature"})
    {
        it.status = std::string(s);
        BOOST_TEST(!it.is_terminal(), s);
    }
}

BOOST_AUTO_TEST_CASE(http_info_is_not_json)
{
    auto it = gemini::parse_interaction(R"({"id": "i", "status": "completed"})");
    it.http.status = 200;
    it.http.headers.emplace_back("x-request-id", "abc");
    BOOST_TEST(json::serialize(json::value_from(it)) == R"({"id":"i","status":"completed"})");
}

BOOST_AUTO_TEST_CASE(continuation_and_include_input)
{
    constexpr std::string_view text = R"({"id": "h1", "status": "requires_continuation", "continuation_token": "tok",
        "input": "Write a very long story.", "steps": [{"type": "model_output", "content": [{"type": "text", "text": "Once"}]}]})";
    gemini::test::check_round_trip<gemini::interaction>(text);
    auto it = gemini::parse_interaction(text);
    BOOST_TEST(*it.continuation_token == "tok");
    BOOST_TEST(std::get<std::string>(*it.input) == "Write a very long story.");
}

BOOST_AUTO_TEST_SUITE_END()
