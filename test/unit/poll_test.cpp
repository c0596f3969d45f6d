// The pacing of client::wait(): growth, cap, deadline cut (no I/O).
#include "poll.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using gemini::detail::poll_deadline_passed;
using gemini::detail::poll_delay;
using gemini::detail::poll_interval;

BOOST_AUTO_TEST_SUITE(poll_backoff)

BOOST_AUTO_TEST_CASE(interval_grows_by_the_multiplier_up_to_the_cap)
{
    gemini::poll_policy p;
    p.initial_interval = 100ms;
    p.multiplier = 2.0;
    p.max_interval = 1000ms;
    BOOST_TEST(poll_interval(p, 1).count() == 100);
    BOOST_TEST(poll_interval(p, 2).count() == 200);
    BOOST_TEST(poll_interval(p, 3).count() == 400);
    BOOST_TEST(poll_interval(p, 4).count() == 800);
    BOOST_TEST(poll_interval(p, 5).count() == 1000);
    BOOST_TEST(poll_interval(p, 4000000000u).count() == 1000);   // no overflow on very long waits
}

BOOST_AUTO_TEST_CASE(defaults_follow_the_sdk_samples)
{
    gemini::poll_policy p;
    BOOST_TEST(poll_interval(p, 1).count() == 2000);
    BOOST_TEST(poll_interval(p, 2).count() == 3000);
    BOOST_TEST(poll_interval(p, 3).count() == 4500);
    BOOST_TEST(poll_interval(p, 50).count() == 10000);
    BOOST_TEST(!poll_deadline_passed(p, std::chrono::hours(24)));   // no deadline by default
}

BOOST_AUTO_TEST_CASE(multiplier_below_one_keeps_a_fixed_interval)
{
    gemini::poll_policy p;
    p.initial_interval = 300ms;
    p.multiplier = 0.5;
    p.max_interval = 0ms;   // no cap
    for (unsigned n : {1u, 2u, 10u})
        BOOST_TEST(poll_interval(p, n).count() == 300);
    p.multiplier = 10;
    BOOST_TEST(poll_interval(p, 4).count() == 300000);   // uncapped growth
}

BOOST_AUTO_TEST_CASE(delay_is_cut_to_the_deadline)
{
    gemini::poll_policy p;
    p.initial_interval = 1000ms;
    p.multiplier = 1;
    p.deadline = 2500ms;
    BOOST_TEST(poll_delay(p, 1, 0ms).count() == 1000);
    BOOST_TEST(poll_delay(p, 2, 1800ms).count() == 700);
    BOOST_TEST(poll_delay(p, 3, 2500ms).count() == 0);
    BOOST_TEST(poll_delay(p, 3, 9000ms).count() == 0);
    BOOST_TEST(!poll_deadline_passed(p, 2499ms));
    BOOST_TEST(poll_deadline_passed(p, 2500ms));
}

BOOST_AUTO_TEST_CASE(zero_interval_polls_back_to_back)
{
    gemini::poll_policy p;
    p.initial_interval = 0ms;
    BOOST_TEST(poll_interval(p, 1).count() == 0);
    BOOST_TEST(poll_interval(p, 7).count() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
