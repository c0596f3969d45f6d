#include "client_impl.hpp"

#include "api_error_body.hpp"
#include "transport/transport_failure.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

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
    ctx->set_verify_mode(asio::ssl::verify_peer);
    error_code ec;
    ctx->set_default_verify_paths(ec);   // a machine without a system store can still use ca_file
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
    if (settings.where.tls)
    {
        tls_ = make_tls_context(options);
        settings.tls = tls_.get();
    }
    pool_ = std::make_shared<connection_pool>(std::move(settings));
}

client_impl::~client_impl() { cancel_all(); }

std::shared_ptr<operation_state> client_impl::begin_operation()
{
    auto op = std::make_shared<operation_state>(asio::make_strand(executor));
    std::lock_guard lock(ops_mutex_);
    if (!cancelled_)
        ops_.insert(op);
    else
        op->pending = asio::cancellation_type::terminal;   // not started yet: no strand needed
    return op;
}

void client_impl::end_operation(const std::shared_ptr<operation_state>& op)
{
    std::lock_guard lock(ops_mutex_);
    ops_.erase(op);
}

void client_impl::cancel_all()
{
    std::set<std::shared_ptr<operation_state>> ops;
    {
        std::lock_guard lock(ops_mutex_);
        cancelled_ = true;
        ops.swap(ops_);
    }
    for (const auto& op : ops)
        asio::post(op->strand, [op] { op->request_cancel(asio::cancellation_type::terminal); });
    pool_->shutdown();
}

asio::awaitable<http::request<http::string_body>> client_impl::build_request(const http_call& call)
{
    http::request<http::string_body> req{call.method, pool_->where().base_path + call.path, 11};
    req.set(http::field::host, pool_->where().host_header);
    req.set(http::field::user_agent, options.user_agent);
    req.set(http::field::accept, "application/json");
    req.keep_alive(true);
    for (const auto& [name, value] : options.headers)
        if (!call.options || !has_header(call.options->headers, name))
            req.set(name, value);
    if (call.options)
        for (const auto& [name, value] : call.options->headers)
            req.set(name, value);

    // A caller-supplied credential header replaces ours, as the official SDKs do.
    const bool caller_auth = req.count(http::field::authorization) != 0 || req.count("x-goog-api-key") != 0;
    if (!caller_auth)
    {
        if (options.token_provider)
        {
            auto fetch = options.token_provider();
            std::string token = co_await std::move(fetch);
            req.set(http::field::authorization, "Bearer " + token);
        }
        else if (!options.api_key.empty())
            req.set("x-goog-api-key", options.api_key);
        else
        {
            diagnostics diag;
            diag.library_message = "no credentials: set GEMINI_API_KEY, client_options::api_key or a token provider";
            throw error(make_error_code(errc::invalid_argument), std::move(diag));
        }
    }
    if (!call.body.empty())
    {
        req.set(http::field::content_type, "application/json");
        req.body() = call.body;
    }
    req.prepare_payload();
    co_return req;
}

asio::awaitable<http_reply> client_impl::attempt(connection_pool::lease& conn, http::request<http::string_body>& req)
{
    try
    {
        auto send = conn->write(req);
        co_await std::move(send);
    }
    catch (const boost::system::system_error& e)
    {
        if (e.code() == asio::error::operation_aborted)
            throw;
        throw exchange_failure(e, "sending the request", true);
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    try
    {
        auto receive = conn->read(parser);
        co_await std::move(receive);
    }
    catch (const boost::system::system_error& e)
    {
        if (e.code() == asio::error::operation_aborted)
            throw;
        throw exchange_failure(e, "reading the response", !parser.got_some());
    }

    auto& res = parser.get();
    http_reply reply;
    reply.info.status = res.result_int();
    reply.info.headers.reserve(std::distance(res.begin(), res.end()));
    for (const auto& field : res)
        reply.info.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    reply.body = std::move(res.body());
    if (res.keep_alive())
        conn.give_back();
    co_return reply;
}

asio::awaitable<http_reply> client_impl::execute(http_call call)
{
    const auto timeout = call.options && call.options->timeout.count() > 0 ? call.options->timeout
                                                                           : options.timeout.request;
    const auto deadline = clock::now() + timeout;
    auto build = build_request(call);
    auto req = co_await std::move(build);

    // A reused keep-alive connection may have been closed by the server while idle; when it
    // fails before any response byte, the request is sent once more on a fresh connection.
    bool fresh = false;
    for (;;)
    {
        auto acquire = pool_->acquire(deadline, fresh);
        auto conn = co_await std::move(acquire);
        try
        {
            auto exchange = attempt(conn, req);
            auto bounded = with_deadline(std::move(exchange), deadline, "waiting for the response");
            co_return co_await std::move(bounded);
        }
        catch (const transport_failure& failure)
        {
            if (!(failure.before_response && conn.reused() && !fresh))
                throw;
        }
        fresh = true;
    }
}

} // namespace gemini::detail
