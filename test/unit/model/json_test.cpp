// Round trips of every JSON example of the wire reference, and of every step, content, tool,
// annotation and configuration type, through the typed model.
#include "model_test_util.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;
using gemini::test::check_round_trip;

namespace {

// spec section 6, verbatim
constexpr std::string_view spec_tools = R"([
  {"type": "function", "name": "get_weather",
   "description": "Current weather for a city",
   "parameters": {"type": "object",
                  "properties": {"city": {"type": "string"}},
                  "required": ["city"]}},
  {"type": "google_search", "search_types": ["web_search"]},
  {"type": "code_execution"},
  {"type": "url_context"},
  {"type": "google_maps", "enable_widget": false, "latitude": 48.1, "longitude": 11.6},
  {"type": "file_search", "file_search_store_names": ["fileSearchStores/abc"],
   "top_k": 5, "metadata_filter": "year > 2020"},
  {"type": "mcp_server", "name": "weather", "url": "https://example.test/mcp",
   "headers": {"Authorization": "Bearer t"},
   "allowed_tools": [{"mode": "auto", "tools": ["forecast"]}]},
  {"type": "computer_use", "environment": "browser",
   "excluded_predefined_functions": ["drag_and_drop"]},
  {"type": "retrieval", "retrieval_types": ["vertex_ai_search"],
   "vertex_ai_search_config": {"engine": "projects/p/.../engines/e"}}
])";

// spec section 8, verbatim
constexpr std::string_view spec_interaction = R"({
  "id": "v1_ChdEWEFNUExFX0lEX1hZWg",
  "object": "interaction",
  "model": "gemini-3.5-flash",
  "status": "completed",
  "created": "2026-09-01T10:00:00Z",
  "updated": "2026-09-01T10:00:03Z",
  "service_tier": "standard",
  "previous_interaction_id": "v1_ChdQUkVWSU9VU19JRA",
  "steps": [
    {"type": "thought", "signature": "c2lnLWJ5dGVz"},
    {"type": "model_output",
     "content": [{"type": "text", "text": "2, 3 and 5."}]}
  ],
  "usage": {
    "total_input_tokens": 12,
    "total_output_tokens": 6,
    "total_thought_tokens": 30,
    "total_cached_tokens": 0,
    "total_tool_use_tokens": 0,
    "total_tokens": 48,
    "input_tokens_by_modality": [{"modality": "text", "tokens": 12}]
  }
})";

} // namespace

BOOST_AUTO_TEST_SUITE(model_json)

BOOST_AUTO_TEST_CASE(spec_4_minimal_requests)
{
    check_round_trip<gemini::request>(R"({"model": "gemini-3.5-flash", "input": "Name three prime numbers."})");
    check_round_trip<gemini::request>(R"({
      "model": "gemini-3.5-flash",
      "system_instruction": "Answer tersely.",
      "input": [{"type": "text", "text": "What is 2+2?"}],
      "generation_config": {"max_output_tokens": 256, "thinking_level": "low"},
      "store": false
    })");

    auto req = json::value_to<gemini::request>(json::parse(
        R"({"model": "m", "input": [{"type": "text", "text": "What is 2+2?"}],
            "generation_config": {"max_output_tokens": 256, "thinking_level": "low"}})"));
    BOOST_TEST(*req.model == "m");
    const auto* blocks = std::get_if<std::vector<gemini::content>>(&*req.input);
    BOOST_REQUIRE(blocks);
    BOOST_TEST(*blocks->at(0).text_if() == "What is 2+2?");
    BOOST_TEST(*req.generation_config->max_output_tokens == 256);
    BOOST_TEST((*req.generation_config->thinking_level == gemini::thinking_level::low));
}

BOOST_AUTO_TEST_CASE(spec_6_tools_array)
{
    check_round_trip<std::vector<gemini::tool>>(spec_tools);
    auto tools = json::value_to<std::vector<gemini::tool>>(json::parse(spec_tools));
    BOOST_REQUIRE_EQUAL(tools.size(), 9u);
    for (const auto& t : tools)
        BOOST_TEST(!t.is<gemini::opaque>(), t.type() << " parsed as opaque");
    BOOST_TEST(tools[0].get_if<gemini::function_tool>()->name == "get_weather");
    BOOST_TEST(*tools[4].get_if<gemini::google_maps_tool>()->latitude == 48.1);
    const auto& mcp = *tools[6].get_if<gemini::mcp_server_tool>();
    BOOST_TEST(mcp.headers->at("Authorization") == "Bearer t");
    BOOST_TEST((*mcp.allowed_tools->at(0).mode == gemini::tool_choice_mode::auto_));
    BOOST_TEST((*tools[7].get_if<gemini::computer_use_tool>()->environment == gemini::computer_environment::browser));
    BOOST_TEST(tools[8].type() == "retrieval");

    check_round_trip<gemini::tool>(R"({"type": "computer_use", "environment": "desktop",
        "disabled_safety_policies": ["x"], "enable_prompt_injection_detection": true})");
    check_round_trip<gemini::tool>(R"({"type": "retrieval", "retrieval_types": ["rag_store"],
        "rag_store_config": {"rag_resources": [{"rag_corpus": "c"}],
                             "rag_retrieval_config": {"top_k": 3, "filter": {}, "hybrid_search": {}, "ranking": {}}},
        "exa_ai_search_config": {"api_key": "k", "custom_config": {}},
        "parallel_ai_search_config": {"api_key": "k"}})");
}

BOOST_AUTO_TEST_CASE(spec_7_2_structured_output)
{
    constexpr std::string_view text = R"({
      "model": "gemini-3.5-flash",
      "input": "List two colours with hex codes.",
      "response_format": {
        "type": "text",
        "mime_type": "application/json",
        "schema": {"type": "array",
                   "items": {"type": "object",
                             "properties": {"name": {"type": "string"},
                                            "hex": {"type": "string"}},
                             "required": ["name", "hex"]}}
      }
    })";
    check_round_trip<gemini::request>(text);
    auto req = json::value_to<gemini::request>(json::parse(text));
    const auto* single = std::get_if<gemini::output_format>(&*req.response_format);
    BOOST_REQUIRE(single);
    const auto* fmt = single->get_if<gemini::text_format>();
    BOOST_REQUIRE(fmt);
    BOOST_TEST(*fmt->mime_type == "application/json");
    BOOST_TEST(fmt->schema->at("type") == "array");
}

BOOST_AUTO_TEST_CASE(response_format_variants)
{
    check_round_trip<gemini::request>(R"({"model": "m", "response_format": [
        {"type": "text"},
        {"type": "image", "aspect_ratio": "16:9", "image_size": "1K", "mime_type": "image/jpeg", "delivery": "inline"},
        {"type": "audio", "mime_type": "audio/wav", "sample_rate": 24000, "bit_rate": 128000, "delivery": "uri"},
        {"type": "video", "aspect_ratio": "9:16", "resolution": "1080p", "duration": 8, "gcs_uri": "gs://b/o"}]})");
    // A legacy bare JSON Schema: its "type" is a schema type, and it may have none at all.
    auto legacy = json::value_to<gemini::output_format>(json::parse(R"({"type": "object", "properties": {}})"));
    BOOST_TEST(legacy.is<gemini::opaque>());
    auto untyped = json::value_to<gemini::output_format>(json::parse(R"({"anyOf": [{"type": "string"}]})"));
    BOOST_TEST(untyped.is<gemini::opaque>());
    check_round_trip<gemini::request>(R"({"model": "m", "response_mime_type": "application/json",
        "response_format": {"anyOf": [{"type": "string"}], "description": "legacy"}})");
}

BOOST_AUTO_TEST_CASE(spec_8_interaction)
{
    check_round_trip<gemini::interaction>(spec_interaction);
    auto it = gemini::parse_interaction(spec_interaction);
    BOOST_TEST(it.id == "v1_ChdEWEFNUExFX0lEX1hZWg");
    BOOST_TEST((it.status == gemini::interaction_status::completed));
    BOOST_TEST((*it.service_tier == gemini::service_tier::standard));
    BOOST_TEST(*it.usage->total_tokens == 48);
    BOOST_TEST((*it.usage->input_tokens_by_modality->at(0).modality == gemini::modality::text));
    BOOST_REQUIRE_EQUAL(it.steps->size(), 2u);
    BOOST_TEST(*it.steps->at(0).get_if<gemini::thought_step>()->signature == "c2lnLWJ5dGVz");
    BOOST_TEST(it.output_text() == "2, 3 and 5.");
    BOOST_TEST(it.extra.empty());
}

BOOST_AUTO_TEST_CASE(spec_9_function_calling)
{
    check_round_trip<gemini::request>(R"({"model": "gemini-3.5-flash",
     "input": "Weather in Paris?",
     "tools": [{"type": "function", "name": "get_weather",
                "parameters": {"type": "object",
                               "properties": {"city": {"type": "string"}},
                               "required": ["city"]}}]})");

    constexpr std::string_view response = R"({"id": "v1_T1", "object": "interaction", "status": "requires_action",
     "steps": [
       {"type": "thought", "signature": "b3BhcXVl"},
       {"type": "function_call", "id": "fc_7k2", "name": "get_weather",
        "arguments": {"city": "Paris"}}
     ]})";
    check_round_trip<gemini::interaction>(response);
    auto it = gemini::parse_interaction(response);
    auto calls = it.function_calls();
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    BOOST_TEST(calls[0].id == "fc_7k2");
    BOOST_TEST(calls[0].arguments.at("city") == "Paris");

    constexpr std::string_view turn2 = R"({"model": "gemini-3.5-flash",
     "previous_interaction_id": "v1_T1",
     "tools": [{"type": "function", "name": "get_weather",
                "parameters": {"type": "object",
                               "properties": {"city": {"type": "string"}},
                               "required": ["city"]}}],
     "input": [
       {"type": "function_result", "call_id": "fc_7k2", "name": "get_weather",
        "result": "{\"temp_c\": 18, \"sky\": \"clear\"}"}
     ]})";
    check_round_trip<gemini::request>(turn2);
    auto req = json::value_to<gemini::request>(json::parse(turn2));
    const auto* steps = std::get_if<std::vector<gemini::step>>(&*req.input);
    BOOST_REQUIRE(steps);
    const auto* result = steps->at(0).get_if<gemini::function_result_step>();
    BOOST_REQUIRE(result);
    BOOST_TEST(std::get<std::string>(result->result) == R"({"temp_c": 18, "sky": "clear"})");
}

BOOST_AUTO_TEST_CASE(spec_10_video_input)
{
    constexpr std::string_view text = R"({"model": "gemini-3.5-flash",
     "input": [
       {"type": "text", "text": "Summarise this clip."},
       {"type": "video", "uri": "https://generativelanguage.googleapis.com/v1beta/files/abc123",
        "mime_type": "video/mp4"}
     ]})";
    check_round_trip<gemini::request>(text);
    auto req = json::value_to<gemini::request>(json::parse(text));
    const auto& blocks = std::get<std::vector<gemini::content>>(*req.input);
    BOOST_TEST(*blocks.at(1).get_if<gemini::video_content>()->mime_type == "video/mp4");
}

BOOST_AUTO_TEST_CASE(every_step_type)
{
    constexpr std::string_view text = R"([
      {"type": "user_input", "content": [{"type": "text", "text": "hi"}]},
      {"type": "model_output", "content": [{"type": "text", "text": "partial"}], "error": {"code": 13, "message": "m", "details": [{"@type": "x"}]}},
      {"type": "thought", "signature": "s", "summary": [{"type": "text", "text": "t"}, {"type": "image", "data": "AA==", "mime_type": "image/png"}]},
      {"type": "function_call", "id": "c1", "name": "f", "arguments": {"a": [1, 2]}, "signature": "s"},
      {"type": "function_result", "call_id": "c1", "name": "f", "result": {"ok": true}, "is_error": false},
      {"type": "function_result", "call_id": "c2", "result": [{"type": "image", "data": "AA==", "mime_type": "image/png"}], "is_error": true},
      {"type": "code_execution_call", "id": "x1", "arguments": {"code": "print(1) ", "language": "python"}, "signature": "s"},
      {"type": "code_execution_result", "call_id": "x1", "result": "1\n", "is_error": false, "signature": "s"},
      {"type": "code_execution_result", "call_id": "x2", "result": [{"type": "text", "text": "1"}]},
      {"type": "url_context_call", "id": "u1", "arguments": {"urls": ["https://a.test"]}},
      {"type": "url_context_result", "call_id": "u1", "result": [{"url": "https://a.test", "status": "paywall"}], "is_error": false},
      {"type": "google_search_call", "id": "g1", "arguments": {"queries": ["q"]}, "search_type": "image_search", "signature": "s"},
      {"type": "google_search_result", "call_id": "g1", "result": [{"search_suggestions": "<div/>"}], "is_error": false},
      {"type": "google_maps_call", "id": "m1", "arguments": {"queries": ["cafe"]}},
      {"type": "google_maps_result", "call_id": "m1", "result": [{"places": [{"name": "A"}], "widget_context_token": "w"}]},
      {"type": "file_search_call", "id": "f1", "signature": "s"},
      {"type": "file_search_result", "call_id": "f1", "result": [{"text": "chunk"}], "signature": "s"},
      {"type": "mcp_server_tool_call", "id": "p1", "name": "forecast", "server_name": "weather", "arguments": {"d": 1}},
      {"type": "mcp_server_tool_result", "call_id": "p1", "name": "forecast", "server_name": "weather", "result": {"t": 3}},
      {"type": "retrieval_call", "id": "r1", "arguments": {"queries": ["q"]}, "retrieval_type": "vertex_ai_search", "signature": "s"},
      {"type": "retrieval_result", "call_id": "r1", "is_error": false, "signature": "s"},
      {"type": "processing_call", "id": "v1", "signature": "s"},
      {"type": "processing_result", "call_id": "v1", "signature": "s"}
    ])";
    check_round_trip<std::vector<gemini::step>>(text);
    const json::value original = json::parse(text);
    auto steps = json::value_to<std::vector<gemini::step>>(original);
    for (std::size_t i = 0; i < steps.size(); ++i)
    {
        BOOST_TEST(!steps[i].is<gemini::opaque>(), steps[i].type() << " parsed as opaque");
        BOOST_TEST(steps[i].type() == std::string_view(original.as_array()[i].as_object().at("type").as_string()));
    }
    BOOST_TEST(*steps[1].get_if<gemini::model_output_step>()->error->code == 13);
    BOOST_TEST(std::holds_alternative<json::object>(steps[4].get_if<gemini::function_result_step>()->result));
    BOOST_TEST(std::holds_alternative<std::vector<gemini::content>>(steps[5].get_if<gemini::function_result_step>()->result));
    BOOST_TEST((*steps[10].get_if<gemini::url_context_result_step>()->result->at(0).status ==
                gemini::url_retrieval_status::paywall));
    BOOST_TEST((*steps[11].get_if<gemini::google_search_call_step>()->search_type == gemini::search_type::image_search));
}

BOOST_AUTO_TEST_CASE(every_content_and_annotation_type)
{
    constexpr std::string_view text = R"([
      {"type": "text", "text": "Paris is nice.", "annotations": [
        {"type": "url_citation", "url": "https://a.test", "title": "A", "start_index": 0, "end_index": 5},
        {"type": "file_citation", "document_uri": "d", "file_name": "f.pdf", "source": "s", "page_number": 3,
         "media_id": "m", "custom_metadata": {"k": "v"}, "start_index": 0, "end_index": 4},
        {"type": "place_citation", "place_id": "p", "name": "N", "url": "u", "review_snippets": [{"review": "good"}],
         "start_index": 1, "end_index": 2},
        {"type": "speech_metadata", "speaker": "A", "style": "calm", "start_index": 0, "end_index": 1},
        {"type": "word_info", "text": "Paris", "start_offset": "0.5s", "end_offset": "0.9s", "speaker": "A",
         "start_index": 0, "end_index": 5}]},
      {"type": "image", "data": "iVBORw0KGgo=", "mime_type": "image/png", "resolution": "ultra_high"},
      {"type": "image", "uri": "gs://b/i.png", "mime_type": "image/png"},
      {"type": "audio", "data": "UklGRg==", "mime_type": "audio/wav", "sample_rate": 24000, "channels": 1},
      {"type": "document", "uri": "https://x.test/files/d", "mime_type": "application/pdf"},
      {"type": "video", "uri": "https://x.test/files/v", "mime_type": "video/mp4", "resolution": "low", "name": "clip",
       "processing": {"type": "static", "fps": 2, "start_offset": "10.5s", "end_offset": "30s"}},
      {"type": "video", "data": "AAAA", "mime_type": "video/webm", "processing": "agentic"}
    ])";
    check_round_trip<std::vector<gemini::content>>(text);
    auto blocks = json::value_to<std::vector<gemini::content>>(json::parse(text));
    const auto& annotations = *blocks[0].get_if<gemini::text_content>()->annotations;
    BOOST_REQUIRE_EQUAL(annotations.size(), 5u);
    for (const auto& a : annotations)
        BOOST_TEST(!a.is<gemini::opaque>(), a.type() << " parsed as opaque");
    BOOST_TEST(*annotations[1].get_if<gemini::file_citation>()->page_number == 3);
    BOOST_TEST((*blocks[1].get_if<gemini::image_content>()->resolution == gemini::media_resolution::ultra_high));
    BOOST_TEST(*blocks[3].get_if<gemini::audio_content>()->sample_rate == 24000);
    BOOST_TEST(*blocks[5].get_if<gemini::video_content>()->name == "clip");
}

BOOST_AUTO_TEST_CASE(configs)
{
    check_round_trip<gemini::request>(R"({"model": "m",
      "generation_config": {"max_output_tokens": 10, "seed": 7, "stop_sequences": ["END"], "temperature": 0.5,
        "top_p": 0.9, "top_k": 40, "thinking_level": "minimal", "thinking_summaries": "auto", "tool_choice": "validated",
        "speech_config": {"speakers": [{"speaker": "A", "voice": "Kore", "language": "en-US"}]},
        "transcription_config": {"language_codes": ["en"], "mode": {"type": "verbatim", "diarization_mode": "on"}},
        "video_config": {"task": "text_to_video"}, "image_config": {"aspect_ratio": "1:1", "image_size": "2K"}},
      "safety_settings": [{"type": "hate_speech", "threshold": "block_only_high", "method": "severity"},
                          {"type": "jailbreak", "threshold": "off"}],
      "service_tier": "flex", "labels": {"team": "x", "env": "dev"},
      "webhook_config": {"uris": ["https://hook.test"], "user_metadata": {"k": 1}},
      "response_modalities": ["text", "image"], "cached_content": "cachedContents/c", "continuation_token": "ct",
      "background": true, "stream": true})");
    check_round_trip<gemini::generation_config>(
        R"({"tool_choice": {"allowed_tools": {"mode": "any", "tools": ["get_weather"]}}})");
    auto gc = json::value_to<gemini::generation_config>(
        json::parse(R"({"tool_choice": {"allowed_tools": {"mode": "any", "tools": ["get_weather"]}}, "thinking_summaries": "auto"})"));
    const auto& choice = std::get<gemini::allowed_tools_choice>(*gc.tool_choice);
    BOOST_TEST((*choice.allowed_tools.mode == gemini::tool_choice_mode::any));
    BOOST_TEST((*gc.thinking_summaries == gemini::thinking_summaries::auto_));

    check_round_trip<gemini::request>(R"({"agent": "deep-research-preview-04-2026", "input": "Research X",
      "agent_config": {"type": "deep-research", "thinking_summaries": "auto", "visualization": "off",
                       "collaborative_planning": true, "enable_bigquery_tool": false},
      "background": true, "environment": "remote"})");
    check_round_trip<gemini::request>(R"({"agent": "antigravity-preview-09-2026", "input": "Fix it",
      "agent_config": {"type": "antigravity", "model": "gemini-3.5-flash", "max_total_tokens": "100000"},
      "environment": {"type": "remote", "sources": [{"repo": "r"}], "network": "on", "env": {"A": "1"}}})");
    constexpr std::string_view mender = R"({"type": "code-mender", "fix_request": {"a": 1}, "session_id": "s",
                                            "session_config": {"max_rounds": 3}, "model": "m"})";
    check_round_trip<gemini::agent_config>(mender);
    BOOST_TEST(json::value_to<gemini::agent_config>(json::parse(mender)).is<gemini::opaque>());
    BOOST_TEST(json::value_to<gemini::agent_config>(json::parse(mender)).type() == "code-mender");
    check_round_trip<gemini::agent_config>(R"({"type": "dynamic", "anything": [1, {"b": 2}]})");
}

BOOST_AUTO_TEST_CASE(full_usage_and_errors)
{
    check_round_trip<gemini::interaction>(R"({"id": "i", "status": "failed", "agent": "a", "environment_id": "env_1",
      "usage": {"total_input_tokens": 1, "total_output_tokens": 2, "total_thought_tokens": 3, "total_cached_tokens": 4,
        "total_tool_use_tokens": 5, "total_tokens": 15, "initial_input_tokens": 1,
        "input_tokens_by_modality": [{"modality": "text", "tokens": 1}],
        "output_tokens_by_modality": [{"modality": "image", "tokens": 2}],
        "cached_tokens_by_modality": [{"modality": "audio", "tokens": 4}],
        "tool_use_tokens_by_modality": [{"modality": "document", "tokens": 5}],
        "grounding_tool_count": [{"type": "google_search", "count": 2}, {"type": "retrieval", "count": 1}]},
      "errors": [{"code": "api_error", "message": "boom"}, {"code": 500, "message": "rpc"}],
      "input": [{"type": "user_input", "content": [{"type": "text", "text": "q"}]}],
      "system_instruction": "echoed", "tools": [{"type": "url_context"}], "labels": {"a": "b"}})");
}

BOOST_AUTO_TEST_CASE(unknown_types_keep_their_json_and_key_order)
{
    // Keys deliberately not in alphabetical order: the serialized text must come back identical.
    constexpr std::string_view unknown_step =
        R"({"type":"hologram_call","zeta":1,"alpha":{"y":2,"x":[3,{"q":1,"b":2}]},"id":"h1"})";
    constexpr std::string_view unknown_block = R"({"type":"smell","z":"rose","a":{"d":1,"c":2}})";
    constexpr std::string_view unknown_tool = R"({"type":"teleport","range_km":5,"alpha":true})";
    constexpr std::string_view unknown_annotation = R"({"type":"gif_citation","z":1,"a":2})";

    auto step = json::value_to<gemini::step>(json::parse(unknown_step));
    BOOST_TEST(step.is<gemini::opaque>());
    BOOST_TEST(step.type() == "hologram_call");
    BOOST_TEST(json::serialize(json::value_from(step)) == unknown_step);

    auto block = json::value_to<gemini::content>(json::parse(unknown_block));
    BOOST_TEST(block.is<gemini::opaque>());
    BOOST_TEST(json::serialize(json::value_from(block)) == unknown_block);

    auto tool = json::value_to<gemini::tool>(json::parse(unknown_tool));
    BOOST_TEST(tool.is<gemini::opaque>());
    BOOST_TEST(json::serialize(json::value_from(tool)) == unknown_tool);

    auto annotation = json::value_to<gemini::annotation>(json::parse(unknown_annotation));
    BOOST_TEST(annotation.is<gemini::opaque>());
    BOOST_TEST(json::serialize(json::value_from(annotation)) == unknown_annotation);

    // Inside a whole interaction, replayed as request history.
    std::string history = R"({"id":"i","status":"completed","steps":[)" + std::string(unknown_step) +
                          R"(,{"type":"model_output","content":[)" + std::string(unknown_block) + "]}]}";
    auto it = gemini::parse_interaction(history);
    gemini::request next{.model = "m", .input = *it.steps};
    auto body = json::value_from(next);
    BOOST_TEST(json::serialize(body.at("input").at(0)) == unknown_step);
    BOOST_TEST(json::serialize(body.at("input").at(1).at("content").at(0)) == unknown_block);
}

BOOST_AUTO_TEST_CASE(unknown_fields_of_known_types_survive)
{
    constexpr std::string_view text = R"({"id": "i", "status": "completed", "brand_new": {"z": 1, "a": [2]},
      "steps": [{"type": "model_output", "future": true,
                 "content": [{"type": "text", "text": "x", "confidence": 0.9,
                              "annotations": [{"type": "url_citation", "url": "u", "favicon": "f"}]}]},
                {"type": "function_call", "id": "c", "name": "f", "arguments": {}, "priority": 2}],
      "usage": {"total_tokens": 3, "total_audio_seconds": 1.5}})";
    check_round_trip<gemini::interaction>(text);
    auto it = gemini::parse_interaction(text);
    BOOST_TEST(json::serialize(it.extra.at("brand_new")) == R"({"z":1,"a":[2]})");
    const auto& out = *it.steps->at(0).get_if<gemini::model_output_step>();
    BOOST_TEST(out.extra.at("future") == true);
    BOOST_TEST(out.content[0].get_if<gemini::text_content>()->extra.at("confidence") == 0.9);
    BOOST_TEST(it.usage->extra.at("total_audio_seconds") == 1.5);
}

BOOST_AUTO_TEST_CASE(input_forms)
{
    auto string_form = json::value_to<gemini::input>(json::parse(R"("hi")"));
    BOOST_TEST(std::holds_alternative<std::string>(string_form));
    auto block_form = json::value_to<gemini::input>(json::parse(R"({"type": "text", "text": "hi"})"));
    BOOST_TEST(std::holds_alternative<gemini::content>(block_form));
    auto blocks_form = json::value_to<gemini::input>(json::parse(R"([{"type": "text", "text": "hi"}, {"type": "image", "uri": "u"}])"));
    BOOST_TEST(std::holds_alternative<std::vector<gemini::content>>(blocks_form));
    auto steps_form = json::value_to<gemini::input>(json::parse(R"([{"type": "user_input", "content": []}])"));
    BOOST_TEST(std::holds_alternative<std::vector<gemini::step>>(steps_form));
    BOOST_TEST(blocks_form.to_steps().size() == 1u);
    BOOST_TEST(json::serialize(json::value_from(string_form.to_steps())) ==
               R"([{"type":"user_input","content":[{"type":"text","text":"hi"}]}])");
}

BOOST_AUTO_TEST_SUITE_END()
