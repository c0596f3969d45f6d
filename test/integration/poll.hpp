#pragma once
// Synchronising a test with state it cannot await (the emulator's counters, a pool's
// statistics): check a condition every millisecond on the test's io_context. Never a sleep: the
// test goes on the moment the condition holds.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace gemini::test {

/// Calls `then` on `ex` as soon as `ready()` holds (checked now, then every millisecond), or
/// after `limit` at the latest, so that a test whose condition never comes fails instead of
/// hanging.
inline void when(boost::asio::any_io_executor ex, std::function<bool()> ready, std::function<void()> then,
                 std::chrono::milliseconds limit = std::chrono::seconds(30))
{
    struct poller : std::enable_shared_from_this<poller>
    {
        poller(boost::asio::any_io_executor ex, std::function<bool()> r, std::function<void()> t,
               std::chrono::steady_clock::time_point u)
            : timer(std::move(ex)), ready(std::move(r)), then(std::move(t)), until(u) {}
        void check()
        {
            if (ready() || std::chrono::steady_clock::now() >= until)
                return then();
            timer.expires_after(std::chrono::milliseconds(1));
            timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
                if (!ec)
                    self->check();
            });
        }
        boost::asio::steady_timer timer;
        std::function<bool()> ready;
        std::function<void()> then;
        std::chrono::steady_clock::time_point until;
    };
    std::make_shared<poller>(std::move(ex), std::move(ready), std::move(then), std::chrono::steady_clock::now() + limit)
        ->check();
}

/// co_await form: true once `ready()` holds, false when `limit` passed first.
inline boost::asio::awaitable<bool> eventually(std::function<bool()> ready,
                                               std::chrono::milliseconds limit = std::chrono::seconds(10))
{
    namespace asio = boost::asio;
    const auto until = std::chrono::steady_clock::now() + limit;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!ready())
    {
        if (std::chrono::steady_clock::now() >= until)
            co_return false;
        timer.expires_after(std::chrono::milliseconds(1));
        auto wait = timer.async_wait(asio::as_tuple(asio::use_awaitable));
        co_await std::move(wait);
    }
    co_return true;
}

} // namespace gemini::test
