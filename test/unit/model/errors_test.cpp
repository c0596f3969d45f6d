// Malformed JSON is reported with the path of the offending value.
#include "model_test_util.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <limits>

using gemini::test::read_error;

BOOST_AUTO_TEST_SUITE(model_errors)

BOOST_AUTO_TEST_CASE(wrong_type_names_the_path)
{
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": "completed", "steps": [
        {"type": "thought"}, {"type": "user_input", "content": []},
        {"type": "model_output", "content": [{"type": "text", "text": 42}]}]})") ==
               "steps[2].content[0].text: expected string");
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": 3})") == "status: expected string");
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": "completed", "usage": {"total_tokens": "9"}})") ==
               "usage.total_tokens: expected integer");
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": "completed", "usage": {"total_tokens": 1.5}})") ==
               "usage.total_tokens: expected integer");
    BOOST_TEST(read_error<gemini::request>(R"({"model": "m", "store": "yes"})") == "store: expected boolean");
    BOOST_TEST(read_error<gemini::request>(R"({"model": "m", "tools": [{"type": "google_maps", "latitude": "north"}]})") ==
               "tools[0].latitude: expected number");
    BOOST_TEST(read_error<gemini::request>(R"({"model": "m", "labels": {"a": 1}})") == "labels.a: expected string");
    BOOST_TEST(read_error<gemini::request>(R"({"model": "m", "input": 5})") ==
               "input: expected string or object or array");
    BOOST_TEST(read_error<gemini::request>(R"({"model": "m", "generation_config": {"tool_choice": 1}})") ==
               "generation_config.tool_choice: expected string or object");
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": "completed", "steps": [
        {"type": "function_call", "id": "c", "name": "f", "arguments": "{}"}]})") ==
               "steps[0].arguments: expected object");
}

BOOST_AUTO_TEST_CASE(missing_discriminator)
{
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": "completed", "steps": [
        {"type": "thought"}, {"content": []}]})") == "steps[1].type: missing discriminator");
    BOOST_TEST(read_error<gemini::request>(R"({"input": [{"type": "user_input", "content": [{"text": "x"}]}]})") ==
               "input[0].content[0].type: missing discriminator");
    BOOST_TEST(read_error<gemini::tool>(R"({"name": "f"})") == "type: missing discriminator");
    BOOST_TEST(read_error<gemini::step>(R"({"type": 7})") == "type: expected string");
}

BOOST_AUTO_TEST_CASE(non_object_values)
{
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": "completed", "steps": [{"type": "thought"}, "x"]})") ==
               "steps[1]: expected object");
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": "completed", "steps": {}})") ==
               "steps: expected array");
    BOOST_TEST(read_error<gemini::interaction>(R"([])") == "(top level): expected object");
}

BOOST_AUTO_TEST_CASE(parse_interaction_errors)
{
    BOOST_CHECK_THROW(gemini::parse_interaction("{not json"), boost::system::system_error);
    BOOST_CHECK_THROW(gemini::parse_interaction(R"({"id": 1, "status": "completed"})"), std::invalid_argument);
}

// Boost.JSON reads a number beyond the range of a double as an infinity and would write it back
// as `Infinity`, which is not JSON: refused on the way in, wherever it sits (found by fuzzing).
BOOST_AUTO_TEST_CASE(numbers_beyond_double_are_refused)
{
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "status": "completed", "steps": [
        {"type": "function_call", "id": "c", "name": "f", "arguments": {"a": [1, -2e400]}}]})") ==
               "steps[0].arguments.a[1]: not a finite number");
    BOOST_TEST(read_error<gemini::interaction>(R"({"id": "i", "unknown": {"rate": 2e3999}})") ==
               "unknown.rate: not a finite number");
    BOOST_TEST(read_error<gemini::event>(R"({"event_type": "step.delta", "index": 0,
        "delta": {"type": "audio", "sample_rate": 1e309}})") == "delta.sample_rate: not a finite number");
    BOOST_CHECK_THROW(gemini::parse_interaction(R"({"id": "i", "x": 1e999})"), std::invalid_argument);
    BOOST_TEST(gemini::parse_interaction(R"({"id": "i", "x": 1.7976931348623157e308})").extra.contains("x"));
}

// The same numbers made by the caller: NaN and infinities have no JSON form.
BOOST_AUTO_TEST_CASE(requests_with_numbers_json_cannot_carry_are_refused)
{
    gemini::request r{.model = "m", .input = "x"};
    r.generation_config = gemini::generation_config{.temperature = std::numeric_limits<double>::quiet_NaN()};
    try
    {
        (void)gemini::to_json(r);
        BOOST_FAIL("to_json accepted NaN");
    }
    catch (const std::invalid_argument& e)
    {
        BOOST_TEST(std::string(e.what()) == "request.generation_config.temperature: not a finite number");
    }
    r.generation_config->temperature = 0.5;
    BOOST_TEST(!gemini::to_json(r).empty());
}

BOOST_AUTO_TEST_CASE(tolerated_input)
{
    // Missing members and nulls are not errors: servers omit what they do not know yet.
    auto it = gemini::parse_interaction(R"({"status": "queued", "model": null, "steps": [{"type": "model_output"}]})");
    BOOST_TEST(it.id.empty());
    BOOST_TEST(!it.model);
    BOOST_TEST(it.steps->at(0).get_if<gemini::model_output_step>()->content.empty());
}

BOOST_AUTO_TEST_SUITE_END()
