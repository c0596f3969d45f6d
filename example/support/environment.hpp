#pragma once
// The rule every example follows to find an API:
//  - GEMINI_BASE_URL set: talk to it, with GEMINI_API_KEY (or a placeholder key on loopback);
//  - else GEMINI_API_KEY set: the real service;
//  - else: start the emulator in-process and say so on stderr.
// GEMINI_CA_FILE and GEMINI_API_VERSION are honoured by the client itself.

#include <gemini/emulator.hpp>
#include <gemini/gemini.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

namespace example {

struct api_environment
{
    gemini::client_options options;
    std::unique_ptr<gemini::emulator::server> emulator;   // set when we started one
};

inline bool is_loopback_url(const std::string& url)
{
    for (const char* prefix : {"http://127.", "https://127.", "http://localhost", "https://localhost",
                               "http://[::1]", "https://[::1]"})
        if (url.rfind(prefix, 0) == 0)
            return true;
    return false;
}

/// `emulator_options` configure the in-process emulator when one is started.
inline api_environment choose_api(gemini::emulator::options emulator_options = {})
{
    api_environment env;
    const char* base_url = std::getenv("GEMINI_BASE_URL");
    const char* key = std::getenv("GEMINI_API_KEY");
    if (base_url && *base_url)
    {
        env.options.base_url = base_url;
        if (!(key && *key) && is_loopback_url(base_url))
            env.options.api_key = "emulator-placeholder-key";
        return env;
    }
    if (key && *key)
        return env;
    env.emulator = std::make_unique<gemini::emulator::server>(std::move(emulator_options));
    std::cerr << "No GEMINI_API_KEY or GEMINI_BASE_URL: using an in-process emulator at "
              << env.emulator->base_url() << "\n";
    env.options.base_url = env.emulator->base_url();
    env.options.ca_pem = env.emulator->ca_pem();
    env.options.api_key = "emulator-placeholder-key";
    return env;
}

/// The model examples use; GEMINI_MODEL overrides it.
inline std::string model_name()
{
    const char* m = std::getenv("GEMINI_MODEL");
    return m && *m ? m : "gemini-3.5-flash";
}

/// The body of every example's main(): picks the API, runs `body(client)` to completion, and
/// turns a failure into a one-line message and exit status 1.
template <class Body>
int run_example(const char* name, Body body, gemini::emulator::options emulator_options = {})
{
    try
    {
        auto env = choose_api(std::move(emulator_options));
        boost::asio::io_context ioc;
        gemini::client client(ioc.get_executor(), env.options);
        std::exception_ptr failure;
        boost::asio::co_spawn(ioc, body(client), [&](std::exception_ptr e) { failure = e; });
        ioc.run();
        if (failure)
            std::rethrow_exception(failure);
        return 0;
    }
    catch (const std::exception& e)
    {
        std::cerr << name << ": " << e.what() << "\n";
        return 1;
    }
}

} // namespace example
