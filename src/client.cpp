#include <gemini/client.hpp>

#include "api_error_body.hpp"
#include "continuation.hpp"
#include "create_body.hpp"
#include "operation.hpp"
#include "stream_state.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

namespace gemini {
namespace detail {
namespace {

namespace json = boost::json;

// The operations proper. Coroutine functions with by-value parameters, never capturing
// lambdas: a lambda coroutine's captures die with the closure, long before the frame.

asio::awaitable<std::unique_ptr<interaction>> run_create(std::shared_ptr<client_impl> impl, request req,
                                                         request_options opts)
{
    http_call call{http::verb::post, impl->version_path + "/interactions", create_body(req, opts, false), &opts,
                   false, false, "create"};
    auto exchange = impl->execute(std::move(call));
    auto reply = co_await std::move(exchange);
    auto answer = decode_boxed_interaction(std::move(reply));
    if (should_continue(*answer, req, opts, impl->options))
    {
        auto hops = follow_continuation(std::move(impl), std::move(req), std::move(opts), std::move(*answer));
        interaction combined = co_await std::move(hops);
        *answer = std::move(combined);
    }
    co_return answer;
}

asio::awaitable<std::unique_ptr<interaction>> run_get(std::shared_ptr<client_impl> impl, std::string id,
                                                      get_options opts)
{
    std::string path = impl->version_path + "/interactions/" + encode_id(id);
    if (opts.include_input)
        path += "?include_input=true";
    http_call call{http::verb::get, std::move(path), {}, &opts.request, false, true, "get"};
    auto exchange = impl->execute(std::move(call));
    auto reply = co_await std::move(exchange);
    co_return decode_boxed_interaction(std::move(reply));
}

asio::awaitable<std::unique_ptr<interaction>> run_cancel(std::shared_ptr<client_impl> impl, std::string id,
                                                         request_options opts)
{
    http_call call{http::verb::post, impl->version_path + "/interactions/" + encode_id(id) + "/cancel", {}, &opts,
                   false, false, "cancel"};
    auto exchange = impl->execute(std::move(call));
    auto reply = co_await std::move(exchange);
    co_return decode_boxed_interaction(std::move(reply));
}

asio::awaitable<response_info> run_remove(std::shared_ptr<client_impl> impl, std::string id, request_options opts)
{
    http_call call{http::verb::delete_, impl->version_path + "/interactions/" + encode_id(id), {}, &opts,
                   false, true, "delete"};
    auto exchange = impl->execute(std::move(call));
    auto reply = co_await std::move(exchange);
    co_return std::move(reply.info);
}

asio::awaitable<interaction_stream> open_stream(std::shared_ptr<stream_state> state)
{
    auto open = state->open();
    co_await std::move(open);
    co_return interaction_stream(std::move(state));
}

asio::awaitable<interaction_stream> run_stream(std::shared_ptr<client_impl> impl, request req, request_options opts)
{
    const bool stored = sent_flag(opts, "store", req.store, true);
    auto body = create_body(req, opts, true);
    const bool hops = streams_continue(req, opts, impl->options);
    const unsigned max_hops = impl->options.continuation.max_hops;
    auto state = stream_state::for_create(std::move(impl), std::move(body), stored, std::move(opts));
    if (hops)
        state->follow_continuation(max_hops);
    auto open = open_stream(std::move(state));
    co_return co_await std::move(open);
}

asio::awaitable<interaction_stream> run_stream_get(std::shared_ptr<client_impl> impl, std::string id,
                                                   std::string last_event_id, request_options opts)
{
    auto state = stream_state::for_get(std::move(impl), std::move(id), std::move(last_event_id), std::move(opts));
    auto open = open_stream(std::move(state));
    co_return co_await std::move(open);
}

} // namespace

void initiate_stream(const std::shared_ptr<client_impl>& impl, request req, request_options opts,
                     diagnostics* diag, stream_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    launch<interaction_stream>(impl, "stream", {}, out, std::move(handler), run_stream(impl, std::move(req), std::move(opts)));
}

void initiate_stream_get(const std::shared_ptr<client_impl>& impl, std::string id, std::string last_event_id,
                         request_options opts, diagnostics* diag, stream_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    launch<interaction_stream>(impl, "stream", id, out, std::move(handler),
                               run_stream_get(impl, id, std::move(last_event_id), std::move(opts)));
}

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

boost::asio::awaitable<interaction_stream> client::stream(request req, request_options opts)
{
    return async_stream(std::move(req), std::move(opts), use_awaitable);
}

boost::asio::awaitable<interaction_stream> client::stream_get(std::string id, std::string last_event_id,
                                                              request_options opts)
{
    return async_stream_get(std::move(id), std::move(last_event_id), std::move(opts), use_awaitable);
}

void client::cancel() { impl_->cancel_all(); }

pool_stats client::pool_statistics() const { return impl_->stats(); }

const std::string& client::base_url() const noexcept { return impl_->options.base_url; }
const std::string& client::api_version() const noexcept { return impl_->options.api_version; }

} // namespace gemini
