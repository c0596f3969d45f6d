// Building requests in C++ (designated initializers, factories) gives the exact expected JSON.
#include "model_test_util.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;

namespace {

void check_json(const gemini::request& req, std::string_view expected)
{
    json::value got = json::value_from(req);
    json::value want = json::parse(expected);
    BOOST_TEST(got == want, "\n  got:  " << json::serialize(got) << "\n  want: " << json::serialize(want));
}

json::object weather_schema()
{
    return json::parse(R"({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})")
        .as_object();
}

} // namespace

BOOST_AUTO_TEST_SUITE(model_request)

BOOST_AUTO_TEST_CASE(minimal_designated_initializer)
{
    gemini::request req{.model = "gemini-3.5-flash", .input = "Hello"};
    check_json(req, R"({"model": "gemini-3.5-flash", "input": "Hello"})");
    BOOST_TEST(gemini::to_json(req) == R"({"model":"gemini-3.5-flash","input":"Hello"})");

    std::string text = "From a std::string";
    gemini::request from_string{.model = "m", .input = text};
    check_json(from_string, R"({"model": "m", "input": "From a std::string"})");
}

BOOST_AUTO_TEST_CASE(spec_4_second_example)
{
    gemini::request req{
        .model = "gemini-3.5-flash",
        .input = std::vector<gemini::content>{gemini::content::text("What is 2+2?")},
        .system_instruction = "Answer tersely.",
        .generation_config = gemini::generation_config{.max_output_tokens = 256,
                                                       .thinking_level = gemini::thinking_level::low},
        .store = false,
    };
    check_json(req, R"({
      "model": "gemini-3.5-flash",
      "system_instruction": "Answer tersely.",
      "input": [{"type": "text", "text": "What is 2+2?"}],
      "generation_config": {"max_output_tokens": 256, "thinking_level": "low"},
      "store": false
    })");
}

BOOST_AUTO_TEST_CASE(function_calling_turns)
{
    std::vector<gemini::tool> tools{gemini::function_tool{.name = "get_weather", .parameters = weather_schema()}};
    gemini::request turn1{.model = "gemini-3.5-flash", .input = "Weather in Paris?", .tools = tools};
    check_json(turn1, R"({"model": "gemini-3.5-flash", "input": "Weather in Paris?",
      "tools": [{"type": "function", "name": "get_weather",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]})");

    gemini::request turn2{
        .model = "gemini-3.5-flash",
        .input = std::vector<gemini::step>{gemini::step::function_result("fc_7k2", "get_weather",
                                                                         R"({"temp_c": 18, "sky": "clear"})")},
        .tools = tools,
        .previous_interaction_id = "v1_T1",
    };
    check_json(turn2, R"({"model": "gemini-3.5-flash", "previous_interaction_id": "v1_T1",
      "tools": [{"type": "function", "name": "get_weather",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}],
      "input": [{"type": "function_result", "call_id": "fc_7k2", "name": "get_weather",
                 "result": "{\"temp_c\": 18, \"sky\": \"clear\"}"}]})");

    gemini::step failed = gemini::step::function_result("c", "f", json::object{{"error", "no city"}}, true);
    BOOST_TEST(json::serialize(json::value_from(failed)) ==
               R"({"type":"function_result","call_id":"c","name":"f","result":{"error":"no city"},"is_error":true})");
}

BOOST_AUTO_TEST_CASE(configs_tool_choice_and_formats)
{
    gemini::request req{
        .model = "m",
        .input = gemini::content::image_uri("https://x.test/files/a", "image/png"),
        .tools = std::vector<gemini::tool>{gemini::google_search_tool{}, gemini::code_execution_tool{}},
        .generation_config = gemini::generation_config{.tool_choice = gemini::tool_choice_mode::auto_},
        .response_format = std::vector<gemini::output_format>{gemini::text_format{},
                                                              gemini::image_format{.aspect_ratio = "16:9"}},
        .safety_settings = std::vector<gemini::safety_setting>{{.type = gemini::harm_category::harassment,
                                                                .threshold = gemini::harm_threshold::block_none}},
        .service_tier = gemini::service_tier::priority,
        .labels = std::map<std::string, std::string>{{"k", "v"}},
    };
    check_json(req, R"({"model": "m", "input": {"type": "image", "uri": "https://x.test/files/a", "mime_type": "image/png"},
      "tools": [{"type": "google_search"}, {"type": "code_execution"}],
      "generation_config": {"tool_choice": "auto"},
      "response_format": [{"type": "text"}, {"type": "image", "aspect_ratio": "16:9"}],
      "safety_settings": [{"type": "harassment", "threshold": "block_none"}],
      "service_tier": "priority", "labels": {"k": "v"}})");

    gemini::generation_config restricted{
        .tool_choice = gemini::allowed_tools_choice{
            .allowed_tools = {.mode = gemini::tool_choice_mode::validated, .tools = std::vector<std::string>{"f"}}}};
    BOOST_TEST(json::serialize(json::value_from(restricted)) ==
               R"({"tool_choice":{"allowed_tools":{"mode":"validated","tools":["f"]}}})");
}

BOOST_AUTO_TEST_CASE(agent_request)
{
    gemini::request req{
        .agent = "deep-research-preview-04-2026",
        .input = "Research the history of the bicycle.",
        .agent_config = gemini::deep_research_config{.thinking_summaries = gemini::thinking_summaries::auto_,
                                                     .visualization = "off"},
        .background = true,
        .environment = gemini::environment_spec{"remote"},
    };
    check_json(req, R"({"agent": "deep-research-preview-04-2026", "input": "Research the history of the bicycle.",
      "agent_config": {"type": "deep-research", "thinking_summaries": "auto", "visualization": "off"},
      "background": true, "environment": "remote"})");
}

BOOST_AUTO_TEST_CASE(extra_fields_are_merged)
{
    gemini::request req{.model = "m", .input = "x", .extra = {{"future_flag", true}, {"store", false}}};
    req.store = true; // extra wins on a clash: it is the escape hatch for what the library gets wrong
    check_json(req, R"({"model": "m", "input": "x", "store": false, "future_flag": true})");
    json::value text = json::parse(gemini::to_json(req));
    BOOST_TEST(text.as_object().size() == 4u);
}

BOOST_AUTO_TEST_CASE(stateless_history)
{
    // Replay the previous turn, the model's steps (thought signature included) and a new turn.
    auto previous = gemini::parse_interaction(R"({"id": "v1_A", "status": "completed", "steps": [
        {"type": "thought", "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": "Hi!"}]}]})");
    gemini::input first_turn = "Hello";
    std::vector<gemini::step> history = first_turn.to_steps();
    history.insert(history.end(), previous.steps->begin(), previous.steps->end());
    history.push_back(gemini::step::user_text("And now?"));
    gemini::request req{.model = "m", .input = history, .store = false};
    check_json(req, R"({"model": "m", "store": false, "input": [
        {"type": "user_input", "content": [{"type": "text", "text": "Hello"}]},
        {"type": "thought", "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": "Hi!"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "And now?"}]}]})");
}

BOOST_AUTO_TEST_SUITE_END()
