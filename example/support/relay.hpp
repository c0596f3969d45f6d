#pragma once
// A small HTTP front end over one shared gemini::client: what "using the library inside an
// async server" looks like. Header-only so that the example program and the integration test
// start the same server in-process (see docs/relay-server.md).
//
//   POST /ask                 body: the prompt, or JSON {"input": ..., "previous_interaction_id": ...}
//                             -> 200 {"id", "status", "text", "usage"}
//   POST /stream              same body; GET /stream?q=PROMPT[&previous_interaction_id=ID]
//                             -> text/event-stream, relayed while the model writes:
//                                event: start  data: {"id": ...}
//                                event: delta  data: {"text": ...}      (one per text delta)
//                                event: done   data: {"id", "status", "usage"}
//                                event: error  data: {"message", "code"} (upstream failed mid-way)
//   GET /health, GET /stats   liveness; relay counters and the upstream pool's statistics
//
// Every request is answered by one coroutine that races a read of the downstream socket: when
// the HTTP client goes away (EOF, reset, or a failed write), the coroutine is cancelled, and
// the cancellation reaches the upstream call, which closes its upstream connection instead of
// reading an answer nobody wants. Headers named in options::forwarded_headers are copied onto
// the upstream request (the emulator's test headers by default).

#include <gemini/gemini.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/url/parse.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace example::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

struct options
{
    std::string model = "gemini-3.5-flash";
    std::string address = "127.0.0.1";               ///< where start() listens
    /// Request headers copied onto the upstream request ("headers passed through"). Only
    /// these: a relay must never forward its clients' cookies or credentials.
    std::vector<std::string> forwarded_headers{"x-emulator-stream-interval-ms", "x-emulator-output-words",
                                               "x-emulator-stream-chunk-bytes"};
    std::chrono::milliseconds idle_timeout{30000};   ///< keep-alive connection without a request
    std::chrono::milliseconds write_timeout{30000};  ///< one write to a client that stopped reading
    std::chrono::milliseconds shutdown_grace{5000};  ///< stop(): time given to requests in flight
    std::size_t body_limit = 1u << 20;
};

/// Counters, for the /stats endpoint, logs and tests.
struct statistics
{
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_open = 0;
    std::uint64_t requests = 0;           ///< HTTP requests read
    std::uint64_t asks = 0;               ///< POST /ask requests
    std::uint64_t asks_abandoned = 0;     ///< its client left before the answer: upstream call cancelled
    std::uint64_t streams = 0;            ///< /stream requests
    std::uint64_t streams_completed = 0;  ///< relayed to `event: done`
    std::uint64_t streams_cancelled = 0;  ///< its client left mid-way: upstream stream cancelled
    std::uint64_t upstream_errors = 0;    ///< upstream calls that failed (answered 4xx/5xx or `event: error`)
};

namespace detail {

using request_type = http::request<http::string_body>;

struct session
{
    explicit session(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;   // its executor is this session's strand
    beast::flat_buffer buffer;
    bool busy = false;          // answering a request (touched on the session's strand only)
    std::uint64_t id = 0;
};

struct state
{
    state(asio::any_io_executor ex, gemini::client& c, options o)
        : upstream(c), opts(std::move(o)), strand(asio::make_strand(ex)), acceptor(strand), grace(strand)
    {
    }

    gemini::client& upstream;
    const options opts;
    asio::strand<asio::any_io_executor> strand;   // acceptor and grace timer
    tcp::acceptor acceptor;
    asio::steady_timer grace;
    std::atomic<bool> stopping{false};

    std::mutex mutex;
    std::map<std::uint64_t, std::weak_ptr<session>> sessions;
    std::uint64_t next_id = 0;

    struct
    {
        std::atomic<std::uint64_t> accepted{0}, requests{0}, asks{0}, asks_abandoned{0}, streams{0},
            streams_completed{0}, streams_cancelled{0}, upstream_errors{0};
    } count;

    void add(const std::shared_ptr<session>& s)
    {
        std::lock_guard lock(mutex);
        s->id = next_id++;
        sessions.emplace(s->id, s);
    }

    void remove(std::uint64_t id, const std::shared_ptr<state>& self)
    {
        bool last = false;
        {
            std::lock_guard lock(mutex);
            sessions.erase(id);
            last = sessions.empty();
        }
        // Nothing left to wait for: the grace timer must not keep the io_context running.
        if (last && stopping)
            asio::post(strand, [self] { self->grace.cancel(); });
    }

    std::vector<std::shared_ptr<session>> live()
    {
        std::vector<std::shared_ptr<session>> out;
        std::lock_guard lock(mutex);
        for (auto& [id, weak] : sessions)
            if (auto s = weak.lock())
                out.push_back(std::move(s));
        return out;
    }

    /// Closes sessions on their own strands: all of them, or only those waiting for a request.
    void close_sessions(bool busy_too)
    {
        for (auto& s : live())
            asio::post(s->stream.get_executor(), [s, busy_too] {
                if (busy_too || !s->busy)
                    s->stream.close();
            });
    }
};

inline std::string sse_event(std::string_view name, const json::object& data)
{
    // serialize() escapes newlines, so the payload is always a single data: line.
    std::string out = "event: ";
    out += name;
    out += "\ndata: ";
    out += json::serialize(data);
    out += "\n\n";
    return out;
}

struct prompt
{
    std::string input;
    std::string previous_interaction_id;
    std::string error;   // why the request carries no usable prompt
};

inline prompt read_prompt(const request_type& req)
{
    prompt p;
    if (req.method() == http::verb::get)
    {
        auto url = boost::urls::parse_origin_form(req.target());
        if (!url)
        {
            p.error = "the request target is not a valid URL";
            return p;
        }
        auto params = url->params();
        if (auto it = params.find("q"); it != params.end())
            p.input = (*it).value;
        if (auto it = params.find("previous_interaction_id"); it != params.end())
            p.previous_interaction_id = (*it).value;
    }
    else if (req[http::field::content_type].starts_with("application/json"))
    {
        boost::system::error_code ec;
        json::value body = json::parse(req.body(), ec);
        const json::object* o = ec ? nullptr : body.if_object();
        const json::value* input = o ? o->if_contains("input") : nullptr;
        if (!input || !input->is_string())
        {
            p.error = R"(a JSON body needs a string member "input")";
            return p;
        }
        p.input = input->get_string();
        if (const auto* prev = o->if_contains("previous_interaction_id"); prev && prev->is_string())
            p.previous_interaction_id = prev->get_string();
    }
    else
    {
        p.input = req.body();
    }
    if (p.input.empty() && p.error.empty())
        p.error = R"(empty prompt: send it as the body, as {"input": ...}, or as ?q=)";
    return p;
}

inline gemini::request upstream_request(const state& st, const prompt& p)
{
    gemini::request r{.model = st.opts.model, .input = p.input};
    if (!p.previous_interaction_id.empty())
        r.previous_interaction_id = p.previous_interaction_id;
    return r;
}

inline gemini::request_options upstream_options(const state& st, const request_type& req)
{
    gemini::request_options o;
    for (const auto& name : st.opts.forwarded_headers)
        if (auto it = req.find(name); it != req.end())
            o.headers.emplace_back(name, std::string(it->value()));
    return o;
}

/// The client's mistakes keep their status; our own credentials or the upstream's failures
/// are a bad gateway (or a gateway timeout).
inline http::status status_for(const gemini::error_code& ec, const gemini::diagnostics& d)
{
    if (ec == gemini::errc::timeout)
        return http::status::gateway_timeout;
    // The service's answer to the caller's request, passed on; but not this relay's own
    // credentials (401, 403), nor an egress proxy's answer (a 407 would ask the caller's HTTP
    // stack for its proxy credentials).
    if (ec != gemini::errc::proxy_failed && d.http_status >= 400 && d.http_status < 500 && d.http_status != 401 &&
        d.http_status != 403)
        return static_cast<http::status>(d.http_status);
    return http::status::bad_gateway;
}

inline json::object error_json(std::string message, std::string code = {}, unsigned upstream_status = 0)
{
    json::object e{{"message", std::move(message)}};
    if (!code.empty())
        e["code"] = std::move(code);
    if (upstream_status)
        e["upstream_status"] = upstream_status;
    return json::object{{"error", std::move(e)}};
}

inline json::object error_json(const gemini::error_code& ec, const gemini::diagnostics& d)
{
    // What went wrong on the way to the service is the relay's business: those messages name its
    // network (an egress proxy, its host and port; a 407's request for credentials).
    if (ec == gemini::errc::proxy_failed || d.http_status == 0)
        return error_json("the relay could not complete the call upstream: " + ec.message());
    std::string message = !d.api_message.empty() ? d.api_message
                          : !d.library_message.empty() ? d.library_message
                                                       : ec.message();
    return error_json(std::move(message), d.api_code, d.http_status);
}

inline http::response<http::string_body> json_response(const state& st, const request_type& req, http::status status,
                                                        const json::object& body)
{
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "gemini-relay");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive() && !st.stopping);
    res.body() = json::serialize(body);
    res.body() += '\n';
    res.prepare_payload();
    return res;
}

/// Writes a whole response; returns whether the connection may serve another request.
inline asio::awaitable<bool> write_response(std::shared_ptr<state> st, std::shared_ptr<session> s,
                                            http::response<http::string_body> res)
{
    s->stream.expires_after(st->opts.write_timeout);
    auto op = http::async_write(s->stream, res, asio::as_tuple(asio::use_awaitable));
    auto [ec, written] = co_await std::move(op);
    (void)written;
    co_return !ec && res.keep_alive();
}

/// One piece of an SSE body: an HTTP/1.1 chunk, or raw bytes for HTTP/1.0 (which then ends
/// the body by closing the connection).
inline asio::awaitable<bool> write_piece(std::shared_ptr<state> st, std::shared_ptr<session> s, std::string data,
                                         bool chunked)
{
    s->stream.expires_after(st->opts.write_timeout);
    boost::system::error_code ec;
    if (chunked)
    {
        auto op = asio::async_write(s->stream, http::make_chunk(asio::buffer(data)), asio::as_tuple(asio::use_awaitable));
        auto [wec, written] = co_await std::move(op);
        (void)written;
        ec = wec;
    }
    else
    {
        auto op = asio::async_write(s->stream, asio::buffer(data), asio::as_tuple(asio::use_awaitable));
        auto [wec, written] = co_await std::move(op);
        (void)written;
        ec = wec;
    }
    co_return !ec;
}

inline asio::awaitable<bool> handle_ask(std::shared_ptr<state> st, std::shared_ptr<session> s, request_type req)
{
    ++st->count.asks;
    const prompt p = read_prompt(req);
    if (!p.error.empty())
    {
        auto w = write_response(st, s, json_response(*st, req, http::status::bad_request, error_json(p.error)));
        co_return co_await std::move(w);
    }
    gemini::diagnostics diag;
    auto opts = upstream_options(*st, req);
    opts.diagnostics_out = &diag;
    auto op = st->upstream.async_create(upstream_request(*st, p), std::move(opts), asio::as_tuple(asio::use_awaitable));
    auto [ec, answer] = co_await std::move(op);
    if (ec == asio::error::operation_aborted)
    {
        // Cancelled because the client left (or stop() closed it): nobody to answer.
        ++st->count.asks_abandoned;
        co_return false;
    }
    if (ec)
    {
        ++st->count.upstream_errors;
        auto w = write_response(st, s, json_response(*st, req, status_for(ec, diag), error_json(ec, diag)));
        co_return co_await std::move(w);
    }
    json::object body{{"id", answer.id}, {"status", answer.status.str()}, {"text", answer.output_text()}};
    if (answer.usage)
        body["usage"] = json::value_from(*answer.usage);
    auto w = write_response(st, s, json_response(*st, req, http::status::ok, body));
    co_return co_await std::move(w);
}

inline asio::awaitable<bool> handle_stream(std::shared_ptr<state> st, std::shared_ptr<session> s, request_type req)
{
    ++st->count.streams;
    const prompt p = read_prompt(req);
    if (!p.error.empty())
    {
        auto w = write_response(st, s, json_response(*st, req, http::status::bad_request, error_json(p.error)));
        co_return co_await std::move(w);
    }

    // Open upstream first: an error before the first event is still a plain HTTP error answer.
    gemini::diagnostics diag;
    auto opts = upstream_options(*st, req);
    opts.diagnostics_out = &diag;
    auto open = st->upstream.async_stream(upstream_request(*st, p), std::move(opts), asio::as_tuple(asio::use_awaitable));
    auto [oec, upstream] = co_await std::move(open);
    if (oec == asio::error::operation_aborted)
    {
        ++st->count.streams_cancelled;
        co_return false;
    }
    if (oec)
    {
        ++st->count.upstream_errors;
        auto w = write_response(st, s, json_response(*st, req, status_for(oec, diag), error_json(oec, diag)));
        co_return co_await std::move(w);
    }

    const bool chunked = req.version() >= 11;
    const bool keep_alive = chunked && req.keep_alive() && !st->stopping;
    http::response<http::empty_body> head{http::status::ok, req.version()};
    head.set(http::field::server, "gemini-relay");
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    head.keep_alive(keep_alive);
    if (chunked)
        head.chunked(true);
    http::response_serializer<http::empty_body> serializer(head);
    s->stream.expires_after(st->opts.write_timeout);
    auto head_op = http::async_write_header(s->stream, serializer, asio::as_tuple(asio::use_awaitable));
    auto [hec, head_bytes] = co_await std::move(head_op);
    (void)head_bytes;
    if (hec)
    {
        upstream.close();
        ++st->count.streams_cancelled;
        co_return false;
    }

    gemini::interaction final_state;
    for (;;)
    {
        std::optional<gemini::event> ev;
        gemini::error_code nec;
        json::object failure;
        try
        {
            auto pull = upstream.next();
            ev = co_await std::move(pull);
        }
        catch (const boost::system::system_error& e)
        {
            // gemini::error for upstream failures; a plain system_error when this coroutine
            // was cancelled before the pull even started.
            nec = e.code();
            if (const auto* ge = dynamic_cast<const gemini::error*>(&e))
                failure = error_json(nec, ge->diag());
            else
                failure = error_json(e.what());
        }
        std::string piece;
        if (nec == asio::error::operation_aborted)
        {
            // The client left while we waited for the model: the cancellation has closed the
            // upstream connection (close() is then a no-op, kept to say what happens).
            upstream.close();
            ++st->count.streams_cancelled;
            co_return false;
        }
        if (nec)
        {
            ++st->count.upstream_errors;
            auto w = write_piece(st, s, sse_event("error", failure), chunked);
            if (!co_await std::move(w))
                co_return false;
            break;
        }
        if (!ev)
        {
            json::object done{{"id", final_state.id}, {"status", final_state.status.str()}};
            if (final_state.usage)
                done["usage"] = json::value_from(*final_state.usage);
            auto w = write_piece(st, s, sse_event("done", done), chunked);
            if (!co_await std::move(w))
                co_return false;
            ++st->count.streams_completed;
            break;
        }
        if (const auto* created = ev->get_if<gemini::interaction_created_event>())
            piece = sse_event("start", json::object{{"id", created->interaction.id}});
        else if (const auto* text = ev->get_if<gemini::text_delta_event>())
            piece = sse_event("delta", json::object{{"text", text->text}});
        else if (const auto* completed = ev->get_if<gemini::interaction_completed_event>())
            final_state = completed->interaction;
        if (piece.empty())
            continue;
        auto w = write_piece(st, s, std::move(piece), chunked);
        if (!co_await std::move(w))
        {
            // A failed write means the client is gone: end the upstream stream now rather than
            // when its coroutine frame is destroyed.
            upstream.close();
            ++st->count.streams_cancelled;
            co_return false;
        }
    }
    if (chunked)
    {
        s->stream.expires_after(st->opts.write_timeout);
        auto last = asio::async_write(s->stream, http::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
        auto [lec, last_bytes] = co_await std::move(last);
        (void)last_bytes;
        if (lec)
            co_return false;
    }
    co_return keep_alive;
}

inline json::object stats_json(const statistics& r, const gemini::pool_stats& p)
{
    return json::object{
        {"relay",
         {{"connections_accepted", r.connections_accepted},
          {"connections_open", r.connections_open},
          {"requests", r.requests},
          {"asks", r.asks},
          {"asks_abandoned", r.asks_abandoned},
          {"streams", r.streams},
          {"streams_completed", r.streams_completed},
          {"streams_cancelled", r.streams_cancelled},
          {"upstream_errors", r.upstream_errors}}},
        {"upstream_pool",
         {{"open", p.open},
          {"idle", p.idle},
          {"in_use", p.in_use},
          {"waiting", p.waiting},
          {"created_total", p.created_total},
          {"reused_total", p.reused_total}}}};
}

inline statistics snapshot(state& st)
{
    statistics r;
    r.connections_accepted = st.count.accepted;
    {
        std::lock_guard lock(st.mutex);
        r.connections_open = st.sessions.size();
    }
    r.requests = st.count.requests;
    r.asks = st.count.asks;
    r.asks_abandoned = st.count.asks_abandoned;
    r.streams = st.count.streams;
    r.streams_completed = st.count.streams_completed;
    r.streams_cancelled = st.count.streams_cancelled;
    r.upstream_errors = st.count.upstream_errors;
    return r;
}

/// Answers one request; returns whether the connection may serve another. Never throws: any
/// failure (or cancellation) just ends the connection.
inline asio::awaitable<bool> respond(std::shared_ptr<state> st, std::shared_ptr<session> s, request_type req)
{
    try
    {
        const std::string_view target = req.target();
        const std::string_view path = target.substr(0, target.find('?'));
        const auto verb = req.method();
        if (path == "/ask" && verb == http::verb::post)
        {
            auto op = handle_ask(st, s, std::move(req));
            co_return co_await std::move(op);
        }
        if (path == "/stream" && (verb == http::verb::post || verb == http::verb::get))
        {
            auto op = handle_stream(st, s, std::move(req));
            co_return co_await std::move(op);
        }
        json::object body;
        http::status status = http::status::ok;
        if (path == "/health" && verb == http::verb::get)
            body = json::object{{"status", st->stopping ? "stopping" : "ok"}};
        else if (path == "/stats" && verb == http::verb::get)
            body = stats_json(snapshot(*st), st->upstream.pool_statistics());
        else if (path == "/ask" || path == "/stream" || path == "/health" || path == "/stats")
        {
            status = http::status::method_not_allowed;
            body = error_json("method not allowed");
        }
        else
        {
            status = http::status::not_found;
            body = error_json("no such endpoint: try POST /ask, POST /stream, GET /stream?q=..., GET /stats");
        }
        auto w = write_response(st, s, json_response(*st, req, status, body));
        co_return co_await std::move(w);
    }
    catch (const std::exception&)
    {
        co_return false;
    }
}

/// Completes when the peer closed or reset the connection, or stop() closed it. Bytes that
/// arrive meanwhile (a pipelined next request) are kept for the next read; a client that
/// pipelines more than 64 KiB is treated as gone.
inline asio::awaitable<void> watch_peer(std::shared_ptr<session> s)
{
    // The raw socket, not the tcp_stream: its write timeouts must not apply to this read.
    auto& socket = s->stream.socket();
    while (s->buffer.size() < (64u << 10))
    {
        auto op = socket.async_read_some(s->buffer.prepare(4096), asio::as_tuple(asio::use_awaitable));
        auto [ec, n] = co_await std::move(op);
        if (ec)
            co_return;
        s->buffer.commit(n);
    }
}

inline asio::awaitable<void> run_session(std::shared_ptr<state> st, std::shared_ptr<session> s)
{
    const auto ex = s->stream.get_executor();
    try
    {
        while (!st->stopping)
        {
            s->stream.expires_after(st->opts.idle_timeout);
            http::request_parser<http::string_body> parser;
            parser.body_limit(st->opts.body_limit);
            auto read = http::async_read(s->stream, s->buffer, parser, asio::as_tuple(asio::use_awaitable));
            auto [ec, read_bytes] = co_await std::move(read);
            (void)read_bytes;
            if (ec)
                break;   // EOF, idle timeout, oversized or malformed request, or stop()
            s->stream.expires_never();
            s->busy = true;
            ++st->count.requests;

            // The answer races a read of the same socket; whichever ends first cancels the other
            // (wait_for_one), and the group waits until both have finished.
            auto answer = respond(st, s, parser.release());
            auto watch = watch_peer(s);
            auto group = asio::experimental::make_parallel_group(asio::co_spawn(ex, std::move(answer), asio::deferred),
                                                                 asio::co_spawn(ex, std::move(watch), asio::deferred));
            auto wait = group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
            auto [order, answer_error, keep_alive, watch_error] = co_await std::move(wait);
            (void)watch_error;
            s->busy = false;
            if (order[0] != 0 || answer_error || !keep_alive)
                break;
        }
    }
    catch (const std::exception&)
    {
    }
    boost::system::error_code ignored;
    s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    s->stream.close();
    st->remove(s->id, st);
}

inline asio::awaitable<void> accept_loop(std::shared_ptr<state> st)
{
    for (;;)
    {
        // One strand per connection: the server may run on several threads.
        asio::any_io_executor ex = asio::make_strand(st->strand.get_inner_executor());
        auto op = st->acceptor.async_accept(ex, asio::as_tuple(asio::use_awaitable));
        auto [ec, socket] = co_await std::move(op);
        if (ec)
        {
            if (!st->acceptor.is_open() || ec == asio::error::operation_aborted)
                co_return;
            // Out of descriptors, for instance: try again shortly rather than spin.
            asio::steady_timer pause(st->strand, std::chrono::milliseconds(50));
            auto wait = pause.async_wait(asio::as_tuple(asio::use_awaitable));
            co_await std::move(wait);
            continue;
        }
        ++st->count.accepted;
        socket.set_option(tcp::no_delay(true), ec);   // one small write per event must leave at once
        auto s = std::make_shared<session>(std::move(socket));
        st->add(s);
        asio::co_spawn(ex, run_session(st, s), asio::detached);
    }
}

} // namespace detail

/// The relay server. The gemini::client must outlive the io_context's run.
class server
{
public:
    server(asio::any_io_executor ex, gemini::client& upstream, options opts = {})
        : state_(std::make_shared<detail::state>(std::move(ex), upstream, std::move(opts)))
    {
    }
    ~server() { stop(); }
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds options::address:port (0: any free port), starts accepting, and returns the bound
    /// port. Call once; throws boost::system::system_error when the address cannot be bound.
    std::uint16_t start(std::uint16_t port = 0)
    {
        auto& acceptor = state_->acceptor;
        const tcp::endpoint endpoint(asio::ip::make_address(state_->opts.address), port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        port_ = acceptor.local_endpoint().port();
        asio::co_spawn(state_->strand, detail::accept_loop(state_), asio::detached);
        return port_;
    }

    std::uint16_t port() const noexcept { return port_; }

    /// Graceful shutdown, callable from any thread: stops accepting, closes idle keep-alive
    /// connections at once, lets requests in flight finish (their responses say
    /// `Connection: close`), and after options::shutdown_grace closes what is left, which
    /// cancels the upstream calls still running. The io_context's run() returns once every
    /// connection has ended. Idempotent.
    void stop()
    {
        auto st = state_;
        if (st->stopping.exchange(true))
            return;
        asio::post(st->strand, [st] {
            boost::system::error_code ignored;
            st->acceptor.close(ignored);
            if (st->live().empty())
                return;
            st->close_sessions(false);
            st->grace.expires_after(st->opts.shutdown_grace);
            st->grace.async_wait([st](boost::system::error_code ec) {
                if (!ec)
                    st->close_sessions(true);
            });
        });
    }

    statistics stats() const { return detail::snapshot(*state_); }

private:
    std::shared_ptr<detail::state> state_;
    std::uint16_t port_ = 0;
};

} // namespace example::relay
