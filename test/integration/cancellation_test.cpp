// Per-operation cancellation with each asio::cancellation_type, through a cancellation slot
// bound to the completion handler: what each type does to a unary create, a stream being opened
// and a stream's next() while they wait on the network, what happens to the connection, and that
// the client stays usable (docs/reliability.md, "Cancellation").

#include "integration/fixture.hpp"
#include "integration/poll.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;
using gemini::test::text_request;
using gemini::test::answer_delayed;

namespace {

// A stream whose events are written `ms` apart.
gemini::request_options paced(int ms)
{
    gemini::request_options o;
    o.headers = {{"x-emulator-stream-interval-ms", std::to_string(ms)}};
    return o;
}

const char* name(asio::cancellation_type t)
{
    switch (t)
    {
    case asio::cancellation_type::terminal: return "terminal";
    case asio::cancellation_type::partial: return "partial";
    case asio::cancellation_type::total: return "total";
    default: return "other";
    }
}

// Terminal and partial cancellation abort an operation that waits on the network; total
// cancellation asks for "no side effect", which a request already sent cannot promise, so it is
// not honoured there (docs/reliability.md).
constexpr asio::cancellation_type aborting[] = {asio::cancellation_type::terminal, asio::cancellation_type::partial};

void client_still_works(emulator_fixture& f, gemini::client& c)
{
    f.run([&]() -> asio::awaitable<void> {
        auto op = c.create(text_request("cancel me"));
        auto answer = co_await std::move(op);
        BOOST_TEST(!answer.output_text().empty());
    }());
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(cancellation, emulator_fixture)

BOOST_AUTO_TEST_CASE(unary_create_in_flight)
{
    auto c = make_client();
    for (auto type : aborting)
    {
        BOOST_TEST_CONTEXT(name(type))
        {
            const auto before = server.stats().api_requests;
            asio::cancellation_signal signal;
            gemini::error_code result;
            bool done = false;
            c.async_create(text_request("cancel me"), answer_delayed(5000),
                           asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, gemini::interaction) {
                               result = ec;
                               done = true;
                           }));
            // Cancel once the emulator has read the request: the call waits for the answer.
            gemini::test::when(
                ioc.get_executor(), [&] { return server.stats().api_requests > before; },
                [&] { signal.emit(type); });
            ioc.run();
            ioc.restart();
            BOOST_TEST(done);
            BOOST_TEST(result == asio::error::operation_aborted);
            BOOST_TEST(c.pool_statistics().in_use == 0u);
            BOOST_TEST(c.pool_statistics().open == 0u);   // mid-response: closed, never pooled
            client_still_works(*this, c);
        }
    }
}

BOOST_AUTO_TEST_CASE(total_cancellation_of_a_sent_create_is_not_honoured)
{
    auto c = make_client();
    const auto before = server.stats().api_requests;
    asio::cancellation_signal signal;
    gemini::error_code result = make_error_code(gemini::errc::api_error);
    std::string text;
    c.async_create(text_request("cancel me"), answer_delayed(1000),
                   asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, gemini::interaction i) {
                       result = ec;
                       text = i.output_text();
                   }));
    bool emitted = false;
    gemini::test::when(
        ioc.get_executor(), [&] { return server.stats().api_requests > before; },
        [&] {
            emitted = true;
            signal.emit(asio::cancellation_type::total);
        });
    ioc.run();
    ioc.restart();
    BOOST_TEST(emitted);
    BOOST_TEST(!result);   // the interaction was created: the call reports it
    BOOST_TEST(!text.empty());
    BOOST_TEST(c.pool_statistics().idle == 1u);   // complete response: pooled
    BOOST_TEST(c.pool_statistics().open == 1u);
}

BOOST_AUTO_TEST_CASE(cancellation_after_completion_leaves_the_connection_pooled)
{
    auto c = make_client();
    asio::cancellation_signal signal;
    gemini::error_code result = make_error_code(gemini::errc::api_error);
    c.async_create(text_request("cancel me"), {},
                   asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, gemini::interaction) {
                       result = ec;
                   }));
    ioc.run();
    ioc.restart();
    BOOST_TEST(!result);
    for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                      asio::cancellation_type::total})
        signal.emit(type);
    ioc.run();
    ioc.restart();
    BOOST_TEST(c.pool_statistics().idle == 1u);
    client_still_works(*this, c);
    BOOST_TEST(c.pool_statistics().reused_total == 1u);   // the same connection served again
}

BOOST_AUTO_TEST_CASE(stream_open_in_flight)
{
    auto c = make_client();
    for (auto type : aborting)
    {
        BOOST_TEST_CONTEXT(name(type))
        {
            const auto before = server.stats().api_requests;
            asio::cancellation_signal signal;
            gemini::error_code result;
            bool done = false;
            c.async_stream(text_request("cancel me"), answer_delayed(5000),
                           asio::bind_cancellation_slot(signal.slot(),
                                                        [&](gemini::error_code ec, gemini::interaction_stream s) {
                                                            result = ec;
                                                            done = true;
                                                            BOOST_TEST(!s);
                                                        }));
            gemini::test::when(
                ioc.get_executor(), [&] { return server.stats().api_requests > before; },
                [&] { signal.emit(type); });
            ioc.run();
            ioc.restart();
            BOOST_TEST(done);
            BOOST_TEST(result == asio::error::operation_aborted);
            BOOST_TEST(c.pool_statistics().in_use == 0u);
            BOOST_TEST(c.pool_statistics().open == 0u);
            client_still_works(*this, c);
        }
    }

    // Total: the stream opens anyway and is read to its end; its connection is then pooled.
    const auto before = server.stats().api_requests;
    asio::cancellation_signal signal;
    gemini::error_code result = make_error_code(gemini::errc::api_error);
    gemini::interaction_stream opened;
    c.async_stream(text_request("cancel me"), answer_delayed(1000),
                   asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, gemini::interaction_stream s) {
                       result = ec;
                       opened = std::move(s);
                   }));
    gemini::test::when(
        ioc.get_executor(), [&] { return server.stats().api_requests > before; },
        [&] { signal.emit(asio::cancellation_type::total); });
    ioc.run();
    ioc.restart();
    BOOST_TEST(!result);
    BOOST_REQUIRE(opened);
    run([&]() -> asio::awaitable<void> {
        auto all = opened.collect();
        auto folded = co_await std::move(all);
        BOOST_TEST(!folded.output_text().empty());
    }());
    BOOST_TEST(c.pool_statistics().in_use == 0u);
    BOOST_TEST(c.pool_statistics().idle >= 1u);
}

BOOST_AUTO_TEST_CASE(stream_next_in_flight)
{
    auto c = make_client();
    for (auto type : aborting)
    {
        BOOST_TEST_CONTEXT(name(type))
        {
            gemini::interaction_stream s;
            run([&]() -> asio::awaitable<void> {
                auto open = c.stream(text_request("cancel me"), paced(5000));
                s = co_await std::move(open);
                auto pull = s.next();
                auto first = co_await std::move(pull);
                BOOST_TEST(first.has_value());
                while (s.try_next())
                {
                }   // what already arrived; the next event is 5 s away
            }());
            asio::cancellation_signal signal;
            gemini::error_code result;
            bool done = false;
            s.async_next(asio::bind_cancellation_slot(signal.slot(),
                                                      [&](gemini::error_code ec, std::optional<gemini::event> e) {
                                                          result = ec;
                                                          done = true;
                                                          BOOST_TEST(!e);
                                                      }));
            signal.emit(type);
            ioc.run();
            ioc.restart();
            BOOST_TEST(done);
            BOOST_TEST(result == asio::error::operation_aborted);
            BOOST_TEST(c.pool_statistics().in_use == 0u);
            BOOST_TEST(c.pool_statistics().open == 0u);   // unfinished response: closed
            s = {};
            client_still_works(*this, c);
        }
    }

    // Total: next() keeps waiting and delivers the next event.
    gemini::interaction_stream s;
    std::size_t before_next = 0;
    run([&]() -> asio::awaitable<void> {
        auto open = c.stream(text_request("cancel me"), paced(1000));
        s = co_await std::move(open);
        auto pull = s.next();
        auto first = co_await std::move(pull);
        BOOST_TEST(first.has_value());
        while (s.try_next())
        {
        }
        before_next = s.events_received();
    }());
    asio::cancellation_signal signal;
    gemini::error_code result = make_error_code(gemini::errc::api_error);
    bool got_event = false;
    s.async_next(asio::bind_cancellation_slot(signal.slot(), [&](gemini::error_code ec, std::optional<gemini::event> e) {
        result = ec;
        got_event = e.has_value();
    }));
    signal.emit(asio::cancellation_type::total);
    ioc.run();
    ioc.restart();
    BOOST_TEST(!result);
    BOOST_TEST(got_event);
    BOOST_TEST(s.events_received() > before_next);   // it came from the network, not the buffer
    s = {};
    client_still_works(*this, c);
}

BOOST_AUTO_TEST_SUITE_END()
