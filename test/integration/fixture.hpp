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

/// A text request to the model the tests use.
inline request text_request(std::string input)
{
    return {.model = "gemini-3.5-flash", .input = std::move(input)};
}

/// Options that make the emulator hold its answer (headers included) for `ms` of real time.
inline request_options answer_delayed(int ms)
{
    request_options o;
    o.headers = {{"x-emulator-fault", "delay-ms=" + std::to_string(ms)}};
    return o;
}

/// How many steps of `type` an interaction has.
inline std::size_t count_steps(const interaction& i, std::string_view type)
{
    std::size_t n = 0;
    for (const auto& s : i.steps.value_or(std::vector<step>{}))
        n += s.type() == type;
    return n;
}

} // namespace gemini::test
