// Limits on what a response can make the client hold: JSON nesting depth of unary bodies.
// (Body size, event size: fault_matrix and sse tests; docs/reliability.md, "Limits".)

#include "operation.hpp"

#include <boost/test/unit_test.hpp>

namespace {

gemini::detail::http_reply json_reply(std::string body)
{
    gemini::detail::http_reply r;
    r.info.status = 200;
    r.info.headers = {{"Content-Type", "application/json"}};
    r.body = std::move(body);
    return r;
}

std::string nested(std::size_t depth)
{
    return R"({"id":"v1_x","status":"completed","padding":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
}

} // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(json_nesting_beyond_256_levels_is_malformed)
{
    try
    {
        gemini::detail::decode_interaction(json_reply(nested(300)));
        BOOST_FAIL("a 300-level body was accepted");
    }
    catch (const gemini::error& e)
    {
        BOOST_TEST(e.code() == gemini::errc::malformed_response);
        BOOST_TEST(e.diag().library_message.find("not valid JSON") != std::string::npos, e.diag().library_message);
    }
}

BOOST_AUTO_TEST_CASE(json_nesting_within_the_limit_is_parsed)
{
    // 250 levels inside the object (251 with it): parsed, and the unknown member is kept aside.
    auto i = gemini::detail::decode_interaction(json_reply(nested(250)));
    BOOST_TEST(i.id == "v1_x");
}

BOOST_AUTO_TEST_SUITE_END()
