// client::wait(): polls GET until a background interaction leaves queued / in_progress.
#include <gemini/client.hpp>

#include "operation.hpp"
#include "poll.hpp"
#include "transport/deadline.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace gemini::detail {
namespace {

std::chrono::milliseconds since(clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
}

[[noreturn]] void wait_timed_out(const poll_policy& policy, unsigned polls, const std::string& last_status)
{
    diagnostics diag;
    diag.library_message = "wait deadline of " + std::to_string(policy.deadline.count()) + " ms passed after " +
                           std::to_string(polls) + " polls; last status " +
                           (last_status.empty() ? std::string("unknown") : last_status);
    throw error(make_error_code(errc::timeout), std::move(diag));
}

asio::awaitable<void> throw_if_cancelled()
{
    auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none)
        throw boost::system::system_error(asio::error::operation_aborted);
}

// One operation for the whole wait: client::cancel() and the caller's slot reach the GET in
// flight or the pause between two GETs alike, so nothing keeps waiting after a cancellation.
asio::awaitable<interaction> run_wait(std::shared_ptr<client_impl> impl, std::string id, poll_policy policy)
{
    const auto start = clock::now();
    std::string path = impl->version_path + "/interactions/" + encode_id(id);
    if (policy.get.include_input)
        path += "?include_input=true";
    std::string last_status;
    for (unsigned poll = 1;; ++poll)
    {
        auto check = throw_if_cancelled();
        co_await std::move(check);
        if (poll_deadline_passed(policy, since(start)))
            wait_timed_out(policy, poll - 1, last_status);

        // A GET never outlasts the wait: its own deadline is cut to what is left.
        request_options opts = policy.get.request;
        bool bounded_by_wait = false;
        if (policy.deadline.count() > 0)
        {
            const auto remaining = policy.deadline - since(start);
            const auto own = opts.timeout.count() > 0 ? opts.timeout : impl->options.timeout.request;
            if (remaining < own)
            {
                opts.timeout = std::max(remaining, std::chrono::milliseconds(1));
                bounded_by_wait = true;
            }
        }
        http_call call{http::verb::get, path, {}, &opts, false, true, "wait"};
        interaction latest;
        try
        {
            auto exchange = impl->execute(std::move(call));
            auto reply = co_await std::move(exchange);
            latest = decode_interaction(std::move(reply));
        }
        catch (const deadline_exceeded&)
        {
            if (!bounded_by_wait)
                throw;
            wait_timed_out(policy, poll, last_status);
        }
        last_status = latest.status.str();
        const bool done = latest.is_terminal();
        const auto delay = done ? std::chrono::milliseconds(0) : poll_delay(policy, poll, since(start));
        if (policy.on_poll)
            policy.on_poll(poll_event{id, latest, poll, since(start), delay});
        if (done)
            co_return latest;
        if (delay.count() > 0)
        {
            auto check_again = throw_if_cancelled();
            co_await std::move(check_again);
            asio::steady_timer pause(co_await asio::this_coro::executor, delay);
            auto sleep = pause.async_wait(asio::use_awaitable);
            co_await std::move(sleep);
        }
    }
}

} // namespace

void initiate_wait(const std::shared_ptr<client_impl>& impl, std::string id, poll_policy policy, diagnostics* diag,
                   interaction_handler handler)
{
    auto* out = diag ? diag : policy.get.request.diagnostics_out;
    launch<interaction>(impl, "wait", id, out, std::move(handler), run_wait(impl, id, std::move(policy)));
}

} // namespace gemini::detail

namespace gemini {

boost::asio::awaitable<interaction> client::wait(std::string id, poll_policy policy)
{
    return async_wait(std::move(id), std::move(policy), use_awaitable);
}

} // namespace gemini
