// The DOM-free reader of media deltas (a streamed image is megabytes of base64 in one event): it
// accepts exactly the common shape and gives the same event as the general conversion, and
// declines everything else (valid or not) so that the general path decides.
#include "model/media_delta_reader.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

namespace json = boost::json;
using gemini::detail::read_media_delta;

BOOST_AUTO_TEST_SUITE(model_media_delta_reader)

BOOST_AUTO_TEST_CASE(reads_the_common_shapes_as_the_general_path_does)
{
    const std::string big(100'000, 'Q');
    const std::string texts[] = {
        R"({"index":0,"delta":{"type":"image","mime_type":"image/png","data":")" + big + R"("},"event_id":"evt_3","event_type":"step.delta"})",
        // Members in any order, an escaped slash in the data, no event id.
        R"({"event_type":"step.delta","delta":{"data":"AAEC\/w==","type":"audio","mime_type":"audio/l16"},"index":2})",
        R"({"index":1,"delta":{"type":"document","uri":"files/abc","mime_type":"application/pdf"},"event_type":"step.delta"})",
        R"({"delta":{"type":"video","uri":"files/v"},"event_type":"step.delta"})",
        R"( {"index":-4,"delta":{"type":"image","data":""},"event_id":"e\u0031","event_type":"step.delta"} )",
    };
    for (const std::string& text : texts)
        BOOST_TEST_CONTEXT(text.substr(0, 120))
        {
            const auto quick = read_media_delta(text);
            BOOST_REQUIRE(quick);
            BOOST_TEST(json::value_from(*quick) == json::value_from(gemini::parse_event(text)));
        }
    const auto image = read_media_delta(texts[0]);
    BOOST_REQUIRE(image->is<gemini::image_delta_event>());
    BOOST_TEST(image->get_if<gemini::image_delta_event>()->data.value_or("") == big);
    BOOST_TEST(image->event_id.value_or("") == "evt_3");
    BOOST_TEST(image->index.value_or(-1) == 0);
    const auto audio = read_media_delta(texts[1]);
    BOOST_TEST(audio->get_if<gemini::audio_delta_event>()->data.value_or("") == "AAEC/w==");
    BOOST_TEST(!audio->event_id);
}

BOOST_AUTO_TEST_CASE(declines_everything_else)
{
    for (std::string_view text : {
             // Members the shape has no place for (the general path keeps them).
             R"({"index":0,"delta":{"type":"image","data":"AA==","resolution":"high"},"event_type":"step.delta"})",
             R"({"index":0,"delta":{"type":"audio","data":"AA==","sample_rate":24000},"event_type":"step.delta"})",
             R"({"index":0,"delta":{"type":"image","data":"AA=="},"event_type":"step.delta","extra":1})",
             // Other delta and event types, values of other kinds, repeated members.
             R"({"index":0,"delta":{"type":"text","text":"hi"},"event_type":"step.delta"})",
             R"({"index":0,"delta":{"type":"thought_signature","signature":"c2ln"},"event_type":"step.delta"})",
             R"({"index":0,"delta":{"type":"image","data":"AA=="},"event_type":"step.start"})",
             R"({"index":0,"delta":{"type":"image","data":5},"event_type":"step.delta"})",
             R"({"index":"0","delta":{"type":"image","data":"AA=="},"event_type":"step.delta"})",
             R"({"index":1.0,"delta":{"type":"image","data":"AA=="},"event_type":"step.delta"})",
             R"({"index":18446744073709551615,"delta":{"type":"image"},"event_type":"step.delta"})",
             R"({"index":0,"delta":{"type":"image","data":"AA==","data":"AB=="},"event_type":"step.delta"})",
             R"({"index":0,"delta":{"type":"image","data":{"x":1}},"event_type":"step.delta"})",
             R"({"index":0,"delta":"image","event_type":"step.delta"})",
             // Missing members, malformed JSON, trailing bytes.
             R"({"index":0,"delta":{"data":"AA=="},"event_type":"step.delta"})",
             R"({"index":0,"delta":{"type":"image","data":"AA=="}})",
             R"({"index":0,"delta":{"type":"image","data":"AA=="},"event_type":"step.delta")",
             R"({"index":0,"delta":{"type":"image","data":"AA=="},"event_type":"step.delta"} x)",
             "[]",
             ""})
        BOOST_TEST(!read_media_delta(text), text);
}

BOOST_AUTO_TEST_SUITE_END()
