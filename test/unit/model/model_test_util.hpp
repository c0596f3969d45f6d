// Helpers shared by the model tests: JSON round trips with readable failure messages.
#pragma once

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

namespace gemini::test {

/// The data lines of the spec's section 11.5 text transcript, in order.
inline constexpr std::string_view spec_text_events[] = {
    R"({"interaction":{"id":"v1_S1","status":"in_progress","object":"interaction","model":"gemini-3.5-flash"},"event_type":"interaction.created"})",
    R"({"interaction_id":"v1_S1","status":"in_progress","event_type":"interaction.status_update"})",
    R"({"index":0,"step":{"type":"thought"},"event_type":"step.start"})",
    R"({"index":0,"delta":{"type":"thought_signature","signature":"c2ln"},"event_type":"step.delta"})",
    R"({"index":0,"event_type":"step.stop"})",
    R"({"index":1,"step":{"type":"model_output"},"event_type":"step.start"})",
    R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_1","event_type":"step.delta"})",
    R"({"index":1,"delta":{"type":"text","text":", world."},"event_id":"evt_2","event_type":"step.delta"})",
    R"({"index":1,"event_type":"step.stop"})",
    R"({"interaction":{"id":"v1_S1","status":"completed","object":"interaction","model":"gemini-3.5-flash","created":"2026-09-01T10:00:00Z","updated":"2026-09-01T10:00:02Z","usage":{"total_input_tokens":5,"total_output_tokens":4,"total_tokens":9}},"event_type":"interaction.completed"})",
};

/// The data lines of the spec's section 11.5 function-call transcript.
inline constexpr std::string_view spec_function_call_events[] = {
    R"({"index":1,"step":{"type":"function_call","id":"fc_7k2","name":"get_weather","arguments":{}},"event_type":"step.start"})",
    R"({"index":1,"delta":{"type":"arguments_delta","arguments":"{\"city\":"},"event_type":"step.delta"})",
    R"({"index":1,"delta":{"type":"arguments_delta","arguments":"\"Paris\"}"},"event_type":"step.delta"})",
    R"({"index":1,"event_type":"step.stop"})",
    R"({"interaction":{"id":"v1_F1","status":"requires_action"},"event_type":"interaction.completed"})",
};

/// The data line of the spec's section 11.5 error transcript.
inline constexpr std::string_view spec_error_event =
    R"({"error":{"code":"deadline_exceeded","message":"Deadline expired before operation could complete."},"event_type":"error"})";

/// Parses `text` into T and writes it back.
template<class T>
boost::json::value round_trip(const boost::json::value& original)
{
    T typed = boost::json::value_to<T>(original);
    return boost::json::value_from(typed);
}

/// Checks that `text` survives parse -> T -> JSON unchanged (JSON equality).
template<class T>
void check_round_trip(std::string_view text)
{
    boost::json::value original = boost::json::parse(text);
    boost::json::value back = round_trip<T>(original);
    BOOST_TEST(back == original, "round trip changed the JSON:\n  in:  " << boost::json::serialize(original)
                                                                        << "\n  out: " << boost::json::serialize(back));
}

/// The message of the std::invalid_argument thrown when reading `text` as T (empty if none).
template<class T>
std::string read_error(std::string_view text)
{
    boost::json::value jv = boost::json::parse(text);
    try
    {
        (void)boost::json::value_to<T>(jv);
    }
    catch (const std::invalid_argument& e)
    {
        return e.what();
    }
    return {};
}

} // namespace gemini::test
