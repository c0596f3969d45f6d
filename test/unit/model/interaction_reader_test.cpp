// The DOM-free reader of interactions: it accepts the common shape and gives the same interaction
// as the general conversion, and declines everything else (valid or not) so that the general
// path decides.
#include "model/interaction_reader.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

namespace json = boost::json;
using gemini::detail::read_common_interaction;

namespace {

/// What the emulator answers to a create: the shape the reader is for.
constexpr std::string_view emulator_answer =
    R"({"id":"v1_ZW11bGF0b3I6OTY5OWY3MzY6MQ","object":"interaction","model":"gemini-3.5-flash",)"
    R"("status":"completed","created":"2026-12-03T06:02:10Z","updated":"2026-12-03T06:02:10Z",)"
    R"("steps":[{"type":"thought","signature":"ZW11bGF0b3ItdGhvdWdodDowOGFmMDRmYjox"},)"
    R"({"type":"model_output","content":[{"type":"text","text":"Turn 1. You said: question 17"}]}],)"
    R"("usage":{"total_input_tokens":2,"total_output_tokens":9,"total_thought_tokens":4,)"
    R"("total_cached_tokens":0,"total_tool_use_tokens":0,"total_tokens":15,)"
    R"("input_tokens_by_modality":[{"modality":"text","tokens":2}],)"
    R"("output_tokens_by_modality":[{"modality":"text","tokens":9}]}})";

// Valid interactions that the general path reads: members the reader has no place for (they go
// to `extra` or to other types there), other step and block types, the type of a step or block
// after its other members, JSON values of other kinds.
constexpr std::string_view outside_the_shape[] = {
    R"({"id":"v1","system_instruction":"be brief"})",
    R"({"id":"v1","errors":[{"code":3,"message":"m"}]})",
    R"({"id":"v1","input":"hello"})",
    R"({"id":"v1","steps":[{"type":"function_call","id":"c","name":"f","arguments":{}}]})",
    R"({"id":"v1","steps":[{"type":"mystery_step"}]})",
    R"({"id":"v1","steps":[{"signature":"s","type":"thought"}]})",
    R"({"id":"v1","steps":[{"type":"thought","extra_member":1}]})",
    R"({"id":"v1","steps":[{"type":"model_output","content":[{"type":"image","data":"AA=="}]}]})",
    R"({"id":"v1","steps":[{"type":"model_output","content":[{"text":"a","type":"text"}]}]})",
    R"({"id":"v1","steps":[{"type":"model_output","content":[{"type":"text","text":"a","annotations":[]}]}]})",
    R"({"id":"v1","steps":[{"type":"model_output","content":[],"error":{"code":5}}]})",
    R"({"id":"v1","usage":{"total_tokens":1.0}})",
    R"({"id":"v1","usage":{"grounding_tool_count":[]}})",
    R"({"id":"v1","usage":{"input_tokens_by_modality":[{"modality":"text","tokens":1,"new":true}]}})",
    R"({"id":"v1","model":null})",
    R"({"id":"v1","steps":null})",
};

// Malformed JSON, other kinds of value at the top, a step without a type, a wrong kind of value
// for a member, and a key given twice: the general path reports each one.
constexpr std::string_view refused_by_the_general_path[] = {
    R"({"id":"v1")",
    R"({"id":"v1"} trailing)",
    R"({"id":"v1",})",
    R"([{"id":"v1"}])",
    R"("v1")",
    R"({"id":"v1","steps":[{}]})",
    R"({"id":"v1","steps":[{"type":"model_output","content":[{}]}]})",
    R"({"id":5})",
    R"({"id":"v1","steps":{}})",
    R"({"id":"v1","usage":{"total_tokens":"3"}})",
    R"({"id":"v1","usage":{"total_tokens":18446744073709551615}})",
    R"({"id":"v1","status":"completed","status":"failed"})",
    "{\"id\":\"\xC3\x28\"}",
};

/// The general path's interaction for the same text, written back as JSON.
json::value interaction_by_general_path(std::string_view text)
{
    return json::value_from(json::value_to<gemini::interaction>(json::parse(text)));
}

/// Reads `text` with the reader, which must accept it, and checks it against the general path.
gemini::interaction read_as_general(std::string_view text)
{
    gemini::interaction quick;
    BOOST_TEST_CONTEXT(text)
    {
        BOOST_REQUIRE(read_common_interaction(text, quick));
        BOOST_TEST(json::value_from(quick) == interaction_by_general_path(text));
    }
    return quick;
}

} // namespace

BOOST_AUTO_TEST_SUITE(model_interaction_reader)

BOOST_AUTO_TEST_CASE(reads_the_emulators_answer)
{
    const gemini::interaction i = read_as_general(emulator_answer);
    BOOST_TEST(i.id == "v1_ZW11bGF0b3I6OTY5OWY3MzY6MQ");
    BOOST_TEST((i.status == gemini::interaction_status::completed));
    BOOST_TEST(*i.model == "gemini-3.5-flash");
    BOOST_TEST(*i.created == "2026-12-03T06:02:10Z");
    BOOST_REQUIRE(i.steps);
    BOOST_REQUIRE(i.steps->size() == 2u);
    BOOST_TEST(*(*i.steps)[0].get_if<gemini::thought_step>()->signature == "ZW11bGF0b3ItdGhvdWdodDowOGFmMDRmYjox");
    BOOST_TEST(i.output_text() == "Turn 1. You said: question 17");
    BOOST_REQUIRE(i.usage);
    BOOST_TEST(*i.usage->total_tokens == 15);
    BOOST_TEST(*i.usage->total_cached_tokens == 0);
    BOOST_TEST(!i.usage->initial_input_tokens);
    BOOST_REQUIRE(i.usage->output_tokens_by_modality);
    BOOST_TEST(((*i.usage->output_tokens_by_modality)[0].modality->known() == gemini::modality::text));
    BOOST_TEST(*(*i.usage->output_tokens_by_modality)[0].tokens == 9);
    BOOST_TEST(i.extra.empty());
}

BOOST_AUTO_TEST_CASE(reads_every_member_of_the_shape)
{
    // Members in another order than the service's, white space, escapes (which the tokenizer
    // hands over in parts), text beyond ASCII, values it does not know for open enums, negative
    // and large counts, empty lists, thought summaries.
    const gemini::interaction i = read_as_general(R"( {
        "usage": {"tool_use_tokens_by_modality": [], "initial_input_tokens": 9223372036854775807,
                  "total_tokens": -1, "cached_tokens_by_modality": [{"tokens": 3, "modality": "hologram"}]},
        "continuation_token": "ct\"1\\", "environment_id": "env", "agent": "deep-research",
        "service_tier": "flex", "previous_interaction_id": "v1_prev", "status": "shiny_new_status",
        "steps": [
            {"type": "model_output", "content": []},
            {"type": "thought", "summary": [{"type": "text", "text": "Th\u00e9 \ud83d\ude00"}], "signature": "s"},
            {"type": "model_output", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b\nc"}]}
        ],
        "id": "v1_\u0041"} )");
    BOOST_TEST(i.id == "v1_A");
    BOOST_TEST(*i.continuation_token == "ct\"1\\");
    BOOST_TEST(i.status.str() == "shiny_new_status");
    BOOST_TEST(!i.status.is_known());
    BOOST_TEST((i.service_tier->known() == gemini::service_tier::flex));
    BOOST_TEST(*i.usage->initial_input_tokens == 9223372036854775807);
    BOOST_TEST(i.output_text() == "ab\nc");
    BOOST_TEST(i.usage->tool_use_tokens_by_modality->empty());
    const auto* thought = (*i.steps)[1].get_if<gemini::thought_step>();
    BOOST_REQUIRE(thought);
    BOOST_TEST(*(*thought->summary)[0].text_if() == "Th\xC3\xA9 \xF0\x9F\x98\x80");
}

BOOST_AUTO_TEST_CASE(reads_an_empty_interaction)
{
    const gemini::interaction i = read_as_general("{}");
    BOOST_TEST(i.id.empty());
    BOOST_TEST(!i.steps);
    BOOST_TEST(!i.usage);
}

BOOST_AUTO_TEST_CASE(declines_what_is_outside_the_shape)
{
    for (std::string_view text : outside_the_shape)
    {
        BOOST_TEST_CONTEXT(text)
        {
            gemini::interaction quick;
            BOOST_TEST(!read_common_interaction(text, quick));
            // The public entry point falls back to the general path and loses nothing.
            BOOST_TEST(json::value_from(gemini::parse_interaction(text)) == interaction_by_general_path(text));
        }
    }
}

BOOST_AUTO_TEST_CASE(declines_what_the_general_path_refuses)
{
    for (std::string_view text : refused_by_the_general_path)
    {
        BOOST_TEST_CONTEXT(text)
        {
            gemini::interaction quick;
            BOOST_TEST(!read_common_interaction(text, quick));
        }
    }
    // The key given twice is the one of these that Boost.JSON parses: which of the two the
    // general path keeps is its decision, and parse_interaction still makes it.
    const std::string_view twice = R"({"id":"v1","status":"completed","status":"failed"})";
    BOOST_TEST(json::value_from(gemini::parse_interaction(twice)) == interaction_by_general_path(twice));
}

BOOST_AUTO_TEST_CASE(the_plain_scan_agrees_with_the_tokenizer)
{
    using gemini::detail::plain_scan;
    // The scan reads the plain form without a tokenizer: the service's answers.
    gemini::interaction scanned;
    BOOST_TEST((gemini::detail::scan_common_interaction(emulator_answer, scanned) == plain_scan::accepted));
    BOOST_TEST(json::value_from(scanned) == interaction_by_general_path(emulator_answer));

    // Escapes and UTF-8 are decoded by the scan itself: a model's text often holds them.
    const std::string_view escaped =
        "{\"id\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC|caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\"}";
    gemini::interaction decoded;
    BOOST_TEST((gemini::detail::scan_common_interaction(escaped, decoded) == plain_scan::accepted));
    BOOST_TEST(decoded.id == "a\"b\\c/d\b\f\n\r\tA\xC3\xA9\xE2\x82\xAC|caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");

    // What it is unsure of goes to the tokenizer: escaped surrogates, malformed escapes and
    // UTF-8, control characters, escapes in keys, numbers that are not plain integers, literals,
    // malformed text.
    const std::string_view not_plain[] = {
        R"({"id":"\ud83d\ude00"})",
        R"({"id":"\udc00"})",
        R"({"id":"\x"})",
        R"({"id":"\u00g0"})",
        R"({"id":"\u00e)",
        "{\"id\":\"\xC3\x28\"}",
        "{\"id\":\"\xC0\xAF\"}",
        "{\"id\":\"\xE0\x80\xAF\"}",
        "{\"id\":\"\xED\xA0\x80\"}",
        "{\"id\":\"\xF4\x90\x80\x80\"}",
        "{\"id\":\"\xF0\x9F\x98\"}",
        "{\"id\":\"tab\tinside\"}",
        R"({"i\u0064":"v1"})",
        R"({"usage":{"total_tokens":-0}})",
        R"({"usage":{"total_tokens":1e2}})",
        R"({"usage":{"total_tokens":1234567890123456789}})",
        R"({"model":null})",
        R"({"id":"v1")",
        R"({"id":"v1",})",
        R"({"id":"v1"} x)",
        R"({"id" "v1"})",
        R"({"usage":{"total_tokens":01}})",
    };
    for (std::string_view text : not_plain)
    {
        BOOST_TEST_CONTEXT(text)
        {
            gemini::interaction partial;
            BOOST_TEST((gemini::detail::scan_common_interaction(text, partial) == plain_scan::unsure));
        }
    }

    // Where the scan is sure, the tokenizer says the same, and reads the same interaction.
    int sure = 0;
    const auto compare = [&](std::string_view text) {
        BOOST_TEST_CONTEXT(text)
        {
            gemini::interaction by_scan, by_tokenizer;
            const plain_scan scan = gemini::detail::scan_common_interaction(text, by_scan);
            const bool read = gemini::detail::read_common_interaction_with_tokenizer(text, by_tokenizer);
            if (scan == plain_scan::unsure)
                return;
            ++sure;
            BOOST_TEST(read == (scan == plain_scan::accepted));
            if (read)
                BOOST_TEST(json::value_from(by_scan) == json::value_from(by_tokenizer));
        }
    };
    compare(emulator_answer);
    compare(escaped);
    for (std::string_view text : outside_the_shape)
        compare(text);
    for (std::string_view text : refused_by_the_general_path)
        compare(text);
    for (std::string_view text : not_plain)
        compare(text);
    BOOST_TEST(sure >= 20);
}

BOOST_AUTO_TEST_SUITE_END()
