#pragma once
// Runs coroutines to completion on an io_context and rethrows what they threw, so that test
// bodies read top to bottom.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
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

} // namespace gemini::test
