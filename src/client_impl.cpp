#include "client_impl.hpp"
#include "operation_strand.hpp"

#include "api_error_body.hpp"
#include "retry.hpp"
#include "transport/proxy.hpp"
#include "transport/reply_parser.hpp"
#include "transport/system_trust_store.hpp"
#include "transport/transport_failure.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/ssl.h>

#include <cstdlib>

namespace gemini::detail {
namespace {

std::string from_env(const char* name, std::string fallback)
{
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : std::move(fallback);
}

void fill_from_environment(client_options& o)
{
    if (o.api_key.empty() && !o.token_provider)
        o.api_key = from_env("GEMINI_API_KEY", "");
    if (o.base_url.empty())
        o.base_url = from_env("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com");
    if (o.api_version.empty())
        o.api_version = from_env("GEMINI_API_VERSION", "v1beta");
    if (o.ca_file.empty())
        o.ca_file = from_env("GEMINI_CA_FILE", "");
}

[[noreturn]] void reject_setup(std::string message)
{
    diagnostics diag;
    diag.operation = "client setup";
    diag.library_message = std::move(message);
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

std::shared_ptr<asio::ssl::context> make_tls_context(const client_options& o)
{
    if (o.ssl_context)
        return o.ssl_context;
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    // TLS 1.3 suites in the order BoringSSL, Chrome and Go offer them; OpenSSL puts AES-256
    // first. AES-128-GCM is as safe for this purpose, and its SHA-256 key schedule is cheaper
    // than AES-256's SHA-384 one: about 6 % of a new connection's CPU here (SHA-NI
    // accelerates SHA-256 only). Servers that honour the client's order (OpenSSL's default,
    // the emulator's) pick it; Google's front ends prefer it themselves.
    SSL_CTX_set_ciphersuites(ctx->native_handle(),
                             "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
    ctx->set_verify_mode(asio::ssl::verify_peer);
    trust_system_store(ctx->native_handle());   // a machine without a system store can still use ca_file
    error_code ec;
    if (!o.ca_file.empty())
    {
        ctx->load_verify_file(o.ca_file, ec);
        if (ec)
            reject_setup("cannot load CA file '" + o.ca_file + "': " + ec.message());
    }
    if (!o.ca_pem.empty())
    {
        ctx->add_certificate_authority(asio::buffer(o.ca_pem), ec);
        if (ec)
            reject_setup("cannot use ca_pem: " + ec.message());
    }
    return ctx;
}

bool has_header(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name)
{
    for (const auto& h : headers)
        if (boost::beast::iequals(h.first, name))
            return true;
    return false;
}

// Classifies a failed read or write on an established connection.
transport_failure exchange_failure(const boost::system::system_error& e, const char* phase, bool before_response)
{
    const auto& ec = e.code();
    if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return {errc::response_too_large, ec, std::string("response exceeds the configured limit while ") + phase,
                false};
    if (ec.category() == http::make_error_code(http::error::bad_version).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
        return {errc::malformed_response, ec, std::string("invalid HTTP while ") + phase, false};
    return {errc::connection_closed, ec, std::string("connection lost while ") + phase, before_response};
}

enum class response_part
{
    whole,
    header,
};

// Writes the request and reads the response (or its header) into `parser`: the I/O of one
// attempt, one coroutine for both steps. A failure becomes a transport_failure naming the
// phase, which says whether any response byte had arrived (none: the request may be retried);
// cancellation stays what it is.
// Interim responses (100 Continue, 103 Early Hints from a proxy) are read past: taken for the
// answer, they would fail the call and leave the real answer to be read by the connection's
// next request.
asio::awaitable<void> send_and_read(connection_pool::lease& conn, outgoing_request& req,
                                    reply_parser& parser, response_part part)
{
    const char* phase = "sending the request";
    bool sending = true;
    bool interim_seen = false;
    try
    {
        // Only a reused connection: its failures before the response are retried on a fresh
        // one (exchange_once), a socket too full to take the request whole included.
        if (!(conn.reused() && conn->write_now(req)))
        {
            auto send = conn->write(req);
            co_await std::move(send);
        }
        sending = false;
        for (;;)
        {
            if (part == response_part::whole)
            {
                phase = "reading the response";
                auto receive = conn->read(parser);
                co_await std::move(receive);
            }
            else
            {
                phase = "reading the response headers";
                auto receive = conn->read_header(parser);
                co_await std::move(receive);
            }
            if (!parser.skip_interim())
                break;
            interim_seen = true;
        }
    }
    catch (const boost::system::system_error& e)
    {
        if (e.code() == asio::error::operation_aborted)
            throw;
        auto failure = exchange_failure(e, phase, !parser.got_some() && !interim_seen);
        failure.unsent = sending;
        throw failure;
    }
}

} // namespace

client_impl::client_impl(asio::any_io_executor ex, client_options opts)
    : executor(std::move(ex)), options(std::move(opts))
{
    fill_from_environment(options);
    if (options.api_version.empty() || options.api_version.find('/') != std::string::npos)
        reject_setup("api_version must be a single path segment such as v1beta");
    version_path = "/" + options.api_version;
    connection_pool::settings settings;
    settings.where = target::parse(options.base_url);
    settings.params = options.pool;
    settings.limits = options.timeout;
    if (settings.params.max_connections == 0)
        reject_setup("pool.max_connections must be at least 1");
    // Deadlines, unlike the pool's limits, have no "none" value: zero would fail every call.
    // (A zero tls_handshake is not one: the handshake then shares the connect's time.)
    const std::pair<std::chrono::milliseconds, const char*> deadlines[] = {
        {options.timeout.connect, "timeout.connect"},
        {options.timeout.request, "timeout.request"},
        {options.streaming.idle_timeout, "streaming.idle_timeout"},
    };
    for (const auto& [value, name] : deadlines)
        if (value.count() <= 0)
            reject_setup(std::string(name) + " must be positive (there is no 'no deadline' value)");
    if (settings.where.tls)
    {
        tls_ = make_tls_context(options);
        settings.tls = tls_.get();
        settings.resume_tls_sessions = options.pool.tls_session_resumption && tls_session_cache::enable(*tls_);
    }
    settings.proxy = select_proxy(settings.where, options.proxy, options.no_proxy, proxy_environment::from_process());
    pool_ = std::make_shared<connection_pool>(std::move(settings));
}

client_impl::~client_impl() { cancel_all(); }

std::shared_ptr<operation_state> client_impl::begin_operation()
{
    asio::any_io_executor strand;
    {
        std::lock_guard lock(ops_mutex_);
        if (!spare_strands_.empty())
        {
            strand = std::move(spare_strands_.back());
            spare_strands_.pop_back();
        }
    }
    if (!strand)
        strand = make_operation_strand(executor);
    auto op = std::make_shared<operation_state>(std::move(strand));
    std::lock_guard lock(ops_mutex_);
    if (!cancelled_)
        ops_.insert(op);
    else
        op->pending = asio::cancellation_type::terminal;   // not started yet: no strand needed
    return op;
}

void client_impl::end_operation(const std::shared_ptr<operation_state>& op)
{
    // Enough spare strands for a burst of this many operations at once; beyond it they are freed.
    constexpr std::size_t max_spare_strands = 1024;
    std::lock_guard lock(ops_mutex_);
    ops_.erase(op);
    if (!cancelled_ && spare_strands_.size() < max_spare_strands)
        spare_strands_.push_back(op->strand);
}

void client_impl::cancel_all()
{
    std::set<std::shared_ptr<operation_state>> ops;
    {
        std::lock_guard lock(ops_mutex_);
        cancelled_ = true;
        ops.swap(ops_);
        spare_strands_.clear();   // no operation will start
    }
    for (const auto& op : ops)
        asio::post(op->strand, [op] { op->request_cancel(asio::cancellation_type::terminal); });
    pool_->shutdown();
}

namespace {

// A header of the caller's that cannot go on the wire: named, its value never shown (it may be a
// credential).
[[noreturn]] void reject_header(std::string_view name,
                                std::string_view why = "its name is not an HTTP token or its value holds a control character")
{
    diagnostics diag;
    diag.library_message = "header '" + std::string(name.substr(0, 64)) + "' cannot be sent: " + std::string(why);
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

// Whether the caller sets header `name`, for the client or for this call: it replaces the
// library's of the same name (call headers replace client headers), and takes its place in the
// order the caller gave.
bool caller_sets(const client_options& options, const http_call& call, std::string_view name)
{
    return has_header(options.headers, name) || (call.options && has_header(call.options->headers, name));
}

// A caller-supplied credential header replaces ours, as the official SDKs do.
bool caller_sets_credential(const client_options& options, const http_call& call)
{
    return caller_sets(options, call, "authorization") || caller_sets(options, call, "x-goog-api-key");
}

} // namespace

bool client_impl::wants_token(const http_call& call) const
{
    return options.token_provider && !caller_sets_credential(options, call);
}

outgoing_request client_impl::start_request(const http_call& call)
{
    const target& where = pool_->where();
    outgoing_request req(call.method, call.raw_target ? std::string_view() : std::string_view(where.base_path), call.path);
    const auto* call_headers = call.options ? &call.options->headers : nullptr;
    const auto overridden = [&](std::string_view name) { return caller_sets(options, call, name); };
    // Every value is checked, the library's too: a user agent, a token or an upload's MIME type
    // come from the caller as well.
    const auto add = [&](std::string_view name, std::string_view value) {
        if (!req.add_header(name, value))
            reject_header(name);
    };
    if (!overridden("host"))
        add("Host", where.host_header);
    if (!overridden("user-agent"))
        add("User-Agent", options.user_agent);
    if (!overridden("accept"))
        add("Accept", call.event_stream ? "text/event-stream" : "application/json");
    if (!call.body.empty() && !overridden("content-type"))
        add("Content-Type", call.content_type.empty() ? std::string_view("application/json") : call.content_type);
    const auto add_callers = [&](const std::string& name, const std::string& value) {
        // The message framing is the library's: a second length would make the request ambiguous.
        if (boost::beast::iequals(name, "content-length") || boost::beast::iequals(name, "transfer-encoding"))
            reject_header(name, "is set by the library");
        add(name, value);
    };
    for (const auto& [name, value] : options.headers)
        if (!call_headers || !has_header(*call_headers, name))
            add_callers(name, value);
    if (call_headers)
        for (const auto& [name, value] : *call_headers)
            add_callers(name, value);

    if (!caller_sets_credential(options, call) && !options.token_provider)
    {
        if (options.api_key.empty())
        {
            diagnostics diag;
            diag.library_message = "no credentials: set GEMINI_API_KEY, client_options::api_key or a token provider";
            throw error(make_error_code(errc::invalid_argument), std::move(diag));
        }
        add("x-goog-api-key", options.api_key);
    }
    return req;
}

void client_impl::add_token(outgoing_request& req, std::string_view token)
{
    std::string value("Bearer ");
    value.append(token);
    if (!req.add_header("Authorization", value))
        reject_header("Authorization");
}

asio::awaitable<http_reply> client_impl::attempt(connection_pool::lease& conn, outgoing_request& req)
{
    reply_parser parser(options.max_response_bytes);
    auto exchange = send_and_read(conn, req, parser, response_part::whole);
    co_await std::move(exchange);

    http_reply reply{std::move(parser.body()), std::move(parser.info())};
    if (parser.keep_alive())
        conn.give_back();
    if (reply.info.status / 100 != 2)
        throw error(make_error_code(errc_for_status(reply.info.status)), diagnose_api_error(reply.info, reply.body));
    co_return reply;
}

clock::time_point client_impl::deadline_for(const http_call& call) const
{
    const auto timeout = call.options && call.options->timeout.count() > 0 ? call.options->timeout
                                                                           : options.timeout.request;
    return clock::now() + timeout;
}

// Retries what the policy allows (see retry.hpp), waiting between attempts; the last failure is
// rethrown as it was.
namespace {

unsigned status_of(const http_reply& r) { return r.info.status; }
unsigned status_of(const stream_exchange& s) { return s.parser->info().status; }

} // namespace

void client_impl::trace(const http_call& call, unsigned attempt, clock::time_point start, unsigned status,
                        error_code ec) const
{
    if (!options.trace)
        return;
    trace_event e;
    e.operation = call.operation;
    e.method = std::string(http::to_string(call.method));
    e.path = call.path;
    e.attempt = attempt;
    e.status = status;
    e.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start);
    e.error = ec;
    options.trace(e);
}

template <class T>
asio::awaitable<T> client_impl::with_retries(http_call call, attempt_function<T> attempt_fn)
{
    const auto deadline = deadline_for(call);
    const retry_policy& policy = policy_for(call.options);
    for (unsigned retries = 0;; ++retries)
    {
        std::exception_ptr failure;
        error_code ec;
        diagnostics diag;
        bool before_response = false;
        bool sent = true;
        const auto start = clock::now();
        try
        {
            auto attempt = exchange_once(call, deadline, attempt_fn);
            T result = co_await std::move(attempt);
            trace(call, retries + 1, start, status_of(result), {});
            co_return result;
        }
        catch (const error& e)
        {
            trace(call, retries + 1, start, e.diag().http_status, e.code());
            if (e.diag().http_status == 0)
                throw;
            failure = std::current_exception();
            ec = e.code();
            diag = e.diag();
        }
        catch (const transport_failure& f)
        {
            trace(call, retries + 1, start, 0, make_error_code(f.code));
            failure = std::current_exception();
            ec = make_error_code(f.code);
            before_response = f.before_response;
            sent = f.code == errc::connection_closed && !f.unsent;
        }
        catch (const deadline_exceeded&)
        {
            trace(call, retries + 1, start, 0, make_error_code(errc::timeout));
            throw;
        }
        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        const auto decision = decide_retry(policy, retries, ec, diag, before_response, sent, call.idempotent,
                                           remaining, jitter_sample());
        if (!decision.retry)
            std::rethrow_exception(failure);
        if (policy.on_retry)
            policy.on_retry(retry_event{call.operation, retries + 1, decision.delay, ec, diag.http_status,
                                        decision.server_hint});
        asio::steady_timer pause(co_await asio::this_coro::executor, decision.delay);
        auto wait = pause.async_wait(asio::use_awaitable);
        co_await std::move(wait);
    }
}

// One attempt: build the request (a token provider may refresh per attempt) and run
// `attempt_fn` on a pooled connection. A reused keep-alive connection may have been closed by
// the server while idle; when it fails before any response byte, the attempt is made once more
// on a fresh connection. That failure looks the same as a request the server received and whose
// answer was lost, so a create or cancel is sent again only when its policy allows running it
// twice; otherwise the failure goes to the policy, which reports it. One coroutine for all of
// it, the connection taken without one when the pool has it ready: each coroutine is a frame
// allocated and freed per request.
template <class T>
asio::awaitable<T> client_impl::exchange_once(const http_call& call, clock::time_point deadline,
                                              attempt_function<T> attempt_fn)
{
    // The caller's headers are checked before a token provider is asked (it may go to the
    // network); its token is the last header.
    outgoing_request req = start_request(call);
    if (wants_token(call))
    {
        auto fetch = options.token_provider();
        const std::string token = co_await std::move(fetch);
        add_token(req, token);
    }
    req.finish(call.body);
    bool fresh = false;
    for (;;)
    {
        auto turn = pool_->try_acquire(fresh);
        connection_pool::lease conn;
        if (turn && turn->holds_connection())
            conn = std::move(*turn);
        else   // a slot to open a connection in, or no turn yet
        {
            auto acquire = pool_->acquire(deadline, fresh, std::move(turn));
            conn = co_await std::move(acquire);
        }
        try
        {
            auto exchange = (this->*attempt_fn)(conn, req);
            auto bounded = conn->bounded(std::move(exchange), deadline, "waiting for the response");
            co_return co_await std::move(bounded);
        }
        catch (const transport_failure& failure)
        {
            if (!(failure.before_response && conn.reused() && !fresh &&
                  (failure.unsent || may_resend(call.options, call.idempotent))))
                throw;
        }
        fresh = true;
    }
}

asio::awaitable<http_reply> client_impl::execute(http_call call)
{
    return with_retries<http_reply>(std::move(call), &client_impl::attempt);
}

asio::awaitable<stream_exchange> client_impl::attempt_stream(connection_pool::lease& conn,
                                                             outgoing_request& req)
{
    auto parser = std::make_unique<reply_parser>(reply_parser::windowed);
    auto exchange = send_and_read(conn, req, *parser, response_part::header);
    co_await std::move(exchange);

    const response_info& info = parser->info();
    if (info.status != 200)
    {
        // Errors before streaming begins are ordinary JSON error bodies (spec 11.1).
        std::string body;
        std::array<char, 4096> chunk;
        constexpr std::size_t error_body_limit = 1u << 20;
        while (!parser->is_done() && body.size() < error_body_limit)
        {
            parser->lend_window(chunk.data(), chunk.size());
            auto read = conn->read_some_body(*parser);
            const error_code ec = co_await std::move(read);
            body.append(chunk.data(), chunk.size() - parser->window_left());
            if (ec)
                break;
        }
        throw error(make_error_code(errc_for_status(info.status)), diagnose_api_error(info, body));
    }
    if (!info.header("content-type").starts_with("text/event-stream"))
    {
        diagnostics diag;
        diag.http_status = info.status;
        diag.library_message = "expected text/event-stream, got '" + std::string(info.header("content-type")) + "'";
        throw error(make_error_code(errc::malformed_response), std::move(diag));
    }
    co_return stream_exchange{std::move(conn), std::move(parser)};
}

asio::awaitable<stream_exchange> client_impl::open_stream(http_call call)
{
    call.event_stream = true;
    return with_retries<stream_exchange>(std::move(call), &client_impl::attempt_stream);
}

} // namespace gemini::detail
