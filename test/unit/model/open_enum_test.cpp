// open_enum: known values map to the enumeration, others survive as strings.
#include "model_test_util.hpp"

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(model_open_enum)

BOOST_AUTO_TEST_CASE(known_and_unknown_values)
{
    gemini::open_enum<gemini::interaction_status> done = gemini::interaction_status::completed;
    BOOST_TEST(done.str() == "completed");
    BOOST_TEST((done == gemini::interaction_status::completed));
    BOOST_TEST(done.is_known());

    gemini::open_enum<gemini::interaction_status> parsed("requires_continuation");
    BOOST_TEST((parsed.known() == gemini::interaction_status::requires_continuation));

    gemini::open_enum<gemini::interaction_status> future("paused");
    BOOST_TEST((future.known() == gemini::interaction_status::unknown));
    BOOST_TEST(!future.is_known());
    BOOST_TEST(future.str() == "paused");
    BOOST_TEST((future == std::string_view("paused")));

    gemini::open_enum<gemini::interaction_status> empty;
    BOOST_TEST(empty.str().empty());
    BOOST_TEST((empty == gemini::interaction_status::unknown));
}

BOOST_AUTO_TEST_CASE(keyword_values)
{
    gemini::open_enum<gemini::tool_choice_mode> mode = gemini::tool_choice_mode::auto_;
    BOOST_TEST(mode.str() == "auto");
    BOOST_TEST((gemini::open_enum<gemini::thinking_summaries>("auto") == gemini::thinking_summaries::auto_));
    BOOST_TEST((gemini::open_enum<gemini::thinking_summaries>("auto_") == gemini::thinking_summaries::unknown));
    BOOST_TEST(gemini::open_enum<gemini::harm_threshold>::to_wire(gemini::harm_threshold::unknown).empty());
}

BOOST_AUTO_TEST_CASE(unknown_strings_round_trip)
{
    gemini::test::check_round_trip<gemini::interaction>(R"({"id": "i", "status": "hibernating", "service_tier": "economy",
        "usage": {"input_tokens_by_modality": [{"modality": "smell", "tokens": 1}]}})");
    gemini::test::check_round_trip<gemini::request>(R"({"model": "m", "generation_config": {"thinking_level": "extreme",
        "tool_choice": "sometimes"}, "safety_settings": [{"type": "harm_new", "threshold": "block_most", "method": "vibes"}]})");
    auto it = gemini::parse_interaction(R"({"id": "i", "status": "hibernating"})");
    BOOST_TEST((it.status == gemini::interaction_status::unknown));
    BOOST_TEST(it.status.str() == "hibernating");
}

BOOST_AUTO_TEST_SUITE_END()
