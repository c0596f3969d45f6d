// The relay server example (example/support/relay.hpp) end to end: HTTP clients -> relay ->
// one shared gemini::client -> TLS -> emulator. 200 concurrent requests with every answer
// checked, clients that leave early (their upstream streams and creates must be cancelled and
// their connections closed, not leaked), and a graceful stop in the middle of a stream.

#include "integration/fixture.hpp"
#include "integration/poll.hpp"
#include "support/relay.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/url.hpp>

#include <atomic>
#include <sstream>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using gemini::test::emulator_fixture;
using namespace std::chrono_literals;

namespace {

enum class kind
{
    ask_json,       // POST /ask {"input": ...}
    ask_text,       // POST /ask with the prompt as a text body
    stream_get,     // GET /stream?q=..., read to the end
    stream_post,    // POST /stream, read to the end
    stream_leave,   // POST /stream, socket closed after the first event
};

struct outcome
{
    kind how = kind::ask_json;
    std::string prompt;
    unsigned status = 0;
    std::string text;                   // ask: "text"; stream: the delta texts joined
    std::string final_status;           // ask: "status"; stream: the status of `done`
    std::vector<std::string> events;    // stream: event names in order
    std::string failure;                // what went wrong on the client side
};

outcome make_outcome(kind how, std::string prompt)
{
    outcome o;
    o.how = how;
    o.prompt = std::move(prompt);
    return o;
}

struct sse_event
{
    std::string name;
    std::string data;
};

// Complete events at the front of `body` (an event ends with a blank line).
std::vector<sse_event> parse_events(std::string_view body)
{
    std::vector<sse_event> out;
    for (std::size_t end; (end = body.find("\n\n")) != std::string_view::npos; body.remove_prefix(end + 2))
    {
        sse_event e;
        std::istringstream lines{std::string(body.substr(0, end))};
        for (std::string line; std::getline(lines, line);)
        {
            if (line.starts_with("event: "))
                e.name = line.substr(7);
            else if (line.starts_with("data: "))
                e.data = line.substr(6);
        }
        out.push_back(std::move(e));
    }
    return out;
}

asio::awaitable<beast::tcp_stream> connect_to(std::uint16_t port)
{
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(60s);   // a hung relay fails the test instead of hanging it
    auto op = stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
    co_await std::move(op);
    co_return stream;
}

http::request<http::string_body> request_for(const outcome& o, unsigned stream_interval_ms)
{
    http::request<http::string_body> req;
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    if (o.how == kind::stream_get)
    {
        boost::urls::url target("/stream");
        target.params().append({"q", o.prompt});
        req.method(http::verb::get);
        req.target(target.buffer());
    }
    else
    {
        req.method(http::verb::post);
        req.target(o.how == kind::ask_json || o.how == kind::ask_text ? "/ask" : "/stream");
        if (o.how == kind::ask_json)
        {
            req.set(http::field::content_type, "application/json");
            req.body() = json::serialize(json::object{{"input", o.prompt}});
        }
        else
        {
            req.set(http::field::content_type, "text/plain");
            req.body() = o.prompt;
        }
        req.prepare_payload();
    }
    if (o.how != kind::ask_json && o.how != kind::ask_text)
        req.set("x-emulator-stream-interval-ms", std::to_string(stream_interval_ms));
    return req;
}

void read_stream_body(outcome& o, const std::string& body)
{
    for (auto& e : parse_events(body))
    {
        o.events.push_back(e.name);
        auto data = json::parse(e.data).as_object();
        if (e.name == "delta")
            o.text += data.at("text").as_string();
        else if (e.name == "done")
            o.final_status = data.at("status").as_string();
    }
}

asio::awaitable<void> call_relay(std::uint16_t port, outcome* out, unsigned stream_interval_ms)
{
    outcome& o = *out;
    try
    {
        auto connect = connect_to(port);
        beast::tcp_stream stream = co_await std::move(connect);
        auto req = request_for(o, stream_interval_ms);
        auto write = http::async_write(stream, req, asio::use_awaitable);
        co_await std::move(write);

        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        if (o.how == kind::stream_leave)
        {
            auto head = http::async_read_header(stream, buffer, parser, asio::use_awaitable);
            co_await std::move(head);
            while (parser.get().body().find("\n\n") == std::string::npos && !parser.is_done())
            {
                auto more = http::async_read_some(stream, buffer, parser, asio::use_awaitable);
                co_await std::move(more);
            }
            o.status = parser.get().result_int();
            read_stream_body(o, parser.get().body());
            stream.socket().close();   // gone, with the rest of the answer still coming
            co_return;
        }
        auto read = http::async_read(stream, buffer, parser, asio::use_awaitable);
        co_await std::move(read);
        const auto& res = parser.get();
        o.status = res.result_int();
        if (o.how == kind::ask_json || o.how == kind::ask_text)
        {
            auto body = json::parse(res.body()).as_object();
            o.text = body.at("text").as_string();
            o.final_status = body.at("status").as_string();
        }
        else
        {
            if (res[http::field::content_type] != "text/event-stream")
                throw std::runtime_error("not an event stream: " + res.body());
            read_stream_body(o, res.body());
        }
    }
    catch (const std::exception& e)
    {
        o.failure = e.what();
    }
}

using gemini::test::eventually;

std::string describe(const example::relay::statistics& r, const gemini::pool_stats& p,
                     const gemini::emulator::statistics& e)
{
    std::ostringstream os;
    os << "relay: requests " << r.requests << ", streams completed " << r.streams_completed << ", cancelled "
       << r.streams_cancelled << ", asks abandoned " << r.asks_abandoned << ", connections open "
       << r.connections_open << "; upstream pool: open " << p.open << ", idle " << p.idle << ", in use " << p.in_use
       << ", waiting " << p.waiting << ", created " << p.created_total << "; emulator connections open "
       << e.connections_open;
    return os.str();
}

/// Stops the relay when a test coroutine ends, also by an exception: otherwise the accept loop
/// would keep run() from returning.
struct stop_on_exit
{
    example::relay::server& relay;
    ~stop_on_exit() { relay.stop(); }
};

bool answers(const std::string& text, const std::string& prompt)
{
    // The emulator's deterministic answer to a first turn.
    return text.starts_with("Turn 1. History digest ") && text.ends_with("You said: " + prompt);
}

// The relay, its upstream client and the 200 HTTP clients share one io_context run by
// `threads` threads (the relay gives each connection a strand).
void two_hundred_requests(emulator_fixture& f, unsigned threads)
{
    constexpr std::size_t count = 200;
    auto& server = f.server;
    auto client = f.make_client();
    example::relay::server relay(f.ioc.get_executor(), client);
    const auto port = relay.start();

    std::vector<outcome> outcomes(count);
    std::size_t leavers = 0;
    for (std::size_t i = 0; i < count; ++i)
    {
        static constexpr kind kinds[] = {kind::ask_json, kind::ask_text, kind::stream_get, kind::stream_leave,
                                         kind::ask_json, kind::ask_text, kind::stream_post, kind::stream_leave};
        outcomes[i].how = kinds[i % 8];
        outcomes[i].prompt = "Relay request " + std::to_string(i) + ": what comes after " + std::to_string(i) + "?";
        leavers += outcomes[i].how == kind::stream_leave;
    }
    BOOST_REQUIRE_EQUAL(leavers, count / 4);   // half of the streaming clients

    std::atomic<bool> settled = false;
    std::string state;
    f.run([&]() -> asio::awaitable<void> {
        stop_on_exit guard{relay};
        // Streams that leave are slow enough (~10 events, 100 ms apart) to be cut mid-way.
        auto all = gemini::test::all_of(count, [&](std::size_t i) {
            return call_relay(port, &outcomes[i], outcomes[i].how == kind::stream_leave ? 100 : 10);
        });
        co_await std::move(all);

        // Every upstream call ended: the completed ones returned their connections to the
        // pool, and the cancelled streams' connections are closed on both sides.
        auto quiet = eventually(
            [&] {
                const auto r = relay.stats();
                const auto p = client.pool_statistics();
                const auto e = server.stats();
                return r.streams_completed + r.streams_cancelled == count / 2 && p.in_use == 0 && p.waiting == 0 &&
                       e.connections_open == p.open;
            },
            30s);
        settled = co_await std::move(quiet);
        state = describe(relay.stats(), client.pool_statistics(), server.stats());
        if (!settled)
            client.cancel();   // a failure must not hang the test until the upstream answers
        relay.stop();
    }(), threads);
    BOOST_TEST_REQUIRE(settled.load(), state);

    for (const auto& o : outcomes)
    {
        BOOST_TEST_CONTEXT(o.prompt)
        {
            BOOST_TEST(o.failure.empty(), o.failure);
            BOOST_TEST(o.status == 200u);
            if (o.how == kind::stream_leave)
            {
                BOOST_TEST((o.events == std::vector<std::string>{"start"}));
                continue;
            }
            BOOST_TEST(answers(o.text, o.prompt), o.text);
            BOOST_TEST(o.final_status == "completed");
            if (o.how == kind::stream_get || o.how == kind::stream_post)
            {
                BOOST_REQUIRE(!o.events.empty());
                BOOST_TEST(o.events.front() == "start");
                BOOST_TEST(o.events.back() == "done");
                BOOST_TEST(o.events.size() > 3u);   // the answer arrived in several deltas
            }
        }
    }

    const auto r = relay.stats();
    BOOST_TEST(r.requests == count);
    BOOST_TEST(r.asks == count / 2);
    BOOST_TEST(r.streams == count / 2);
    BOOST_TEST(r.streams_completed == count / 4);
    BOOST_TEST(r.streams_cancelled == leavers, state);
    BOOST_TEST(r.asks_abandoned == 0u);
    BOOST_TEST(r.upstream_errors == 0u);
    BOOST_TEST(r.connections_open == 0u);   // stop() ended every session and run() returned

    const auto p = client.pool_statistics();
    BOOST_TEST(p.in_use == 0u);
    BOOST_TEST(server.stats().connections_open == p.open);
    // A cancelled stream's connection is closed, never pooled; the others were reused.
    BOOST_TEST(p.created_total - p.open >= leavers, state);
    BOOST_TEST(p.reused_total > 0u);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(relay_server, emulator_fixture)

BOOST_AUTO_TEST_CASE(two_hundred_concurrent_requests_and_early_leavers_leak_nothing)
{
    two_hundred_requests(*this, 1);
}

BOOST_AUTO_TEST_CASE(an_egress_proxys_refusal_is_the_relays_own_failure)
{
    // A 407 from the relay's proxy was passed on to the relay's caller, whose HTTP stack reads it
    // as its own proxy asking for credentials, with a message naming the relay's proxy.
    gemini::diagnostics d;
    d.http_status = 407;
    d.library_message = "the proxy 10.0.0.1:3128 asks for credentials: give them as http://user:password@host:port";
    const auto ec = make_error_code(gemini::errc::proxy_failed);
    BOOST_TEST(example::relay::detail::status_for(ec, d) == http::status::bad_gateway);
    const std::string body = json::serialize(example::relay::detail::error_json(ec, d));
    BOOST_TEST(body.find("10.0.0.1") == std::string::npos, body);
    // Nor does a failure on the way to the proxy name it.
    gemini::diagnostics unresolved;
    unresolved.library_message = "resolving the proxy egress.internal";
    const std::string resolve_body =
        json::serialize(example::relay::detail::error_json(make_error_code(gemini::errc::resolve_failed), unresolved));
    BOOST_TEST(resolve_body.find("egress.internal") == std::string::npos, resolve_body);
    // The service's own 4xx still reaches the caller.
    gemini::diagnostics api;
    api.http_status = 404;
    BOOST_TEST(example::relay::detail::status_for(make_error_code(gemini::errc::not_found), api) == http::status::not_found);
}

BOOST_AUTO_TEST_CASE(the_same_on_two_threads)
{
    two_hundred_requests(*this, 2);
}

// Between two upstream events the relay writes nothing, so only its read of the downstream
// socket can notice that the client left: with a minute between events, the upstream stream
// is released long before the next write could have failed.
BOOST_AUTO_TEST_CASE(client_leaving_while_upstream_is_silent_cancels_the_stream)
{
    auto client = make_client();
    example::relay::server relay(ioc.get_executor(), client);
    const auto port = relay.start();
    outcome o = make_outcome(kind::stream_leave, "Take your time.");
    bool released = false;
    std::string state;
    run([&]() -> asio::awaitable<void> {
        stop_on_exit guard{relay};
        auto call = call_relay(port, &o, 60000);
        co_await std::move(call);
        auto quiet = eventually(
            [&] { return relay.stats().streams_cancelled == 1 && client.pool_statistics().in_use == 0; }, 30s);
        released = co_await std::move(quiet);
        state = describe(relay.stats(), client.pool_statistics(), server.stats());
        if (!released)
            client.cancel();   // a failure must not hang the test until the upstream answers
        relay.stop();
    }());
    BOOST_TEST(o.failure.empty(), o.failure);
    BOOST_TEST((o.events == std::vector<std::string>{"start"}));
    BOOST_TEST(released, state);
    BOOST_TEST(client.pool_statistics().idle == 0u);   // closed, not pooled: its answer was unfinished
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

gemini::emulator::options slow_creates()
{
    gemini::emulator::options o;
    o.latency = std::chrono::minutes(10);   // the answer never comes while the test runs
    return o;
}

struct slow_emulator : emulator_fixture
{
    slow_emulator() : emulator_fixture(slow_creates()) {}
};

asio::awaitable<void> send_and_leave(std::uint16_t port, std::string prompt)
{
    auto connect = connect_to(port);
    beast::tcp_stream stream = co_await std::move(connect);
    const outcome o = make_outcome(kind::ask_text, std::move(prompt));
    auto req = request_for(o, 0);
    auto write = http::async_write(stream, req, asio::use_awaitable);
    co_await std::move(write);
    stream.socket().close();
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(relay_server_cancellation, slow_emulator)

BOOST_AUTO_TEST_CASE(client_leaving_an_ask_cancels_the_upstream_create)
{
    auto client = make_client();
    example::relay::server relay(ioc.get_executor(), client);
    const auto port = relay.start();
    bool released = false;
    std::string state;
    run([&]() -> asio::awaitable<void> {
        stop_on_exit guard{relay};
        auto leave = send_and_leave(port, "Anyone there?");
        co_await std::move(leave);
        // Without the cancellation the create would hold its connection for ten minutes.
        auto quiet = eventually(
            [&] {
                const auto p = client.pool_statistics();
                return relay.stats().asks_abandoned == 1 && p.in_use == 0 && p.waiting == 0;
            },
            30s);
        released = co_await std::move(quiet);
        state = describe(relay.stats(), client.pool_statistics(), server.stats());
        if (!released)
            client.cancel();   // a failure must not hang the test until the upstream answers
        relay.stop();
    }());
    BOOST_TEST(released, state);
    BOOST_TEST(relay.stats().connections_open == 0u);
    BOOST_TEST(client.pool_statistics().idle == 0u);   // the abandoned exchange was not pooled
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(relay_server_shutdown, emulator_fixture)

BOOST_AUTO_TEST_CASE(stop_during_a_stream_ends_it_after_the_grace_period_and_releases_upstream)
{
    auto client = make_client();
    example::relay::options opts;
    opts.shutdown_grace = 50ms;
    example::relay::server relay(ioc.get_executor(), client, opts);
    const auto port = relay.start();
    outcome o = make_outcome(kind::stream_post, "A slow story, please.");
    std::string state;
    run([&]() -> asio::awaitable<void> {
        stop_on_exit guard{relay};
        auto connect = connect_to(port);
        beast::tcp_stream stream = co_await std::move(connect);
        auto req = request_for(o, 1000);   // ~10 s of events if nobody stops it
        auto write = http::async_write(stream, req, asio::use_awaitable);
        co_await std::move(write);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        auto head = http::async_read_header(stream, buffer, parser, asio::use_awaitable);
        co_await std::move(head);
        while (parser.get().body().find("\n\n") == std::string::npos)
        {
            auto more = http::async_read_some(stream, buffer, parser, asio::use_awaitable);
            co_await std::move(more);
        }
        relay.stop();
        // The relay closes the connection once the grace period is over: the body ends
        // without `event: done` (a read error, not a complete message).
        auto rest = http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        auto [ec, n] = co_await std::move(rest);
        (void)n;
        BOOST_TEST(ec.failed());
        read_stream_body(o, parser.get().body());
        state = describe(relay.stats(), client.pool_statistics(), server.stats());
    }());
    // run() returned: stop() ended every session and the grace timer.
    BOOST_TEST(o.events.front() == "start");
    BOOST_TEST(o.events.back() != "done");
    BOOST_TEST(relay.stats().streams_cancelled == 1u, state);
    BOOST_TEST(relay.stats().connections_open == 0u);
    BOOST_TEST(client.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

http::request<http::string_body> plain_request(http::verb verb, std::string target, std::string body = {},
                                               std::string content_type = "text/plain")
{
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty())
    {
        req.set(http::field::content_type, content_type);
        req.body() = std::move(body);
    }
    req.prepare_payload();
    return req;
}

/// One request on a fresh connection; the whole response.
asio::awaitable<http::response<http::string_body>> exchange(std::uint16_t port, http::request<http::string_body> req)
{
    auto connect = connect_to(port);
    beast::tcp_stream stream = co_await std::move(connect);
    auto write = http::async_write(stream, req, asio::use_awaitable);
    co_await std::move(write);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto read = http::async_read(stream, buffer, res, asio::use_awaitable);
    co_await std::move(read);
    co_return res;
}

std::string error_message(const http::response<http::string_body>& res)
{
    return std::string(json::parse(res.body()).at("error").at("message").as_string());
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(relay_server_http, emulator_fixture)

BOOST_AUTO_TEST_CASE(endpoints_bad_requests_and_upstream_errors)
{
    auto client = make_client();
    example::relay::server relay(ioc.get_executor(), client);
    const auto port = relay.start();
    run([&]() -> asio::awaitable<void> {
        stop_on_exit guard{relay};
        auto health = exchange(port, plain_request(http::verb::get, "/health"));
        auto res = co_await std::move(health);
        BOOST_TEST(res.result_int() == 200u);
        BOOST_TEST(res.body() == "{\"status\":\"ok\"}\n");

        auto empty = exchange(port, plain_request(http::verb::post, "/ask"));
        res = co_await std::move(empty);
        BOOST_TEST(res.result_int() == 400u);
        BOOST_TEST(error_message(res).starts_with("empty prompt"));

        auto no_input = exchange(port, plain_request(http::verb::post, "/stream", R"({"prompt":"hi"})", "application/json"));
        res = co_await std::move(no_input);
        BOOST_TEST(res.result_int() == 400u);
        BOOST_TEST(error_message(res).find("\"input\"") != std::string::npos);

        auto unknown = exchange(port, plain_request(http::verb::get, "/nowhere"));
        res = co_await std::move(unknown);
        BOOST_TEST(res.result_int() == 404u);
        auto wrong_method = exchange(port, plain_request(http::verb::delete_, "/ask"));
        res = co_await std::move(wrong_method);
        BOOST_TEST(res.result_int() == 405u);

        // The client's mistake keeps the API's status and message, for streams too (the error
        // arrives before the first event, so it is a plain JSON answer, not an event stream).
        auto missing = exchange(port, plain_request(http::verb::post, "/ask",
                                                    R"({"input":"Go on.","previous_interaction_id":"int_nope"})",
                                                    "application/json"));
        res = co_await std::move(missing);
        BOOST_TEST(res.result_int() == 404u);
        BOOST_TEST(error_message(res).find("int_nope") != std::string::npos);
        auto missing_stream = exchange(port, plain_request(http::verb::get, "/stream?q=Go%20on.&previous_interaction_id=int_nope"));
        res = co_await std::move(missing_stream);
        BOOST_TEST(res.result_int() == 404u);
        BOOST_TEST(res[http::field::content_type] == "application/json");

        // The relay's own credentials are refused: a bad gateway for its client.
        server.add_fault_rule("route=create;times=1;status=403");
        auto refused = exchange(port, plain_request(http::verb::post, "/ask", "Hello?"));
        res = co_await std::move(refused);
        BOOST_TEST(res.result_int() == 502u);
        BOOST_TEST(json::parse(res.body()).at("error").at("upstream_status").to_number<std::uint64_t>() == 403u);

        // A conversation through the relay: the second turn names the first.
        auto first = exchange(port, plain_request(http::verb::post, "/ask", "My name is Ada."));
        res = co_await std::move(first);
        const std::string id(json::parse(res.body()).at("id").as_string());
        auto second = exchange(port, plain_request(http::verb::post, "/ask",
                                                   json::serialize(json::object{{"input", "Who am I?"},
                                                                                {"previous_interaction_id", id}}),
                                                   "application/json"));
        res = co_await std::move(second);
        BOOST_TEST(res.result_int() == 200u);
        const std::string text(json::parse(res.body()).at("text").as_string());
        BOOST_TEST(text.starts_with("Turn 2."), text);

        auto stats = exchange(port, plain_request(http::verb::get, "/stats"));
        res = co_await std::move(stats);
        const auto counters = json::parse(res.body());
        BOOST_TEST(counters.at("relay").at("requests").to_number<std::uint64_t>() == 11u);
        BOOST_TEST(counters.at("relay").at("upstream_errors").to_number<std::uint64_t>() == 3u);
        BOOST_TEST(counters.at("upstream_pool").at("in_use").to_number<std::uint64_t>() == 0u);
        relay.stop();
    }());
}

BOOST_AUTO_TEST_SUITE_END()
