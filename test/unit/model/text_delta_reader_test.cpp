// The DOM-free reader of text deltas: it accepts exactly the common shape and gives the same
// event as the general conversion, and declines everything else (valid or not) so that the
// general path decides.
#include "model/text_delta_reader.hpp"
#include "model_test_util.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace json = boost::json;
using gemini::detail::to_event;

namespace {

/// The stream's reader, in owning form: nullopt when it declines.
std::optional<gemini::detail::text_delta_fields> read_text_delta(std::string_view text)
{
    std::string decoded;
    return gemini::detail::to_fields(gemini::detail::read_text_delta(text, decoded));
}

/// The general path's event for the same text, written back as JSON.
json::value general(std::string_view text)
{
    return json::value_from(gemini::parse_event(text));
}

void check_same_as_general(std::string_view text)
{
    BOOST_TEST_CONTEXT(text)
    {
        auto quick = read_text_delta(text);
        BOOST_REQUIRE(quick);
        const gemini::event e = to_event(std::move(*quick));
        BOOST_TEST(e.is<gemini::text_delta_event>());
        BOOST_TEST(json::value_from(e) == general(text));
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(model_text_delta_reader)

BOOST_AUTO_TEST_CASE(reads_the_common_shape)
{
    auto fields = read_text_delta(R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_7","event_type":"step.delta"})");
    BOOST_REQUIRE(fields);
    BOOST_TEST(fields->text == "Hello");
    BOOST_TEST(*fields->index == 1);
    BOOST_TEST(*fields->event_id == "evt_7");
    const gemini::event e = to_event(std::move(*fields));
    BOOST_TEST(e.get_if<gemini::text_delta_event>()->text == "Hello");
    BOOST_TEST(e.get_if<gemini::text_delta_event>()->extra.empty());
    BOOST_TEST(*e.index == 1);
    BOOST_TEST(*e.event_id == "evt_7");
    BOOST_TEST(e.payload_extra.empty());
    BOOST_TEST(e.event_type() == "step.delta");
    BOOST_TEST(e.delta_type() == "text");
}

BOOST_AUTO_TEST_CASE(agrees_with_the_general_path)
{
    check_same_as_general(R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_7","event_type":"step.delta"})");
    // Any member order, no index or event id, escapes, empty and long text, whitespace.
    check_same_as_general(R"({"event_type":"step.delta","delta":{"text":"a","type":"text"}})");
    check_same_as_general(R"( { "delta" : { "type" : "text" , "text" : "" } , "event_type" : "step.delta" , "index" : -3 } )");
    check_same_as_general(R"({"delta":{"type":"text","text":"tab\tquote\" uni\u00e9 \ud83d\ude00 nl\n"},"event_type":"step.delta","index":0})");
    check_same_as_general(R"({"delta":{"type":"te\u0078t","text":"x"},"event_typ\u0065":"step.delta"})");
    check_same_as_general(R"({"delta":{"type":"text","text":")" + std::string(100000, 'w') + R"("},"event_type":"step.delta"})");
}

BOOST_AUTO_TEST_CASE(copies_only_what_it_must_decode)
{
    // A plain delta is views into the text (the stream folds it without a copy); a text with
    // escapes or bytes above 0x7F is decoded into the caller's buffer, which a stream keeps
    // from one event to the next; only what the scan is unsure of comes back in owned strings.
    using gemini::detail::plain_text_delta;
    std::string decoded;
    const std::string_view plain_text = R"({"delta":{"type":"text","text":"Hi"},"event_type":"step.delta","event_id":"e1"})";
    const auto plain = gemini::detail::read_text_delta(plain_text, decoded);
    const auto* view = std::get_if<plain_text_delta>(&plain);
    BOOST_REQUIRE(view);
    BOOST_TEST(view->text == "Hi");
    BOOST_TEST((view->text.data() >= plain_text.data() && view->text.data() < plain_text.data() + plain_text.size()));
    BOOST_TEST(*view->event_id == "e1");

    // In the service's member order and in any other.
    for (std::string_view escaped : {
             R"({"index":0,"delta":{"type":"text","text":"a\nb \u00e9 \"é€😀"},"event_id":"e2","event_type":"step.delta"})",
             R"({"delta":{"text":"a\nb \u00e9 \"é€😀","type":"text"},"event_type":"step.delta","index":0,"event_id":"e2"})"})
    {
        BOOST_TEST_CONTEXT(escaped)
        {
            const auto read = gemini::detail::read_text_delta(escaped, decoded);
            const auto* in_buffer = std::get_if<plain_text_delta>(&read);
            BOOST_REQUIRE(in_buffer);
            BOOST_TEST(in_buffer->text == "a\nb \xc3\xa9 \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
            BOOST_TEST(in_buffer->text.data() == decoded.data());
            BOOST_TEST(*in_buffer->event_id == "e2");
            BOOST_TEST(*in_buffer->index == 0);
            check_same_as_general(escaped);
        }
    }

    // The service's order up to the decoded text, then another tail: the scan starts over in
    // its general form and decodes the text again.
    const std::string_view reordered = R"({"index":0,"delta":{"type":"text","text":"a\nb"},"event_type":"step.delta","event_id":"e2"})";
    const auto again = gemini::detail::read_text_delta(reordered, decoded);
    const auto* restarted = std::get_if<plain_text_delta>(&again);
    BOOST_REQUIRE(restarted);
    BOOST_TEST(restarted->text == "a\nb");
    BOOST_TEST(restarted->text.data() == decoded.data());
    check_same_as_general(reordered);
    BOOST_TEST(std::holds_alternative<std::monostate>(gemini::detail::read_text_delta(
        R"({"index":0,"delta":{"type":"text","text":"a\nb"},"event_id":"e2","event_type":"step.delta","x":1})", decoded)));

    // An escaped surrogate pair is the tokenizer's to read.
    const auto paired = gemini::detail::read_text_delta(R"({"delta":{"type":"text","text":"\ud83d\ude00"},"event_type":"step.delta"})", decoded);
    const auto* fields = std::get_if<gemini::detail::text_delta_fields>(&paired);
    BOOST_REQUIRE(fields);
    BOOST_TEST(fields->text == "\xf0\x9f\x98\x80");

    BOOST_TEST(std::holds_alternative<std::monostate>(gemini::detail::read_text_delta(R"({"event_type":"step.start"})", decoded)));
}

BOOST_AUTO_TEST_CASE(the_services_own_member_order_and_its_near_misses)
{
    // The order the service writes (spec 11, transcript) is matched by compares alone; every
    // departure from it must still read as the general path reads it, or be declined as it is.
    const std::string canonical = R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_2","event_type":"step.delta"})";
    check_same_as_general(canonical);
    check_same_as_general(R"({"index":0,"delta":{"type":"text","text":""},"event_id":"","event_type":"step.delta"})");
    check_same_as_general(R"({"index":-7,"delta":{"type":"text","text":"a b"},"event_id":"e","event_type":"step.delta"})");
    check_same_as_general(R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_type":"step.delta"})");
    check_same_as_general(R"({"index":1,"delta":{"type":"text","text":"He\"llo"},"event_id":"evt_2","event_type":"step.delta"})");
    check_same_as_general("{\"index\":1,\"delta\":{\"type\":\"text\",\"text\":\"caf\xc3\xa9\"},\"event_id\":\"evt_2\",\"event_type\":\"step.delta\"}");
    check_same_as_general(canonical + " ");
    check_same_as_general(R"({"index": 1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_2","event_type":"step.delta"})");
    check_same_as_general(R"({"index":1,"delta":{"text":"Hello","type":"text"},"event_id":"evt_2","event_type":"step.delta"})");
    const std::string_view declined[] = {
        R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_2","event_type":"step.deltas"})",
        R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_2","event_type":"step.delta","x":1})",
        R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":7,"event_type":"step.delta"})",
        R"({"index":1.5,"delta":{"type":"text","text":"Hello"},"event_id":"evt_2","event_type":"step.delta"})",
        R"({"index":01,"delta":{"type":"text","text":"Hello"},"event_id":"evt_2","event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_2","event_type":"step.delta"}})",
        R"({"index":1,"delta":{"type":"text","text":"Hello"},"event_id":"evt_2","event_type":"step.delta")",
        R"({"index":1,"delta":{"type":"thought_signature","signature":"c2ln"},"event_id":"evt_2","event_type":"step.delta"})",
    };
    for (std::string_view text : declined)
        BOOST_TEST(!read_text_delta(text), text);
}

BOOST_AUTO_TEST_CASE(the_plain_scan_hands_what_it_is_unsure_of_to_the_parser)
{
    // The scan takes plain ASCII strings and integers; at its edges (UTF-8, escapes, integers
    // that are not plain, the widest int64) the parser reads the same shapes, and the result
    // must not depend on which of them did.
    check_same_as_general(R"({"delta":{"type":"text","text":"café ok"},"event_type":"step.delta"})");
    check_same_as_general("{\"delta\":{\"type\":\"text\",\"text\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"},\"event_type\":\"step.delta\"}");
    check_same_as_general(R"({"delta":{"type":"text","text":"\/\\"},"event_type":"step.delta","event_id":"e\"1"})");
    check_same_as_general(R"({"delta":{"type":"text","text":"del "},"event_type":"step.delta","index":0})");
    check_same_as_general(R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta","index":999999999999999999})");
    check_same_as_general(R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta","index":9223372036854775807})");
    check_same_as_general(R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta","index":-9223372036854775808})");
    check_same_as_general("\t\r\n{\"delta\":{\"type\":\"text\",\"text\":\"a\"},\"event_type\":\"step.delta\"}\n");
    const std::string_view invalid[] = {
        R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta","index":01})",
        R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta","index":-})",
        R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta","index":1e2})",
        R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta","index":9223372036854775808})",
        "{\"delta\":{\"type\":\"text\",\"text\":\"a\x01\"},\"event_type\":\"step.delta\"}",
        "{\"delta\":{\"type\":\"text\",\"text\":\"\xc3\"},\"event_type\":\"step.delta\"}",
        R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta"}x)",
        R"({"delta":{"type":"text","text":"a"}"event_type":"step.delta"})",
        R"({"delta":{"type":"text","text":"a},"event_type":"step.delta"})",
    };
    for (std::string_view text : invalid)
        BOOST_TEST(!read_text_delta(text), text);
}

BOOST_AUTO_TEST_CASE(declines_every_other_shape)
{
    const std::string_view others[] = {
        // Valid events the general path reads into something richer or different.
        R"({"index":1,"delta":{"type":"text","text":"a"},"metadata":{"total_usage":{}},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"text","text":"a","annotations":[]},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"image","data":"AAAA","mime_type":"image/png"},"event_type":"step.delta"})",
        R"({"index":1,"delta":{"type":"thought_signature","signature":"c2ln"},"event_type":"step.delta"})",
        R"({"index":1,"event_type":"step.stop"})",
        R"({"interaction_id":"v1_S1","status":"in_progress","event_type":"interaction.status_update"})",
        // Repeated members: which one counts is the general path's business.
        R"({"index":1,"delta":{"type":"text","text":"a","text":"b"},"event_type":"step.delta"})",
        R"({"event_type":"step.delta","delta":{"type":"text","text":"a"},"event_type":"step.delta"})",
        // Wrong types and incomplete payloads: errors come from the general path.
        R"({"index":"1","delta":{"type":"text","text":"a"},"event_type":"step.delta"})",
        R"({"index":1.5,"delta":{"type":"text","text":"a"},"event_type":"step.delta"})",
        R"({"index":18446744073709551615,"delta":{"type":"text","text":"a"},"event_type":"step.delta"})",
        R"({"event_id":7,"delta":{"type":"text","text":"a"},"event_type":"step.delta"})",
        R"({"delta":{"type":"text","text":null},"event_type":"step.delta"})",
        R"({"delta":{"type":"text","text":["a"]},"event_type":"step.delta"})",
        R"({"delta":{"type":"text","text":{"a":1}},"event_type":"step.delta"})",
        R"({"delta":"text","event_type":"step.delta"})",
        R"({"delta":{"type":"text"},"event_type":"step.delta"})",
        R"({"delta":{"text":"a"},"event_type":"step.delta"})",
        R"({"delta":{"type":"text","text":"a"}})",
        R"({"event_type":"step.delta"})",
        R"([{"delta":{"type":"text","text":"a"},"event_type":"step.delta"}])",
        // Not JSON, or more than one document.
        R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta")",
        R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta"} {})",
        R"({"delta":{"type":"text","text":"a"},"event_type":"step.delta",})",
        "",
        "[DONE]",
    };
    for (std::string_view text : others)
        BOOST_TEST(!read_text_delta(text), text);
}

BOOST_AUTO_TEST_CASE(the_spec_transcript_reads_the_same_either_way)
{
    // Through a stream, every event is offered to the reader first: the text deltas of the
    // spec's transcript must come out as the general path reads them, the rest declined.
    std::size_t quick = 0;
    for (std::string_view line : gemini::test::spec_text_events)
    {
        if (auto fields = read_text_delta(line))
        {
            ++quick;
            BOOST_TEST(json::value_from(to_event(std::move(*fields))) == general(line));
        }
        else
            BOOST_TEST(gemini::parse_event(line).delta_type() != "text", line);
    }
    BOOST_TEST(quick == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
