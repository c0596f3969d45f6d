#include "api_error_body.hpp"

#include <boost/test/unit_test.hpp>

using gemini::detail::diagnose_api_error;

namespace {

gemini::response_info with_status(unsigned status, std::vector<std::pair<std::string, std::string>> headers = {})
{
    return gemini::response_info{status, std::move(headers)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(api_error_body)

BOOST_AUTO_TEST_CASE(flat_string_code)
{
    auto d = diagnose_api_error(with_status(400),
                                R"({"error":{"code":"invalid_request","message":"Field 'input' must not be empty."}})");
    BOOST_TEST(d.http_status == 400u);
    BOOST_TEST(d.api_code == "invalid_request");
    BOOST_TEST(d.api_message == "Field 'input' must not be empty.");
    BOOST_TEST(!d.rpc_code.has_value());
    BOOST_TEST(d.details.is_null());
}

BOOST_AUTO_TEST_CASE(google_rpc_status_with_retry_info)
{
    auto d = diagnose_api_error(
        with_status(429),
        R"({"error":{"code":429,"message":"Quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"42s"}]}})");
    BOOST_TEST(d.rpc_code.value_or(0) == 429);
    BOOST_TEST(d.api_status == "RESOURCE_EXHAUSTED");
    BOOST_TEST(d.api_code == "RESOURCE_EXHAUSTED");
    BOOST_REQUIRE(d.retry_after.has_value());
    BOOST_TEST(d.retry_after->count() == 42000);
}

BOOST_AUTO_TEST_CASE(retry_hints_in_headers_take_precedence_in_order)
{
    auto both = diagnose_api_error(with_status(503, {{"Retry-After", "7"}, {"retry-after-ms", "250"}}), "{}");
    BOOST_TEST(both.retry_after->count() == 250);
    auto seconds = diagnose_api_error(with_status(503, {{"Retry-After", "7"}}), "{}");
    BOOST_TEST(seconds.retry_after->count() == 7000);
    auto date = diagnose_api_error(with_status(503, {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}), "{}");
    BOOST_REQUIRE(date.retry_after.has_value());
    BOOST_TEST(date.retry_after->count() == 0);   // in the past: retry now
    auto junk = diagnose_api_error(with_status(503, {{"Retry-After", "soon"}}), "{}");
    BOOST_TEST(!junk.retry_after.has_value());
}

BOOST_AUTO_TEST_CASE(non_json_bodies_are_described_not_thrown)
{
    auto d = diagnose_api_error(with_status(502), "<html>Bad Gateway</html>");
    BOOST_TEST(d.http_status == 502u);
    BOOST_TEST(d.api_code.empty());
    BOOST_TEST(d.api_message == "<html>Bad Gateway</html>");
    BOOST_TEST(!d.library_message.empty());
}

BOOST_AUTO_TEST_CASE(a_non_json_bodys_excerpt_is_valid_utf8)
{
    // A 200-byte cut through a two-byte character, and a page in Latin-1: the excerpt went into
    // JSON as it was, and a JSON reader refused the whole document (gemini-batch's results).
    const std::string cut = std::string(199, 'a') + "\xC3\xA9 more";
    auto d = diagnose_api_error(with_status(502), cut);
    BOOST_TEST(d.api_message == std::string(199, 'a'));
    auto latin1 = diagnose_api_error(with_status(502), "<p>caf\xE9 \xFF\xC0\xAF \xED\xA0\x80 ok</p>");
    BOOST_TEST(latin1.api_message == "<p>caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
                                     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ok</p>");
    const std::string valid = "\xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9";
    BOOST_TEST(diagnose_api_error(with_status(502), valid).api_message == valid);
}

BOOST_AUTO_TEST_CASE(status_classes)
{
    using gemini::errc;
    using gemini::detail::errc_for_status;
    BOOST_TEST((errc_for_status(400) == errc::bad_request));
    BOOST_TEST((errc_for_status(404) == errc::not_found));
    BOOST_TEST((errc_for_status(429) == errc::rate_limited));
    BOOST_TEST((errc_for_status(501) == errc::server_error));
    BOOST_TEST((errc_for_status(418) == errc::api_error));
}

BOOST_AUTO_TEST_CASE(error_text_has_what_happened_and_no_secrets)
{
    gemini::diagnostics d;
    d.operation = "get";
    d.interaction_id = "v1_abc";
    d.http_status = 404;
    d.api_code = "not_found";
    d.api_message = "Interaction not found.";
    gemini::error e(make_error_code(gemini::errc::not_found), d);
    const std::string what = e.what();
    BOOST_TEST(what.find("get") != std::string::npos);
    BOOST_TEST(what.find("v1_abc") != std::string::npos);
    BOOST_TEST(what.find("404") != std::string::npos);
    BOOST_TEST(what.find("not_found") != std::string::npos);
    BOOST_TEST(what.find("Interaction not found.") != std::string::npos);
}

// Found by fuzzing (test/fuzz/corpus/error_body/regression-*): these overflowed an integer
// conversion (undefined behaviour) instead of giving a bounded hint.
BOOST_AUTO_TEST_CASE(out_of_range_retry_hints_are_bounded)
{
    constexpr long long cap = 366LL * 24 * 3600 * 1000;
    auto far_past = diagnose_api_error(with_status(503, {{"Retry-After", "Wed, 21 Oct 1013 07:28:00 GMT"}}), "{}");
    BOOST_REQUIRE(far_past.retry_after.has_value());
    BOOST_TEST(far_past.retry_after->count() == 0);
    auto far_future = diagnose_api_error(with_status(503, {{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"}}), "{}");
    BOOST_REQUIRE(far_future.retry_after.has_value());
    BOOST_TEST(far_future.retry_after->count() == cap);
    auto huge = diagnose_api_error(with_status(429, {{"retry-after-ms", "1e300"}}), "{}");
    BOOST_REQUIRE(huge.retry_after.has_value());
    BOOST_TEST(huge.retry_after->count() == cap);
    auto infinite = diagnose_api_error(with_status(429, {{"Retry-After", "inf"}}), "{}");
    BOOST_REQUIRE(infinite.retry_after.has_value());
    BOOST_TEST(infinite.retry_after->count() == cap);
    auto nan = diagnose_api_error(with_status(429, {{"retry-after-ms", "nan"}}), "{}");
    BOOST_TEST(!nan.retry_after.has_value());
    auto rpc = diagnose_api_error(
        with_status(429),
        R"({"error":{"code":429,"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1e300s"}]}})");
    BOOST_REQUIRE(rpc.retry_after.has_value());
    BOOST_TEST(rpc.retry_after->count() == cap);
}

BOOST_AUTO_TEST_SUITE_END()
