#include "retry.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using gemini::detail::decide_retry;

namespace {

gemini::diagnostics status(unsigned s)
{
    gemini::diagnostics d;
    d.http_status = s;
    return d;
}

const auto plenty = std::chrono::milliseconds(600000);

} // namespace

BOOST_AUTO_TEST_SUITE(retry_decisions)

BOOST_AUTO_TEST_CASE(default_statuses)
{
    gemini::retry_policy p;
    const auto ec = make_error_code(gemini::errc::server_error);
    for (unsigned s : {408u, 429u, 500u, 502u, 503u, 504u})
        BOOST_TEST(decide_retry(p, 0, ec, status(s), false, true, true, plenty, 0.5).retry, s);
    for (unsigned s : {400u, 401u, 403u, 404u, 409u, 501u})
        BOOST_TEST(!decide_retry(p, 0, ec, status(s), false, true, true, plenty, 0.5).retry, s);
}

BOOST_AUTO_TEST_CASE(exponential_with_jitter_and_cap)
{
    gemini::retry_policy p;
    const auto ec = make_error_code(gemini::errc::server_error);
    BOOST_TEST(decide_retry(p, 0, ec, status(503), false, true, true, plenty, 0.0).delay == 500ms);
    BOOST_TEST(decide_retry(p, 1, ec, status(503), false, true, true, plenty, 0.0).delay == 1000ms);
    BOOST_TEST(decide_retry(p, 3, ec, status(503), false, true, true, plenty, 0.0).delay == 4000ms);
    BOOST_TEST(decide_retry(p, 4, ec, status(503), false, true, true, plenty, 0.0).retry == false);  // budget spent
    p.max_retries = 10;
    BOOST_TEST(decide_retry(p, 6, ec, status(503), false, true, true, plenty, 0.0).delay == 8000ms);
    // Jitter scales down by at most 25 %.
    const auto jittered = decide_retry(p, 0, ec, status(503), false, true, true, plenty, 0.999).delay;
    BOOST_TEST(jittered.count() >= 375);
    BOOST_TEST(jittered.count() < 500);
}

BOOST_AUTO_TEST_CASE(hints_and_deadline)
{
    gemini::retry_policy p;
    auto d = status(429);
    d.retry_after = 42000ms;
    const auto ec = make_error_code(gemini::errc::rate_limited);
    auto decision = decide_retry(p, 0, ec, d, false, true, true, plenty, 0.5);
    BOOST_TEST(decision.retry);
    BOOST_TEST(decision.server_hint);
    BOOST_TEST(decision.delay == 42000ms);
    BOOST_TEST(!decide_retry(p, 0, ec, d, false, true, true, 10000ms, 0.5).retry);
}

BOOST_AUTO_TEST_CASE(zero_quota_is_final)
{
    gemini::retry_policy p;
    auto d = status(429);
    d.api_code = "quota_exceeded";
    d.api_message = "Quota exceeded for metric generate_requests, limit: 0";
    BOOST_TEST(!decide_retry(p, 0, make_error_code(gemini::errc::rate_limited), d, false, true, true, plenty, 0.5).retry);
    d.api_message = "Quota exceeded for metric generate_requests, limit: 50";
    BOOST_TEST(decide_retry(p, 0, make_error_code(gemini::errc::rate_limited), d, false, true, true, plenty, 0.5).retry);
}

BOOST_AUTO_TEST_CASE(connection_failures)
{
    gemini::retry_policy p;
    const gemini::diagnostics none;
    using gemini::errc;
    BOOST_TEST(decide_retry(p, 0, make_error_code(errc::connect_failed), none, true, false, false, plenty, 0).retry);
    BOOST_TEST(decide_retry(p, 0, make_error_code(errc::connection_closed), none, true, true, true, plenty, 0).retry);
    BOOST_TEST(!decide_retry(p, 0, make_error_code(errc::connection_closed), none, false, true, true, plenty, 0).retry);
    BOOST_TEST(!decide_retry(p, 0, make_error_code(errc::tls_failed), none, true, false, true, plenty, 0).retry);
    p.retry_non_idempotent = false;
    BOOST_TEST(!decide_retry(p, 0, make_error_code(errc::connection_closed), none, true, true, false, plenty, 0).retry);
    BOOST_TEST(decide_retry(p, 0, make_error_code(errc::connect_failed), none, true, false, false, plenty, 0).retry);
    p.retry_connection_failures = false;
    BOOST_TEST(!decide_retry(p, 0, make_error_code(errc::connect_failed), none, true, false, true, plenty, 0).retry);
}

BOOST_AUTO_TEST_SUITE_END()
