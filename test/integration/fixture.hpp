#pragma once
// An emulator on an ephemeral loopback port with a fresh certificate, and clients that trust it.

#include "common/print.hpp"
#include "common/run.hpp"

#include <gemini/emulator.hpp>
#include <gemini/gemini.hpp>

#include <boost/asio/io_context.hpp>

namespace gemini::test {

inline constexpr const char* test_api_key = "test-key-7f3a9c41-do-not-log";

struct emulator_fixture
{
    explicit emulator_fixture(emulator::options opts = {}) : server(std::move(opts)) {}

    client_options client_settings() const
    {
        client_options o;
        o.api_key = test_api_key;
        o.base_url = server.base_url();
        o.api_version = "v1beta";
        o.ca_pem = server.ca_pem();
        // Retries keep their rules but wait milliseconds, so that fault tests run fast.
        o.retry.initial_backoff = std::chrono::milliseconds(1);
        o.retry.max_backoff = std::chrono::milliseconds(8);
        return o;
    }

    client make_client() { return client(ioc.get_executor(), client_settings()); }
    client make_client(client_options o) { return client(ioc.get_executor(), std::move(o)); }

    void run(boost::asio::awaitable<void> body, unsigned threads = 1)
    {
        gemini::test::run(ioc, std::move(body), threads);
    }

    emulator::server server;
    boost::asio::io_context ioc;
};

} // namespace gemini::test
