// A program outside the source tree, built against the installed package: one create through
// the public API against the in-process emulator.
#include <gemini/emulator.hpp>
#include <gemini/gemini.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

int main()
{
    // A package whose headers and library disagree would misbehave in subtle ways.
    if (!gemini::headers_match_library())
    {
        std::cerr << "headers " GEMINI_VERSION_STRING " but library " << gemini::version().text << "\n";
        return 1;
    }
    gemini::emulator::server emulator;
    boost::asio::io_context ioc;
    gemini::client client(ioc.get_executor(),
                          {.api_key = "consumer-test", .base_url = emulator.base_url(), .ca_pem = emulator.ca_pem()});
    std::string text;
    auto ask = [&]() -> boost::asio::awaitable<void> {
        auto op = client.create({.model = "gemini-3.5-flash", .input = "Hello from a consumer"});
        auto answer = co_await std::move(op);
        text = answer.output_text();
    };
    boost::asio::co_spawn(ioc, ask(), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    ioc.run();
    std::cout << text << "\n";
    std::cout << "gemini-asio " << gemini::version().text << "\n";
    return text.empty() ? 1 : 0;
}
