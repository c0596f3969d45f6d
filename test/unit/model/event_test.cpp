// Streaming events: the spec 11.5 transcripts, every event and delta kind written back
// JSON-equal, unknown kinds preserved, malformed payloads reported by JSON path.
#include "model_test_util.hpp"
#include "model/scratch_document.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace json = boost::json;
using gemini::event;

namespace {

event parse(std::string_view text)
{
    return gemini::parse_event(text);
}

} // namespace

BOOST_AUTO_TEST_SUITE(model_event)

BOOST_AUTO_TEST_CASE(spec_11_5_text_transcript)
{
    event created = parse(R"({"interaction":{"id":"v1_S1","status":"in_progress","object":"interaction","model":"gemini-3.5-flash"},"event_type":"interaction.created"})");
    BOOST_REQUIRE(created.is<gemini::interaction_created_event>());
    BOOST_TEST(created.get_if<gemini::interaction_created_event>()->interaction.id == "v1_S1");
    BOOST_TEST(created.event_type() == "interaction.created");
    BOOST_TEST(!created.event_id);
    BOOST_TEST(!created.index);
    BOOST_TEST(!created.is_terminal());
    BOOST_TEST(!created.is_delta());

    event status = parse(R"({"interaction_id":"v1_S1","status":"in_progress","event_type":"interaction.status_update"})");
    const auto* update = status.get_if<gemini::interaction_status_update_event>();
    BOOST_REQUIRE(update);
    BOOST_TEST(update->interaction_id == "v1_S1");
    BOOST_TEST((update->status == gemini::interaction_status::in_progress));
    BOOST_TEST(!update->usage);

    event start = parse(R"({"index":0,"step":{"type":"thought"},"event_type":"step.start"})");
    BOOST_REQUIRE(start.is<gemini::step_start_event>());
    BOOST_TEST(start.get_if<gemini::step_start_event>()->step.is<gemini::thought_step>());
    BOOST_TEST(*start.index == 0);

    event signature = parse(R"({"index":0,"delta":{"type":"thought_signature","signature":"c2ln"},"event_type":"step.delta"})");
    BOOST_REQUIRE(signature.is<gemini::thought_signature_delta_event>());
    BOOST_TEST(signature.get_if<gemini::thought_signature_delta_event>()->signature == "c2ln");
    BOOST_TEST(signature.event_type() == "step.delta");
    BOOST_TEST(signature.type() == "step.delta");
    BOOST_TEST(signature.delta_type() == "thought_signature");
    BOOST_TEST(signature.is_delta());

    event stop = parse(R"({"index":1,"event_type":"step.stop"})");
    BOOST_REQUIRE(stop.is<gemini::step_stop_event>());
    BOOST_TEST(*stop.index == 1);
    BOOST_TEST(!stop.get_if<gemini::step_stop_event>()->usage);

    event text = parse(R"({"index":1,"delta":{"type":"text","text":", world."},"event_id":"evt_2","event_type":"step.delta"})");
    BOOST_REQUIRE(text.is<gemini::text_delta_event>());
    BOOST_TEST(text.get_if<gemini::text_delta_event>()->text == ", world.");
    BOOST_TEST(*text.event_id == "evt_2");
    BOOST_TEST(*text.index == 1);
    BOOST_TEST(text.delta_type() == "text");

    event completed = parse(R"({"interaction":{"id":"v1_S1","status":"completed","object":"interaction","model":"gemini-3.5-flash","created":"2026-09-01T10:00:00Z","updated":"2026-09-01T10:00:02Z","usage":{"total_input_tokens":5,"total_output_tokens":4,"total_tokens":9}},"event_type":"interaction.completed"})");
    const auto* done = completed.get_if<gemini::interaction_completed_event>();
    BOOST_REQUIRE(done);
    BOOST_TEST((done->interaction.status == gemini::interaction_status::completed));
    BOOST_TEST(*done->interaction.usage->total_tokens == 9);
    BOOST_TEST(!done->interaction.steps);
    BOOST_TEST(completed.is_terminal());
}

BOOST_AUTO_TEST_CASE(spec_11_5_function_call_and_error_transcripts)
{
    event start = parse(R"({"index":1,"step":{"type":"function_call","id":"fc_7k2","name":"get_weather","arguments":{}},"event_type":"step.start"})");
    const auto* call = start.get_if<gemini::step_start_event>()->step.get_if<gemini::function_call_step>();
    BOOST_REQUIRE(call);
    BOOST_TEST(call->name == "get_weather");
    BOOST_TEST(call->arguments.empty());

    event fragment = parse(R"({"index":1,"delta":{"type":"arguments_delta","arguments":"{\"city\":"},"event_type":"step.delta"})");
    BOOST_REQUIRE(fragment.is<gemini::arguments_delta_event>());
    BOOST_TEST(fragment.get_if<gemini::arguments_delta_event>()->arguments == R"({"city":)");
    BOOST_TEST(*fragment.index == 1);

    event completed = parse(R"({"interaction":{"id":"v1_F1","status":"requires_action"},"event_type":"interaction.completed"})");
    BOOST_TEST((completed.get_if<gemini::interaction_completed_event>()->interaction.status ==
                gemini::interaction_status::requires_action));

    event error = parse(R"({"error":{"code":"deadline_exceeded","message":"Deadline expired before operation could complete."},"event_type":"error"})");
    const auto* e = error.get_if<gemini::error_event>();
    BOOST_REQUIRE(e);
    BOOST_TEST(e->code == json::value("deadline_exceeded"));
    BOOST_TEST(e->message == "Deadline expired before operation could complete.");
    BOOST_TEST(error.is_terminal());
    BOOST_TEST(error.event_type() == "error");

    event numeric = parse(R"({"error":{"code":504,"message":"m"},"event_type":"error"})");
    BOOST_TEST(numeric.get_if<gemini::error_event>()->code == json::value(504));
}

BOOST_AUTO_TEST_CASE(every_kind_writes_back_unchanged)
{
    constexpr std::string_view events[] = {
        // more fields and kinds
        R"({"interaction_id":"i","status":"requires_continuation","usage":{"total_tokens":3},"continuation_token":"tok","event_id":"e9","event_type":"interaction.status_update"})",
        R"({"index":2,"usage":{"total_tokens":10},"step_usage":{"total_output_tokens":4},"event_type":"step.stop"})",
        R"({"index":1,"delta":{"type":"image","data":"AA==","mime_type":"image/png","resolution":"high"},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"image","uri":"files/abc","mime_type":"image/png"},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"audio","data":"AA==","mime_type":"audio/l16","sample_rate":24000,"channels":1,"rate":24000},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"video","uri":"files/v","mime_type":"video/jpeg2000","resolution":"low"},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"document","data":"JVBERg==","mime_type":"application/pdf"},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"text_annotation_delta","annotations":[{"type":"url_citation","url":"https://e.x","start_index":0,"end_index":5},{"type":"future_citation","x":1}]},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"thought_summary","content":{"type":"text","text":"Thinking about it"}},"event_type":"step.delta"})",
        R"({"index":0,"delta":{"type":"thought_summary","content":{"type":"image","data":"AA==","mime_type":"image/png"}},"event_type":"step.delta"})",
        R"({"index":3,"delta":{"type":"function_result","result":"sunny","name":"get_weather","is_error":false},"event_type":"step.delta"})",
        R"({"index":3,"delta":{"type":"function_result","result":[{"type":"text","text":"a"}]},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"code_execution_call","arguments":{"code":"x = 1","language":"python"},"signature":"s"},"event_type":"step.delta"})",
        R"({"index":5,"delta":{"type":"code_execution_result","result":"1\n","is_error":false,"signature":"s"},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"url_context_call","arguments":{"urls":["https://e.x"]}},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"url_context_result","result":[{"url":"https://e.x","status":"success"}],"is_error":false},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"google_search_call","arguments":{"queries":["q"]},"signature":"s"},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"google_search_result","result":[{"search_suggestions":"<div/>"}],"is_error":false},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"google_maps_call","arguments":{"queries":["cafe"]}},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"google_maps_result","result":[{"places":[],"widget_context_token":"w"}]},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"file_search_call","signature":"s"},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"file_search_result","result":[{"text":"t"}],"signature":"s"},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"mcp_server_tool_call","name":"n","server_name":"srv","arguments":{"a":1}},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"mcp_server_tool_result","result":{"ok":true},"name":"n","server_name":"srv"},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"retrieval_call","arguments":{"queries":["q"]},"retrieval_type":"vertex_ai_search","signature":"s"},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"retrieval_result","is_error":true,"signature":"s"},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"processing_call","signature":"s"},"event_type":"step.delta"})",
        R"({"index":4,"delta":{"type":"processing_result","signature":"s"},"event_type":"step.delta"})",
        R"({"error":{"code":504,"message":"m"},"event_type":"error"})",
        // unknown members at every level, unknown kinds
        R"({"index":1,"delta":{"type":"text","text":"x","future":1},"metadata":{"total_usage":{"total_tokens":4}},"event_id":"e","event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"hologram","frames":[1,2]},"event_id":"e7","event_type":"step.delta"})",
        R"({"index":1,"step":{"type":"future_step","x":{"y":1}},"future":true,"event_type":"step.start"})",
        R"({"interaction":{"id":"i","status":"in_progress","novel":1},"trace":"t","event_type":"interaction.created"})",
        R"({"error":{"code":"x","message":"m","details":[{"a":1}]},"retry":true,"event_type":"error"})",
        R"({"error":{"message":"no code"},"event_type":"error"})",
        R"({"index":9,"payload":{"a":[1,2]},"event_id":"e8","event_type":"interaction.paused"})",
        R"({"event_type":"heartbeat"})",
    };
    for (std::string_view text : gemini::test::spec_text_events)
        gemini::test::check_round_trip<event>(text);
    for (std::string_view text : gemini::test::spec_function_call_events)
        gemini::test::check_round_trip<event>(text);
    gemini::test::check_round_trip<event>(gemini::test::spec_error_event);
    for (std::string_view text : events)
        gemini::test::check_round_trip<event>(text);
}

BOOST_AUTO_TEST_CASE(alternatives_of_deltas)
{
    event image = parse(R"({"index":1,"delta":{"type":"image","data":"AA==","mime_type":"image/png","resolution":"high"},"event_type":"step.delta"})");
    const auto* i = image.get_if<gemini::image_delta_event>();
    BOOST_REQUIRE(i);
    BOOST_TEST(*i->data == "AA==");
    BOOST_TEST((i->resolution->known() == gemini::media_resolution::high));

    event audio = parse(R"({"index":1,"delta":{"type":"audio","data":"AA==","mime_type":"audio/l16","sample_rate":24000,"rate":24000},"event_type":"step.delta"})");
    const auto* a = audio.get_if<gemini::audio_delta_event>();
    BOOST_REQUIRE(a);
    BOOST_TEST(*a->sample_rate == 24000);
    BOOST_TEST(a->extra.contains("rate"));

    BOOST_TEST(parse(R"({"index":1,"delta":{"type":"video","uri":"u"},"event_type":"step.delta"})").is<gemini::video_delta_event>());
    BOOST_TEST(parse(R"({"index":1,"delta":{"type":"document","uri":"u"},"event_type":"step.delta"})").is<gemini::document_delta_event>());

    event summary = parse(R"({"index":0,"delta":{"type":"thought_summary","content":{"type":"text","text":"hm"}},"event_type":"step.delta"})");
    BOOST_TEST(*summary.get_if<gemini::thought_summary_delta_event>()->content.text_if() == "hm");

    event annotations = parse(R"({"index":1,"delta":{"type":"text_annotation_delta","annotations":[{"type":"url_citation","url":"u"}]},"event_type":"step.delta"})");
    BOOST_TEST(annotations.get_if<gemini::text_annotation_delta_event>()->annotations.at(0).is<gemini::url_citation>());

    event result = parse(R"({"index":3,"delta":{"type":"function_result","result":{"t":20},"is_error":true},"event_type":"step.delta"})");
    const auto* r = result.get_if<gemini::function_result_delta_event>();
    BOOST_REQUIRE(r);
    BOOST_TEST(std::get<json::object>(*r->result).at("t") == json::value(20));
    BOOST_TEST(*r->is_error);
    BOOST_TEST(!r->name);

    for (std::string_view kind : gemini::tool_delta_event::types)
    {
        json::object payload{{"index", 4}, {"delta", {{"type", kind}, {"signature", "s"}}}, {"event_type", "step.delta"}};
        event tool = json::value_to<event>(json::value(payload));
        const auto* t = tool.get_if<gemini::tool_delta_event>();
        BOOST_REQUIRE_MESSAGE(t, kind);
        BOOST_TEST(t->type == kind);
        BOOST_TEST(tool.delta_type() == kind);
        BOOST_TEST(json::serialize(t->fields) == R"({"signature":"s"})");
    }

    event unknown = parse(R"({"index":1,"delta":{"type":"hologram","frames":[1]},"event_type":"step.delta"})");
    const auto* u = unknown.get_if<gemini::unknown_delta_event>();
    BOOST_REQUIRE(u);
    BOOST_TEST(u->type() == "hologram");
    BOOST_TEST(unknown.delta_type() == "hologram");
    BOOST_TEST(unknown.is_delta());
    BOOST_TEST(json::serialize(u->raw) == R"({"type":"hologram","frames":[1]})");

    event with_metadata = parse(R"({"index":1,"delta":{"type":"text","text":"x"},"metadata":{"total_usage":{"total_tokens":4}},"event_type":"step.delta"})");
    BOOST_TEST(json::serialize(with_metadata.payload_extra) == R"({"metadata":{"total_usage":{"total_tokens":4}}})");
}

BOOST_AUTO_TEST_CASE(events_outlive_the_arena_a_stream_parses_into)
{
    // The client parses each stream event into an arena on its stack and converts it at once;
    // what an event keeps as JSON (a tool delta's fields, an unknown delta, an unknown event)
    // pointed into that arena, and a later parse wrote over it.
    const char* const kept_as_json[] = {
        R"({"index":4,"delta":{"type":"google_search_call","arguments":{"queries":["first query"]}},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"hologram","frames":[1,2,3]},"event_type":"step.delta"})",
        R"({"index":9,"payload":{"a":[1,2]},"event_id":"e8","event_type":"interaction.paused"})",
    };
    for (const char* text : kept_as_json)
    {
        std::optional<gemini::detail::scratch_document> arena(std::in_place);
        boost::system::error_code ec;
        event e = json::value_to<event>(arena->parse(text, ec));
        BOOST_REQUIRE(!ec);
        const std::string before = json::serialize(json::value_from(e));
        arena.emplace();   // the same memory, another document in it
        (void)arena->parse(R"({"overwrite":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",)"
                           R"("more":[9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9]})",
                           ec);
        BOOST_TEST(json::serialize(json::value_from(e)) == before, text);
    }
}

BOOST_AUTO_TEST_CASE(unknown_event_types_are_kept_whole)
{
    event e = parse(R"({"index":9,"payload":{"a":[1,2]},"event_id":"e8","event_type":"interaction.paused"})");
    const auto* raw = e.get_if<gemini::opaque>();
    BOOST_REQUIRE(raw);
    BOOST_TEST(e.event_type() == "interaction.paused");
    BOOST_TEST(*e.event_id == "e8");
    BOOST_TEST(*e.index == 9);
    BOOST_TEST(raw->raw.contains("payload"));
    BOOST_TEST(!e.is_terminal());
    BOOST_TEST(!e.is_delta());
    BOOST_TEST(e.delta_type().empty());
}

BOOST_AUTO_TEST_CASE(built_events_write_the_wire_shape)
{
    event e = gemini::text_delta_event{.text = "Hi"};
    e.index = 2;
    e.event_id = "evt_9";
    BOOST_TEST(json::value_from(e) ==
               json::parse(R"({"index":2,"delta":{"type":"text","text":"Hi"},"event_id":"evt_9","event_type":"step.delta"})"));

    gemini::image_delta_event image;
    image.uri = "files/x";
    image.mime_type = "image/png";
    event i = image;
    BOOST_TEST(json::value_from(i) ==
               json::parse(R"({"delta":{"type":"image","uri":"files/x","mime_type":"image/png"},"event_type":"step.delta"})"));

    event stop = gemini::step_stop_event{};
    stop.index = 0;
    BOOST_TEST(json::serialize(json::value_from(stop)) == R"({"index":0,"event_type":"step.stop"})");

    event error = gemini::error_event{.code = "not_found", .message = "gone"};
    BOOST_TEST(json::value_from(error) == json::parse(R"({"error":{"code":"not_found","message":"gone"},"event_type":"error"})"));
}

BOOST_AUTO_TEST_CASE(malformed_events_name_the_path)
{
    using gemini::test::read_error;
    BOOST_TEST(read_error<event>(R"([1])") == "(top level): expected object");
    BOOST_TEST(read_error<event>(R"({"index":0})") == "event_type: missing discriminator");
    BOOST_TEST(read_error<event>(R"({"event_type":7})") == "event_type: expected string");
    BOOST_TEST(read_error<event>(R"({"index":"0","event_type":"step.stop"})") == "index: expected integer");
    BOOST_TEST(read_error<event>(R"({"event_id":1,"event_type":"step.stop"})") == "event_id: expected string");
    BOOST_TEST(read_error<event>(R"({"index":0,"event_type":"step.delta"})") == "delta: missing");
    BOOST_TEST(read_error<event>(R"({"index":0,"delta":[],"event_type":"step.delta"})") == "delta: expected object");
    BOOST_TEST(read_error<event>(R"({"index":0,"delta":{"text":"x"},"event_type":"step.delta"})") ==
               "delta.type: missing discriminator");
    BOOST_TEST(read_error<event>(R"({"index":0,"delta":{"type":3},"event_type":"step.delta"})") == "delta.type: expected string");
    BOOST_TEST(read_error<event>(R"({"index":0,"delta":{"type":"text","text":5},"event_type":"step.delta"})") ==
               "delta.text: expected string");
    BOOST_TEST(read_error<event>(R"({"index":0,"delta":{"type":"audio","sample_rate":"fast"},"event_type":"step.delta"})") ==
               "delta.sample_rate: expected integer");
    BOOST_TEST(read_error<event>(R"({"index":0,"delta":{"type":"thought_summary","content":{"text":"x"}},"event_type":"step.delta"})") ==
               "delta.content.type: missing discriminator");
    BOOST_TEST(read_error<event>(R"({"index":0,"event_type":"step.start"})") == "step: missing");
    BOOST_TEST(read_error<event>(R"({"index":0,"step":{"type":"function_call","arguments":[]},"event_type":"step.start"})") ==
               "step.arguments: expected object");
    BOOST_TEST(read_error<event>(R"({"event_type":"interaction.created"})") == "interaction: missing");
    BOOST_TEST(read_error<event>(R"({"interaction":{"id":1},"event_type":"interaction.completed"})") ==
               "interaction.id: expected string");
    BOOST_TEST(read_error<event>(R"({"usage":{"total_tokens":"9"},"event_type":"step.stop"})") ==
               "usage.total_tokens: expected integer");
    BOOST_TEST(read_error<event>(R"({"event_type":"error"})") == "error: missing");
    BOOST_TEST(read_error<event>(R"({"error":{"message":1},"event_type":"error"})") == "error.message: expected string");
}

BOOST_AUTO_TEST_SUITE_END()
