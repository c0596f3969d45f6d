// relay_server: a Beast HTTP server whose handlers co_await one shared gemini::client, relaying
// streamed answers to its own clients as server-sent events (example/support/relay.hpp).
//
//   build/bin/relay_server                  starts the relay, calls it a few times, stops
//   build/bin/relay_server --serve [--port N]
//       serves until SIGINT / SIGTERM, for example:
//       curl -s localhost:N/ask -d 'Name three prime numbers.'
//       curl -sN 'localhost:N/stream?q=Tell%20me%20about%20rivers'
//
// Without GEMINI_API_KEY or GEMINI_BASE_URL the upstream is an in-process emulator.

#include "support/environment.hpp"
#include "support/relay.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/url/url.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

asio::awaitable<beast::tcp_stream> connect_to(std::uint16_t port)
{
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(30s);
    auto op = stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
    co_await std::move(op);
    co_return stream;
}

http::request<http::string_body> make_request(http::verb verb, std::string target, std::string body = {},
                                              std::string content_type = "text/plain")
{
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (verb == http::verb::post)
    {
        req.set(http::field::content_type, content_type);
        req.body() = std::move(body);
        req.prepare_payload();
    }
    return req;
}

/// Reads an SSE body as it arrives and calls on_event(name, data) per complete event; stops
/// early when on_event returns false.
template <class OnEvent>
asio::awaitable<void> read_events(beast::tcp_stream& stream, OnEvent on_event)
{
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    auto head = http::async_read_header(stream, buffer, parser, asio::use_awaitable);
    co_await std::move(head);
    if (parser.get().result() != http::status::ok)
        throw std::runtime_error("the relay answered " + std::to_string(parser.get().result_int()));
    std::size_t consumed = 0;
    for (;;)
    {
        const std::string& body = parser.get().body();
        for (std::size_t end; (end = body.find("\n\n", consumed)) != std::string::npos; consumed = end + 2)
        {
            std::string_view event(body.data() + consumed, end - consumed);
            std::string_view name, data;
            while (!event.empty())
            {
                auto nl = event.find('\n');
                auto line = event.substr(0, nl);
                if (line.starts_with("event: "))
                    name = line.substr(7);
                else if (line.starts_with("data: "))
                    data = line.substr(6);
                event = nl == std::string_view::npos ? std::string_view{} : event.substr(nl + 1);
            }
            if (!on_event(name, data))
                co_return;
        }
        if (parser.is_done())
            co_return;
        auto more = http::async_read_some(stream, buffer, parser, asio::use_awaitable);
        co_await std::move(more);
    }
}

asio::awaitable<void> ask(std::uint16_t port, std::string question)
{
    auto connect = connect_to(port);
    beast::tcp_stream stream = co_await std::move(connect);
    auto req = make_request(http::verb::post, "/ask", json::serialize(json::object{{"input", question}}),
                            "application/json");
    auto write = http::async_write(stream, req, asio::use_awaitable);
    co_await std::move(write);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto read = http::async_read(stream, buffer, res, asio::use_awaitable);
    co_await std::move(read);
    if (res.result() != http::status::ok)
        throw std::runtime_error("POST /ask answered " + std::to_string(res.result_int()) + ": " + res.body());
    std::cout << "POST /ask  " << question << "\n  -> " << json::parse(res.body()).at("text").as_string().c_str() << "\n\n";
}

asio::awaitable<void> stream_answer(std::uint16_t port, std::string question)
{
    auto connect = connect_to(port);
    beast::tcp_stream stream = co_await std::move(connect);
    boost::urls::url target("/stream");
    target.params().append({"q", question});
    auto req = make_request(http::verb::get, std::string(target.buffer()));
    auto write = http::async_write(stream, req, asio::use_awaitable);
    co_await std::move(write);
    std::cout << "GET " << target.buffer() << "\n  -> ";
    bool done = false;
    auto events = read_events(stream, [&](std::string_view name, std::string_view data) {
        if (name == "delta")
            std::cout << json::parse(data).at("text").as_string().c_str() << std::flush;
        else if (name == "done")
            done = true;
        else if (name == "error")
            throw std::runtime_error("stream failed: " + std::string(data));
        return true;
    });
    co_await std::move(events);
    std::cout << "\n\n";
    if (!done)
        throw std::runtime_error("the stream ended without event: done");
}

/// Polls `condition` every few milliseconds until it holds or `limit` passed.
template <class Condition>
asio::awaitable<bool> eventually(Condition condition, std::chrono::milliseconds limit)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition())
    {
        if (std::chrono::steady_clock::now() > deadline)
            co_return false;
        timer.expires_after(5ms);
        auto wait = timer.async_wait(asio::use_awaitable);
        co_await std::move(wait);
    }
    co_return true;
}

/// A client that leaves after the first event: the relay notices at once (it reads the
/// socket while it waits for the model) and cancels its upstream stream.
asio::awaitable<void> leave_early(std::uint16_t port, gemini::client& client, example::relay::server& relay)
{
    auto connect = connect_to(port);
    beast::tcp_stream stream = co_await std::move(connect);
    auto req = make_request(http::verb::post, "/stream", "Write a long story about a lighthouse.");
    req.set("x-emulator-stream-interval-ms", "50");   // passed through: the emulator writes slowly
    auto write = http::async_write(stream, req, asio::use_awaitable);
    co_await std::move(write);
    std::string first;
    auto events = read_events(stream, [&](std::string_view name, std::string_view) {
        first = name;
        return false;
    });
    co_await std::move(events);
    stream.close();
    std::cout << "POST /stream  (client leaves after its first event, \"" << first << "\")\n";

    auto released = eventually(
        [&] { return relay.stats().streams_cancelled >= 1 && client.pool_statistics().in_use == 0; }, 10s);
    if (!co_await std::move(released))
        throw std::runtime_error("the upstream stream was not cancelled after its client left");
    const auto pool = client.pool_statistics();
    std::cout << "  -> upstream stream cancelled; upstream connections: " << pool.open << " open, " << pool.idle
              << " idle, " << pool.in_use << " in use\n";
}

asio::awaitable<void> demo(std::uint16_t port, gemini::client& client, example::relay::server& relay)
{
    auto a = ask(port, "Name three prime numbers.");
    co_await std::move(a);
    auto s = stream_answer(port, "Write a short paragraph about rivers and the sea.");
    co_await std::move(s);
    auto l = leave_early(port, client, relay);
    co_await std::move(l);
    const auto st = relay.stats();
    std::cout << "relay: " << st.requests << " requests, " << st.streams_completed << " streams completed, "
              << st.streams_cancelled << " cancelled\n";
}

int usage(const char* argv0)
{
    std::cerr << "usage: " << argv0 << " [--serve [--port N]]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    bool serve = false;
    std::uint16_t port_arg = 8080;
    for (int i = 1; i < argc; ++i)
    {
        if (!std::strcmp(argv[i], "--serve"))
            serve = true;
        else if (!std::strcmp(argv[i], "--port") && i + 1 < argc)
        {
            char* end = nullptr;
            const unsigned long n = std::strtoul(argv[++i], &end, 10);
            if (*end || n > 65535)
                return usage(argv[0]);
            port_arg = static_cast<std::uint16_t>(n);
        }
        else
            return usage(argv[0]);
    }
    try
    {
        auto env = example::choose_api();
        asio::io_context ioc;
        gemini::client client(ioc.get_executor(), env.options);
        example::relay::server relay(ioc.get_executor(), client, {.model = example::model_name()});
        const std::uint16_t port = relay.start(serve ? port_arg : 0);

        std::exception_ptr failure;
        asio::signal_set signals(ioc);
        if (serve)
        {
            signals.add(SIGINT);
            signals.add(SIGTERM);
            signals.async_wait([&](boost::system::error_code ec, int) {
                if (ec)
                    return;
                std::cerr << "stopping: requests in flight may finish\n";
                relay.stop();
            });
            std::cerr << "relay listening on http://127.0.0.1:" << port << " (POST /ask, POST /stream, GET /stream?q=, "
                      << "GET /stats); Ctrl-C stops it\n";
        }
        else
        {
            asio::co_spawn(ioc, demo(port, client, relay), [&](std::exception_ptr e) {
                failure = e;
                relay.stop();
            });
        }
        ioc.run();
        if (failure)
            std::rethrow_exception(failure);
        return 0;
    }
    catch (const std::exception& e)
    {
        std::cerr << "relay_server: " << e.what() << "\n";
        return 1;
    }
}
