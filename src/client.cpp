#include <gemini/client.hpp>

#include "api_error_body.hpp"
#include "client_impl.hpp"
#include "transport/transport_failure.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace gemini {
namespace detail {
namespace {

namespace json = boost::json;

// Turns whatever an operation threw into the error_code and diagnostics users see.
error_code describe_failure(std::exception_ptr failure, diagnostics& diag)
{
    try
    {
        std::rethrow_exception(failure);
    }
    catch (const gemini::error& e)
    {
        const auto operation = std::move(diag.operation);
        const auto id = std::move(diag.interaction_id);
        diag = e.diag();
        diag.operation = operation;
        diag.interaction_id = id;
        return e.code();
    }
    catch (const transport_failure& f)
    {
        diag.library_message = f.what + ": " + f.cause.message();
        diag.transport_error = f.cause;
        return make_error_code(f.code);
    }
    catch (const deadline_exceeded& d)
    {
        diag.library_message = std::string("deadline passed while ") + d.phase;
        return make_error_code(errc::timeout);
    }
    catch (const boost::system::system_error& e)
    {
        if (e.code() == asio::error::operation_aborted)
        {
            diag.library_message = "operation cancelled";
            return e.code();
        }
        if (e.code().category() == error_category())
        {
            diag.library_message = e.code().message();
            return e.code();
        }
        diag.library_message = e.what();
        diag.transport_error = e.code();
        return make_error_code(errc::connection_closed);
    }
    catch (const std::exception& e)
    {
        diag.library_message = e.what();
        return make_error_code(errc::malformed_response);
    }
}

// The body of every operation, between the gates of operation_state. Partial cancellation is
// let through as well as terminal: it leaves the client usable (the connection is closed,
// nothing else changes).
template <class T>
asio::awaitable<T> cancellable(std::shared_ptr<operation_state> state, asio::awaitable<T> op)
{
    struct finish_on_exit
    {
        operation_state& state;
        ~finish_on_exit()
        {
            state.running = false;
            state.finished = true;
        }
    } finish{*state};
    co_await asio::this_coro::reset_cancellation_state(asio::enable_partial_cancellation());
    if (state->pending != asio::cancellation_type::none)
        throw boost::system::system_error(asio::error::operation_aborted);
    state->running = true;
    co_return co_await std::move(op);
}

// Runs `op` as a tracked operation on its own strand and completes `handler` on the handler's
// executor with (error_code, T). The caller's cancellation slot and client::cancel() both reach
// the coroutine through the operation's signal.
template <class T, class Handler>
void launch(const std::shared_ptr<client_impl>& impl, const char* operation, std::string interaction_id,
            diagnostics* diag_out, Handler handler, asio::awaitable<T> op_body)
{
    auto op = impl->begin_operation();
    auto caller_slot = asio::get_associated_cancellation_slot(handler);
    if (caller_slot.is_connected())
        caller_slot.assign([op](asio::cancellation_type type) {
            asio::post(op->strand, [op, type] { op->request_cancel(type); });
        });

    auto complete = [impl, op, operation, id = std::move(interaction_id), diag_out,
                     handler = std::move(handler)](std::exception_ptr failure, T value) mutable {
        impl->end_operation(op);
        error_code ec;
        if (failure)
        {
            diagnostics diag;
            diag.operation = operation;
            diag.interaction_id = id;
            ec = describe_failure(failure, diag);
            if (diag_out)
                *diag_out = std::move(diag);
        }
        auto handler_executor = asio::get_associated_executor(handler, impl->executor);
        asio::dispatch(handler_executor, [handler = std::move(handler), ec, value = std::move(value)]() mutable {
            asio::get_associated_cancellation_slot(handler).clear();
            std::move(handler)(ec, std::move(value));
        });
    };
    asio::co_spawn(op->strand, cancellable(op, std::move(op_body)),
                   asio::bind_cancellation_slot(op->signal.slot(), std::move(complete)));
}

std::string encode_id(std::string_view id)
{
    if (id.empty())
    {
        diagnostics diag;
        diag.library_message = "interaction id must not be empty";
        throw error(make_error_code(errc::invalid_argument), std::move(diag));
    }
    return boost::urls::encode(id, boost::urls::unreserved_chars);
}

// Decodes a successful answer, or throws the API's error.
interaction decode_interaction(http_reply reply)
{
    if (reply.info.status / 100 != 2)
        throw error(make_error_code(errc_for_status(reply.info.status)),
                    diagnose_api_error(reply.info, reply.body));
    const auto content_type = reply.info.header("content-type");
    if (content_type.substr(0, 16) != "application/json")
    {
        diagnostics diag;
        diag.http_status = reply.info.status;
        diag.library_message = "expected application/json, got '" + std::string(content_type) + "'";
        throw error(make_error_code(errc::malformed_response), std::move(diag));
    }
    json::parse_options limits;
    limits.max_depth = 256;
    error_code ec;
    json::value parsed = json::parse(reply.body, ec, {}, limits);
    if (ec || !parsed.is_object())
    {
        diagnostics diag;
        diag.http_status = reply.info.status;
        diag.library_message = ec ? "response body is not valid JSON: " + ec.message()
                                  : std::string("response body is not a JSON object");
        throw error(make_error_code(errc::malformed_response), std::move(diag));
    }
    interaction result;
    try
    {
        result = json::value_to<interaction>(parsed);
    }
    catch (const std::exception& e)
    {
        diagnostics diag;
        diag.http_status = reply.info.status;
        diag.library_message = std::string("unexpected interaction JSON: ") + e.what();
        throw error(make_error_code(errc::malformed_response), std::move(diag));
    }
    result.http = std::move(reply.info);
    return result;
}

[[noreturn]] void reject_request(std::string message)
{
    diagnostics diag;
    diag.library_message = std::move(message);
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

std::string create_body(const request& req, const request_options& opts)
{
    if (req.model.has_value() == req.agent.has_value())
        reject_request("a request needs exactly one of model and agent");
    if (req.stream.value_or(false))
        reject_request("stream:true needs the streaming call, not create()");
    json::value body = json::value_from(req);
    auto& fields = body.as_object();
    for (const auto& [key, value] : opts.extra_body)
        fields[key] = value;
    return json::serialize(body);
}

} // namespace

namespace {

// The operations proper. Coroutine functions with by-value parameters, never capturing
// lambdas: a lambda coroutine's captures die with the closure, long before the frame.

asio::awaitable<interaction> run_create(std::shared_ptr<client_impl> impl, request req, request_options opts)
{
    http_call call{http::verb::post, impl->version_path + "/interactions", create_body(req, opts), &opts};
    auto exchange = impl->execute(std::move(call));
    auto reply = co_await std::move(exchange);
    co_return decode_interaction(std::move(reply));
}

asio::awaitable<interaction> run_get(std::shared_ptr<client_impl> impl, std::string id, get_options opts)
{
    std::string path = impl->version_path + "/interactions/" + encode_id(id);
    if (opts.include_input)
        path += "?include_input=true";
    http_call call{http::verb::get, std::move(path), {}, &opts.request};
    auto exchange = impl->execute(std::move(call));
    auto reply = co_await std::move(exchange);
    co_return decode_interaction(std::move(reply));
}

asio::awaitable<interaction> run_cancel(std::shared_ptr<client_impl> impl, std::string id, request_options opts)
{
    http_call call{http::verb::post, impl->version_path + "/interactions/" + encode_id(id) + "/cancel", {}, &opts};
    auto exchange = impl->execute(std::move(call));
    auto reply = co_await std::move(exchange);
    co_return decode_interaction(std::move(reply));
}

asio::awaitable<response_info> run_remove(std::shared_ptr<client_impl> impl, std::string id, request_options opts)
{
    http_call call{http::verb::delete_, impl->version_path + "/interactions/" + encode_id(id), {}, &opts};
    auto exchange = impl->execute(std::move(call));
    auto reply = co_await std::move(exchange);
    if (reply.info.status / 100 != 2)
        throw error(make_error_code(errc_for_status(reply.info.status)), diagnose_api_error(reply.info, reply.body));
    co_return std::move(reply.info);
}

} // namespace

void initiate_create(const std::shared_ptr<client_impl>& impl, request req, request_options opts,
                     diagnostics* diag, interaction_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    launch<interaction>(impl, "create", {}, out, std::move(handler), run_create(impl, std::move(req), std::move(opts)));
}

void initiate_get(const std::shared_ptr<client_impl>& impl, std::string id, get_options opts, diagnostics* diag,
                  interaction_handler handler)
{
    auto* out = diag ? diag : opts.request.diagnostics_out;
    launch<interaction>(impl, "get", id, out, std::move(handler), run_get(impl, id, std::move(opts)));
}

void initiate_cancel(const std::shared_ptr<client_impl>& impl, std::string id, request_options opts,
                     diagnostics* diag, interaction_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    launch<interaction>(impl, "cancel", id, out, std::move(handler), run_cancel(impl, id, std::move(opts)));
}

void initiate_remove(const std::shared_ptr<client_impl>& impl, std::string id, request_options opts,
                     diagnostics* diag, response_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    launch<response_info>(impl, "delete", id, out, std::move(handler), run_remove(impl, id, std::move(opts)));
}

} // namespace detail

client::client(executor_type ex, client_options opts)
    : impl_(std::make_shared<detail::client_impl>(std::move(ex), std::move(opts)))
{
}

client::~client()
{
    if (impl_)
        impl_->cancel_all();
}

client::client(client&&) noexcept = default;
client& client::operator=(client&& other) noexcept
{
    if (this != &other)
    {
        if (impl_)
            impl_->cancel_all();
        impl_ = std::move(other.impl_);
    }
    return *this;
}

client::executor_type client::get_executor() const noexcept { return impl_->executor; }

boost::asio::awaitable<interaction> client::create(request req, request_options opts)
{
    return async_create(std::move(req), std::move(opts), use_awaitable);
}

boost::asio::awaitable<interaction> client::get(std::string id, get_options opts)
{
    return async_get(std::move(id), std::move(opts), use_awaitable);
}

boost::asio::awaitable<interaction> client::cancel(std::string id, request_options opts)
{
    return async_cancel(std::move(id), std::move(opts), use_awaitable);
}

boost::asio::awaitable<response_info> client::remove(std::string id, request_options opts)
{
    return async_remove(std::move(id), std::move(opts), use_awaitable);
}

void client::cancel() { impl_->cancel_all(); }

pool_stats client::pool_statistics() const { return impl_->stats(); }

const std::string& client::base_url() const noexcept { return impl_->options.base_url; }
const std::string& client::api_version() const noexcept { return impl_->options.api_version; }

} // namespace gemini
