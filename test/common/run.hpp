#pragma once
// Runs coroutines to completion on an io_context and rethrows what they threw, so that test
// bodies read top to bottom.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <thread>
#include <vector>

namespace gemini::test {

inline void run(boost::asio::io_context& ioc, boost::asio::awaitable<void> body, unsigned threads = 1)
{
    std::exception_ptr failure;
    boost::asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) { failure = e; });
    std::vector<std::thread> extra;
    for (unsigned i = 1; i < threads; ++i)
        extra.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : extra)
        t.join();
    ioc.restart();
    if (failure)
        std::rethrow_exception(failure);
}

/// Starts make(i) for every i in [0, count) at once and waits for all of them; rethrows the
/// first failure.
template <class Make>
boost::asio::awaitable<void> all_of(std::size_t count, Make make)
{
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    std::vector<decltype(asio::co_spawn(ex, make(std::size_t{0}), asio::deferred))> ops;
    for (std::size_t i = 0; i < count; ++i)
        ops.push_back(asio::co_spawn(ex, make(i), asio::deferred));
    auto group = asio::experimental::make_parallel_group(std::move(ops));
    auto all = group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    auto [order, errors] = co_await std::move(all);
    for (const auto& e : errors)
        if (e)
            std::rethrow_exception(e);
}

} // namespace gemini::test
