// The places among full handshakes of tls_session_cache, on one thread driven handler by
// handler (io_context::poll), so that every step is observed: who holds a place, who waits,
// who is woken when one ends, a waiter cancelled after its wake-up was sent, a wait that runs
// out. A session arriving (all waiters then resume it) is driven end to end by the pool tests
// (pool/a_burst_of_new_connections_resumes_the_first_ones_session).
#include "transport/tls_session_cache.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>

namespace asio = boost::asio;
using gemini::detail::tls_session_cache;

namespace {

using place = tls_session_cache::handshake_place;

/// One connection's wait, as a test sees it: the place when it came (empty if it went
/// without one), or the exception it ended with.
struct waiting
{
    std::optional<place> got;
    std::exception_ptr failed;
    bool done() const { return got.has_value() || failed; }
    bool holds_place() const { return got && static_cast<bool>(*got); }
};

asio::awaitable<void> wait_in(std::shared_ptr<tls_session_cache> cache, tls_session_cache::clock::time_point until,
                              waiting& out)
{
    auto wait = cache->wait_for_handshake(until);
    out.got.emplace(co_await std::move(wait));
}

void start(asio::io_context& ioc, const std::shared_ptr<tls_session_cache>& cache, waiting& out,
           asio::cancellation_slot slot = {},
           tls_session_cache::clock::time_point until = tls_session_cache::clock::now() + std::chrono::hours(1))
{
    auto on_end = [&out](std::exception_ptr e) { out.failed = e; };
    asio::co_spawn(ioc, wait_in(cache, until, out), asio::bind_cancellation_slot(slot, std::move(on_end)));
}

} // namespace

BOOST_AUTO_TEST_SUITE(tls_session_cache_places)

BOOST_AUTO_TEST_CASE(without_a_limit_nobody_waits_or_holds_a_place)
{
    asio::io_context ioc;
    auto cache = std::make_shared<tls_session_cache>(0);
    waiting a, b;
    start(ioc, cache, a);
    start(ioc, cache, b);
    ioc.poll();
    BOOST_TEST(a.done());
    BOOST_TEST(b.done());
    BOOST_TEST(!a.holds_place());
    BOOST_TEST(!b.holds_place());
}

BOOST_AUTO_TEST_CASE(places_go_to_the_waiters_in_their_order_as_holders_end)
{
    asio::io_context ioc;
    auto cache = std::make_shared<tls_session_cache>(2);
    waiting a, b, c, d;
    for (waiting* w : {&a, &b, &c, &d})
        start(ioc, cache, *w);
    ioc.poll();
    BOOST_TEST(a.holds_place());
    BOOST_TEST(b.holds_place());
    BOOST_TEST(!c.done());
    BOOST_TEST(!d.done());

    b.got.reset();   // b's handshake ends: the first waiter, c, takes its place
    ioc.poll();
    BOOST_TEST(c.holds_place());
    BOOST_TEST(!d.done());

    a.got.reset();
    ioc.poll();
    BOOST_TEST(d.holds_place());
    BOOST_TEST(!a.failed);
    BOOST_TEST(!d.failed);
}

// One place, held by a; b and c wait for it, b cancellable by its caller.
struct one_place_two_waiting
{
    asio::io_context ioc;
    std::shared_ptr<tls_session_cache> cache = std::make_shared<tls_session_cache>(1);
    waiting a, b, c;
    asio::cancellation_signal cancel_b;

    one_place_two_waiting()
    {
        start(ioc, cache, a);
        start(ioc, cache, b, cancel_b.slot());
        start(ioc, cache, c);
        ioc.poll();
        BOOST_TEST(a.holds_place());
        BOOST_TEST(!b.done());
        BOOST_TEST(!c.done());
    }
};

BOOST_FIXTURE_TEST_CASE(a_waiter_cancelled_after_its_wake_up_hands_the_place_to_the_next, one_place_two_waiting)
{
    a.got.reset();                                       // wakes b, the first waiter...
    cancel_b.emit(asio::cancellation_type::terminal);    // ...which its caller gives up on
    ioc.poll();
    BOOST_REQUIRE(b.failed);
    try
    {
        std::rethrow_exception(b.failed);
    }
    catch (const boost::system::system_error& e)
    {
        BOOST_TEST(e.code() == asio::error::operation_aborted);
    }
    BOOST_TEST(c.holds_place());   // without c, the free place would wait for the next arrival
}

BOOST_FIXTURE_TEST_CASE(a_cancelled_waiter_leaves_the_others_waiting, one_place_two_waiting)
{
    cancel_b.emit(asio::cancellation_type::terminal);
    ioc.poll();
    BOOST_TEST(static_cast<bool>(b.failed));
    BOOST_TEST(!c.done());   // a still holds the only place
    a.got.reset();
    ioc.poll();
    BOOST_TEST(c.holds_place());
}

BOOST_AUTO_TEST_CASE(a_wait_that_runs_out_goes_on_without_a_place)
{
    asio::io_context ioc;
    auto cache = std::make_shared<tls_session_cache>(1);
    waiting a, b;
    start(ioc, cache, a);
    start(ioc, cache, b, {}, tls_session_cache::clock::now() + std::chrono::milliseconds(20));
    ioc.poll();
    BOOST_TEST(a.holds_place());
    BOOST_TEST(!b.done());
    ioc.run_one_for(std::chrono::seconds(30));   // b's timer: the wait's own end, not a guess
    ioc.poll();
    BOOST_TEST(b.done());
    BOOST_TEST(!b.holds_place());
    BOOST_TEST(!b.failed);
    BOOST_TEST(a.holds_place());   // a's place is a's until its handshake ends
}

BOOST_AUTO_TEST_SUITE_END()
