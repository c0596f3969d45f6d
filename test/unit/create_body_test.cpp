// The body of a create: plain requests (strings and booleans) are written without a DOM, and must
// give the JSON the general writer gives.
#include "create_body.hpp"

#include <gemini/error.hpp>
#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

namespace json = boost::json;
using gemini::detail::create_body;
using gemini::detail::create_body_generally;

namespace {

/// create_body and the general writer give the same JSON, with and without streaming.
void check_same_as_general(const gemini::request& req, const gemini::request_options& opts = {})
{
    for (const bool streaming : {false, true})
    {
        BOOST_TEST_CONTEXT("streaming " << streaming)
        {
            const std::string body = create_body(req, opts, streaming);
            BOOST_TEST(json::parse(body) == json::parse(create_body_generally(req, opts, streaming)));
        }
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(create_body_writer)

BOOST_AUTO_TEST_CASE(writes_a_plain_request_without_a_dom)
{
    const gemini::request req{.model = "gemini-3.5-flash", .input = "Hello"};
    BOOST_TEST(create_body(req, {}, false) == R"({"model":"gemini-3.5-flash","input":"Hello"})");
    BOOST_TEST(create_body(req, {}, true) == R"({"model":"gemini-3.5-flash","input":"Hello","stream":true})");
    check_same_as_general(req);
    check_same_as_general(gemini::request{.model = "m"});
}

BOOST_AUTO_TEST_CASE(writes_every_plain_member)
{
    gemini::request req{
        .agent = "deep-research",
        .input = "Compare the two",
        .system_instruction = "Be brief",
        .response_mime_type = "application/json",
        .previous_interaction_id = "v1_prev",
        .store = false,
        .background = true,
        .continuation_token = "ct_1",
        .service_tier = gemini::service_tier::flex,
        .cached_content = "cachedContents/x",
    };
    check_same_as_general(req);
    req.stream = false;   // create() accepts an explicit false; stream() sends true
    check_same_as_general(req);
    req.service_tier = "a tier not known here";
    check_same_as_general(req);
}

BOOST_AUTO_TEST_CASE(escapes_what_json_strings_cannot_hold)
{
    // Quotes, backslashes, every control character, DEL and text beyond ASCII (copied as is).
    std::string text = "say \"hi\" \\ back\\slash / \x7F caf\xC3\xA9 \xF0\x9F\x98\x80 ";
    for (char c = 0; c < 0x20; ++c)
        text += c;
    const gemini::request req{.model = "m", .input = text, .system_instruction = "\"\\\n"};
    check_same_as_general(req);
    const json::value parsed = json::parse(create_body(req, {}, false));
    BOOST_TEST(parsed.at("input").as_string() == text);
}

BOOST_AUTO_TEST_CASE(copies_bytes_that_are_not_utf8_as_the_general_writer_does)
{
    // Neither writer checks UTF-8 (the service refuses such a body): the bytes go out as given.
    const gemini::request req{.model = "m", .input = std::string("bad \xC3\x28 \xFF end")};
    BOOST_TEST(create_body(req, {}, false) == create_body_generally(req, {}, false));
    BOOST_TEST(create_body(req, {}, false).find("bad \xC3\x28 \xFF end") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(other_requests_take_the_general_writer)
{
    // Content blocks, tools, configuration, extra members, a call's extra body.
    check_same_as_general(gemini::request{.model = "m", .input = gemini::content::text("Hello")});
    gemini::request with_tools{.model = "m", .input = "Hi"};
    with_tools.tools.emplace().push_back(gemini::google_search_tool{});
    check_same_as_general(with_tools);
    gemini::request with_config{.model = "m", .input = "Hi"};
    with_config.generation_config.emplace().temperature = 0.5;
    check_same_as_general(with_config);
    gemini::request with_extra{.model = "m", .input = "Hi"};
    with_extra.extra["new_field"] = 3;
    check_same_as_general(with_extra);
    gemini::request_options opts;
    opts.extra_body["labels"] = json::object{{"team", "a"}};
    check_same_as_general(gemini::request{.model = "m", .input = "Hi"}, opts);
    // An extra body member replaces the request's own.
    opts.extra_body["input"] = "replaced";
    BOOST_TEST(json::parse(create_body(gemini::request{.model = "m", .input = "Hi"}, opts, false)).at("input") == "replaced");
}

BOOST_AUTO_TEST_CASE(refuses_what_the_api_would)
{
    BOOST_CHECK_THROW(create_body(gemini::request{.input = "Hi"}, {}, false), gemini::error);
    BOOST_CHECK_THROW(create_body(gemini::request{.model = "m", .agent = "a"}, {}, false), gemini::error);
    BOOST_CHECK_THROW(create_body(gemini::request{.model = "m", .stream = true}, {}, false), gemini::error);
}

BOOST_AUTO_TEST_SUITE_END()
