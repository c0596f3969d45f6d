// The fold of stream events into the interaction a unary create returns.
#include "model_test_util.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace json = boost::json;
using gemini::accumulator;

namespace {

enum class handed
{
    moved,    // add(event&&): what the events carry is moved into the answer
    as_const, // add(const event&)
};

/// Adds the events (JSON payloads) in order.
void feed(accumulator& acc, std::span<const std::string_view> events, handed how = handed::moved)
{
    for (std::string_view text : events)
    {
        gemini::event e = gemini::parse_event(text);
        if (how == handed::moved)
            acc.add(std::move(e));
        else
            acc.add(std::as_const(e));
    }
}

void feed(accumulator& acc, std::initializer_list<std::string_view> events, handed how = handed::moved)
{
    feed(acc, std::span<const std::string_view>(events.begin(), events.size()), how);
}

/// Folds the events, given moved and given as const (the two must agree), and returns the
/// result as JSON.
json::value fold(std::initializer_list<std::string_view> events)
{
    accumulator moved, copied;
    feed(moved, events, handed::moved);
    feed(copied, events, handed::as_const);
    json::value result = json::value_from(moved.take());
    const json::value from_copies = json::value_from(copied.take());
    BOOST_TEST(result == from_copies, "moved: " << json::serialize(result) << "\ncopied: " << json::serialize(from_copies));
    return result;
}

/// The message of the std::invalid_argument the events raise (empty if none).
std::string fold_error(std::initializer_list<std::string_view> events)
{
    try
    {
        accumulator acc;
        feed(acc, events);
        (void)acc.take();
    }
    catch (const std::invalid_argument& e)
    {
        return e.what();
    }
    return {};
}

void check_json(const json::value& got, std::string_view expected)
{
    json::value want = json::parse(expected);
    BOOST_TEST(got == want, "\n  got:  " << json::serialize(got) << "\n  want: " << json::serialize(want));
}

constexpr std::string_view start_output = R"({"index":0,"step":{"type":"model_output"},"event_type":"step.start"})";

} // namespace

BOOST_AUTO_TEST_SUITE(model_accumulator)

BOOST_AUTO_TEST_CASE(spec_11_5_text_transcript)
{
    accumulator acc;
    const std::span<const std::string_view> transcript(gemini::test::spec_text_events);
    feed(acc, transcript.first(7));   // up to the first text delta
    BOOST_TEST(!acc.finished());
    BOOST_TEST(acc.current().output_text() == "Hello");
    BOOST_TEST((acc.current().status == gemini::interaction_status::in_progress));
    feed(acc, transcript.subspan(7));
    BOOST_TEST(acc.finished());
    gemini::interaction it = acc.take();
    check_json(json::value_from(it), R"({"id":"v1_S1","status":"completed","object":"interaction","model":"gemini-3.5-flash",
        "created":"2026-09-01T10:00:00Z","updated":"2026-09-01T10:00:02Z",
        "usage":{"total_input_tokens":5,"total_output_tokens":4,"total_tokens":9},
        "steps":[{"type":"thought","signature":"c2ln"},{"type":"model_output","content":[{"type":"text","text":"Hello, world."}]}]})");
    BOOST_TEST(it.output_text() == "Hello, world.");
    BOOST_TEST(!acc.finished()); // take() leaves an empty accumulator
    BOOST_TEST(acc.current().id.empty());
}

BOOST_AUTO_TEST_CASE(spec_11_5_function_call_transcript)
{
    accumulator acc;
    feed(acc, {
        R"({"interaction":{"id":"v1_F1","status":"in_progress","object":"interaction","model":"gemini-3.5-flash"},"event_type":"interaction.created"})",
        R"({"index":0,"step":{"type":"thought"},"event_type":"step.start"})",
        R"({"index":0,"delta":{"type":"thought_signature","signature":"c2ln"},"event_type":"step.delta"})",
        R"({"index":0,"event_type":"step.stop"})",
        R"({"index":1,"step":{"type":"function_call","id":"fc_7k2","name":"get_weather","arguments":{}},"event_type":"step.start"})",
        R"({"index":1,"delta":{"type":"arguments_delta","arguments":"{\"city\":"},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"arguments_delta","arguments":"\"Paris\"}"},"event_type":"step.delta"})",
    });
    // Fragments are applied at step.stop only.
    BOOST_TEST(acc.current().steps->at(1).get_if<gemini::function_call_step>()->arguments.empty());
    feed(acc, {
        R"({"index":1,"event_type":"step.stop"})",
        R"({"interaction":{"id":"v1_F1","status":"requires_action"},"event_type":"interaction.completed"})",
    });
    BOOST_TEST(acc.finished());
    gemini::interaction it = acc.take();
    BOOST_TEST((it.status == gemini::interaction_status::requires_action));
    auto calls = it.function_calls();
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    BOOST_TEST(calls[0].id == "fc_7k2");
    BOOST_TEST(json::value(calls[0].arguments) == json::parse(R"({"city":"Paris"})"));
    // Fields the completed event lacks keep the values of interaction.created.
    check_json(json::value_from(it), R"({"id":"v1_F1","status":"requires_action","object":"interaction","model":"gemini-3.5-flash",
        "steps":[{"type":"thought","signature":"c2ln"},
                 {"type":"function_call","id":"fc_7k2","name":"get_weather","arguments":{"city":"Paris"}}]})");
}

BOOST_AUTO_TEST_CASE(arguments_without_step_stop_are_parsed_at_the_end)
{
    json::value it = fold({
        R"({"index":2,"step":{"type":"function_call","id":"a","name":"f","arguments":{}},"event_type":"step.start"})",
        R"({"index":2,"delta":{"type":"arguments_delta","arguments":"{\"x\": [1, "},"event_type":"step.delta"})",
        R"({"index":2,"delta":{"type":"arguments_delta","arguments":"2]}"},"event_type":"step.delta"})",
        R"({"index":3,"step":{"type":"function_call","id":"b","name":"g","arguments":{}},"event_type":"step.start"})",
    });
    check_json(it, R"({"id":"","status":"","steps":[{"type":"function_call","id":"a","name":"f","arguments":{"x":[1,2]}},
                                                  {"type":"function_call","id":"b","name":"g","arguments":{}}]})");
}

BOOST_AUTO_TEST_CASE(media_and_text_blocks)
{
    json::value it = fold({
        start_output,
        R"({"index":0,"delta":{"type":"text","text":"Here "},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"text","text":"it is:"},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"image","data":"AA==","mime_type":"image/png"},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"image","uri":"files/2","mime_type":"image/jpeg","resolution":"high"},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"text","text":"and "},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"text","text":"sound"},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"audio","data":"AQ==","mime_type":"audio/l16","sample_rate":24000,"channels":1},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"video","uri":"files/v","mime_type":"video/mp4"},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"document","data":"JVBERg==","mime_type":"application/pdf"},"event_type":"step.delta"})",
        R"({"index":0,"event_type":"step.stop"})",
    });
    check_json(it, R"({"id":"","status":"","steps":[{"type":"model_output","content":[
        {"type":"text","text":"Here it is:"},
        {"type":"image","data":"AA==","mime_type":"image/png"},
        {"type":"image","uri":"files/2","mime_type":"image/jpeg","resolution":"high"},
        {"type":"text","text":"and sound"},
        {"type":"audio","data":"AQ==","mime_type":"audio/l16","sample_rate":24000,"channels":1},
        {"type":"video","uri":"files/v","mime_type":"video/mp4"},
        {"type":"document","data":"JVBERg==","mime_type":"application/pdf"}]}]})");
}

BOOST_AUTO_TEST_CASE(annotations_go_to_the_last_text_block)
{
    json::value it = fold({
        start_output,
        R"({"index":0,"delta":{"type":"text","text":"Paris"},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"text_annotation_delta","annotations":[{"type":"url_citation","url":"u1","start_index":0,"end_index":5}]},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"image","uri":"i","mime_type":"image/png"},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"text_annotation_delta","annotations":[{"type":"url_citation","url":"u2"}]},"event_type":"step.delta"})",
    });
    check_json(it, R"({"id":"","status":"","steps":[{"type":"model_output","content":[
        {"type":"text","text":"Paris","annotations":[{"type":"url_citation","url":"u1","start_index":0,"end_index":5},
                                                     {"type":"url_citation","url":"u2"}]},
        {"type":"image","uri":"i","mime_type":"image/png"}]}]})");
}

BOOST_AUTO_TEST_CASE(thought_summary_and_signature)
{
    json::value it = fold({
        R"({"index":0,"step":{"type":"thought"},"event_type":"step.start"})",
        R"({"index":0,"delta":{"type":"thought_summary","content":{"type":"text","text":"First"}},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"thought_summary","content":{"type":"image","uri":"x","mime_type":"image/png"}},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"thought_signature","signature":"c2ln"},"event_type":"step.delta"})",
        R"({"index":0,"event_type":"step.stop"})",
    });
    check_json(it, R"({"id":"","status":"","steps":[{"type":"thought","signature":"c2ln","summary":[
        {"type":"text","text":"First"},{"type":"image","uri":"x","mime_type":"image/png"}]}]})");
}

BOOST_AUTO_TEST_CASE(tool_and_function_result_deltas_set_fields)
{
    json::value it = fold({
        R"({"index":0,"step":{"type":"code_execution_call","id":"c1","arguments":{}},"event_type":"step.start"})",
        R"({"index":0,"delta":{"type":"code_execution_call","arguments":{"code":"x = 2","language":"python"},"signature":"s1"},"event_type":"step.delta"})",
        R"({"index":0,"event_type":"step.stop"})",
        R"({"index":1,"step":{"type":"code_execution_result","call_id":"c1"},"event_type":"step.start"})",
        R"({"index":1,"delta":{"type":"code_execution_result","result":"2\n","is_error":false},"event_type":"step.delta"})",
        R"({"index":1,"event_type":"step.stop"})",
        R"({"index":2,"step":{"type":"google_search_call","id":"g"},"event_type":"step.start"})",
        R"({"index":2,"delta":{"type":"google_search_call","arguments":{"queries":["a","b"]},"future":1},"event_type":"step.delta"})",
        R"({"index":3,"step":{"type":"google_search_result","call_id":"g"},"event_type":"step.start"})",
        R"({"index":3,"delta":{"type":"google_search_result","result":[{"search_suggestions":"<p/>"}]},"event_type":"step.delta"})",
        R"({"index":4,"step":{"type":"mcp_server_tool_call","id":"m"},"event_type":"step.start"})",
        R"({"index":4,"delta":{"type":"mcp_server_tool_call","name":"n","server_name":"s","arguments":{"k":[1]}},"event_type":"step.delta"})",
        R"({"index":5,"step":{"type":"function_result","call_id":"f"},"event_type":"step.start"})",
        R"({"index":5,"delta":{"type":"function_result","result":{"temp":20},"name":"get_weather","is_error":false,"hint":"h"},"event_type":"step.delta"})",
        R"({"index":6,"step":{"type":"processing_call","id":"p"},"event_type":"step.start"})",
        R"({"index":6,"event_type":"step.stop"})",
    });
    check_json(it, R"({"id":"","status":"","steps":[
        {"type":"code_execution_call","id":"c1","arguments":{"code":"x = 2","language":"python"},"signature":"s1"},
        {"type":"code_execution_result","call_id":"c1","result":"2\n","is_error":false},
        {"type":"google_search_call","id":"g","arguments":{"queries":["a","b"]},"future":1},
        {"type":"google_search_result","call_id":"g","result":[{"search_suggestions":"<p/>"}]},
        {"type":"mcp_server_tool_call","id":"m","name":"n","server_name":"s","arguments":{"k":[1]}},
        {"type":"function_result","call_id":"f","name":"get_weather","result":{"temp":20},"is_error":false,"hint":"h"},
        {"type":"processing_call","id":"p"}]})");
}

BOOST_AUTO_TEST_CASE(steps_without_deltas_keep_their_start_shape)
{
    json::value it = fold({
        R"({"index":0,"step":{"type":"model_output"},"event_type":"step.start"})",
        R"({"index":0,"event_type":"step.stop"})",
        R"({"index":1,"step":{"type":"function_call","id":"x","name":"n","arguments":{}},"event_type":"step.start"})",
        R"({"index":1,"event_type":"step.stop"})",
        R"({"index":2,"step":{"type":"future_step","a":[1]},"event_type":"step.start"})",
        R"({"index":2,"delta":{"type":"text","text":"ignored"},"event_type":"step.delta"})",
        R"({"index":2,"event_type":"step.stop"})",
    });
    check_json(it, R"({"id":"","status":"","steps":[{"type":"model_output"},
        {"type":"function_call","id":"x","name":"n","arguments":{}},{"type":"future_step","a":[1]}]})");
}

BOOST_AUTO_TEST_CASE(unknown_deltas_and_events_are_not_folded)
{
    accumulator acc;
    feed(acc, {
        R"({"interaction":{"id":"i","status":"in_progress"},"event_type":"interaction.created"})",
        start_output,
        R"({"index":0,"delta":{"type":"text","text":"a"},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"hologram","frames":[1]},"event_type":"step.delta"})",
        R"({"event_type":"heartbeat"})",
        R"({"index":0,"delta":{"type":"text","text":"b"},"event_type":"step.delta"})",
    });
    check_json(json::value_from(acc.current()),
               R"({"id":"i","status":"in_progress","steps":[{"type":"model_output","content":[{"type":"text","text":"ab"}]}]})");
    // An unknown delta's index is still checked.
    BOOST_TEST(fold_error({R"({"index":4,"delta":{"type":"hologram"},"event_type":"step.delta"})"}) ==
               "index: no step.start for index 4");
}

BOOST_AUTO_TEST_CASE(status_updates_and_usage)
{
    accumulator acc;
    feed(acc, {
        R"({"interaction_id":"h1","status":"in_progress","event_type":"interaction.status_update"})",
        start_output,
        R"({"index":0,"delta":{"type":"text","text":"Once"},"event_type":"step.delta"})",
        R"({"index":0,"usage":{"total_tokens":7},"step_usage":{"total_tokens":2},"event_type":"step.stop"})",
    });
    BOOST_TEST(acc.current().id == "h1");
    BOOST_TEST(*acc.current().usage->total_tokens == 7);
    feed(acc, {
        R"({"interaction_id":"h1","status":"requires_continuation","continuation_token":"tok","usage":{"total_tokens":8},"event_type":"interaction.status_update"})",
    });
    BOOST_TEST((acc.current().status == gemini::interaction_status::requires_continuation));
    BOOST_TEST(*acc.current().continuation_token == "tok");
    BOOST_TEST(*acc.current().usage->total_tokens == 8);
    feed(acc, {R"({"interaction":{"id":"h1","status":"requires_continuation","usage":{"total_tokens":9},"service_tier":"standard","echo":1},"event_type":"interaction.completed"})"});
    check_json(json::value_from(acc.take()), R"({"id":"h1","status":"requires_continuation","continuation_token":"tok",
        "service_tier":"standard","usage":{"total_tokens":9},"echo":1,
        "steps":[{"type":"model_output","content":[{"type":"text","text":"Once"}]}]})");
}

BOOST_AUTO_TEST_CASE(error_events_do_not_change_the_interaction)
{
    accumulator acc;
    feed(acc, {
        R"({"interaction":{"id":"i","status":"in_progress"},"event_type":"interaction.created"})",
        R"({"error":{"code":"deadline_exceeded","message":"late"},"event_type":"error"})",
    });
    BOOST_TEST(!acc.finished());
    check_json(json::value_from(acc.current()), R"({"id":"i","status":"in_progress"})");
}

// add_text_delta(index, text) is add() of the equivalent text delta event: same fold, same errors.
BOOST_AUTO_TEST_CASE(text_deltas_given_as_parts_fold_like_events)
{
    const auto fold_both = [](std::initializer_list<std::string_view> events) {
        std::string by_event, by_parts;
        for (auto* out : {&by_event, &by_parts})
        {
            try
            {
                accumulator acc;
                for (std::string_view text : events)
                {
                    gemini::event e = gemini::parse_event(text);
                    const auto* delta = e.get_if<gemini::text_delta_event>();
                    if (delta && out == &by_parts)
                        acc.add_text_delta(e.index, delta->text);
                    else
                        acc.add(e);
                }
                *out = json::serialize(json::value_from(acc.take()));
            }
            catch (const std::invalid_argument& x)
            {
                *out = std::string("error: ") + x.what();
            }
        }
        BOOST_TEST(by_event == by_parts);
        return by_parts;
    };
    constexpr std::string_view a = R"({"index":0,"delta":{"type":"text","text":"a"},"event_type":"step.delta"})";
    constexpr std::string_view image = R"({"index":0,"delta":{"type":"image","data":"AA==","mime_type":"image/png"},"event_type":"step.delta"})";
    BOOST_TEST(fold_both({start_output, a, a, image, a}) ==
               R"({"id":"","status":"","steps":[{"type":"model_output","content":[{"type":"text","text":"aa"},)"
               R"({"type":"image","data":"AA==","mime_type":"image/png"},{"type":"text","text":"a"}]}]})");
    BOOST_TEST(fold_both({a}) == "error: index: no step.start for index 0");
    BOOST_TEST(fold_both({start_output, R"({"delta":{"type":"text","text":"x"},"event_type":"step.delta"})"}) ==
               "error: index: missing step index in a step.delta event");
    BOOST_TEST(fold_both({start_output, R"({"index":0,"event_type":"step.stop"})", a}) ==
               "error: index: step.delta for index 0 after its step.stop");
    BOOST_TEST(fold_both({R"({"index":0,"step":{"type":"thought"},"event_type":"step.start"})", a}) ==
               "error: delta.type: a text delta does not apply to the thought step at index 0");
    BOOST_TEST(fold_both({R"({"index":0,"step":{"type":"hologram"},"event_type":"step.start"})", a}) ==
               R"({"id":"","status":"","steps":[{"type":"hologram"}]})");
    BOOST_TEST(fold_both({R"({"interaction":{"id":"i","status":"completed"},"event_type":"interaction.completed"})", a}) ==
               "error: event_type: step.delta after interaction.completed");
}

BOOST_AUTO_TEST_CASE(inconsistent_sequences_name_the_culprit)
{
    BOOST_TEST(fold_error({R"({"index":1,"delta":{"type":"text","text":"x"},"event_type":"step.delta"})"}) ==
               "index: no step.start for index 1");
    BOOST_TEST(fold_error({R"({"index":1,"event_type":"step.stop"})"}) == "index: no step.start for index 1");
    BOOST_TEST(fold_error({R"({"step":{"type":"thought"},"event_type":"step.start"})"}) ==
               "index: missing step index in a step.start event");
    BOOST_TEST(fold_error({start_output, R"({"delta":{"type":"text","text":"x"},"event_type":"step.delta"})"}) ==
               "index: missing step index in a step.delta event");
    BOOST_TEST(fold_error({start_output, start_output}) == "index: a second step.start for index 0");
    BOOST_TEST(fold_error({start_output, R"({"index":0,"event_type":"step.stop"})",
                           R"({"index":0,"delta":{"type":"text","text":"late"},"event_type":"step.delta"})"}) ==
               "index: step.delta for index 0 after its step.stop");
    BOOST_TEST(fold_error({start_output, R"({"index":0,"delta":{"type":"thought_signature","signature":"s"},"event_type":"step.delta"})"}) ==
               "delta.type: a thought_signature delta does not apply to the model_output step at index 0");
    BOOST_TEST(fold_error({R"({"index":0,"step":{"type":"thought"},"event_type":"step.start"})",
                           R"({"index":0,"delta":{"type":"text","text":"x"},"event_type":"step.delta"})"}) ==
               "delta.type: a text delta does not apply to the thought step at index 0");
    BOOST_TEST(fold_error({R"({"index":0,"step":{"type":"google_search_call","id":"g"},"event_type":"step.start"})",
                           R"({"index":0,"delta":{"type":"google_maps_call","arguments":{}},"event_type":"step.delta"})"}) ==
               "delta.type: a google_maps_call delta does not apply to the google_search_call step at index 0");
    BOOST_TEST(fold_error({R"({"index":0,"step":{"type":"google_search_call","id":"g"},"event_type":"step.start"})",
                           R"({"index":0,"delta":{"type":"google_search_call","arguments":{"queries":"q"}},"event_type":"step.delta"})"}) ==
               "delta.arguments.queries: expected array");
    BOOST_TEST(fold_error({start_output, R"({"index":0,"delta":{"type":"text_annotation_delta","annotations":[]},"event_type":"step.delta"})"}) ==
               "delta.annotations: no text block to annotate in the step at index 0");

    constexpr std::string_view call = R"({"index":3,"step":{"type":"function_call","id":"a","name":"f","arguments":{}},"event_type":"step.start"})";
    BOOST_TEST(fold_error({call, R"({"index":3,"delta":{"type":"arguments_delta","arguments":"{\"city\":"},"event_type":"step.delta"})",
                           R"({"index":3,"event_type":"step.stop"})"})
                   .starts_with("steps[0].arguments: the arguments_delta fragments are not valid JSON"));
    BOOST_TEST(fold_error({call, R"({"index":3,"delta":{"type":"arguments_delta","arguments":"[1]"},"event_type":"step.delta"})"}) ==
               "steps[0].arguments: the arguments_delta fragments are not a JSON object: [1]");

    BOOST_TEST(fold_error({R"({"interaction":{"id":"i","status":"completed"},"event_type":"interaction.completed"})", start_output}) ==
               "event_type: step.start after interaction.completed");
    BOOST_TEST(fold_error({R"({"interaction":{"id":"a","status":"in_progress"},"event_type":"interaction.created"})",
                           R"({"interaction_id":"b","status":"completed","event_type":"interaction.status_update"})"}) ==
               "interaction_id: status update of b in the stream of a");
}

BOOST_AUTO_TEST_SUITE_END()
