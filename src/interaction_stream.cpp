#include <gemini/interaction_stream.hpp>

#include "operation.hpp"
#include "stream_state.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace gemini {

namespace detail {
namespace {

asio::awaitable<std::optional<event>> run_next(std::shared_ptr<stream_state> state, accumulator* fold)
{
    auto pull = state->next(fold);
    co_return co_await std::move(pull);
}

} // namespace

void initiate_next(const std::shared_ptr<stream_state>& state, diagnostics* diag, event_handler handler,
                   accumulator* fold)
{
    if (!state)
        reject_argument("next() on an empty interaction_stream");
    // An event already received (one read usually brings several) is handed over without a new
    // operation: no strand, coroutine, deadline or cancellation slot per event, only the post
    // that Asio asks of a handler completing at once.
    if (auto ready = state->try_next())
    {
        // Posted to the client's executor, then run on the handler's own: 1.81's post() does not
        // take the any_completion_executor an any_completion_handler is associated with.
        const auto& io = state->client()->executor;
        asio::post(io, [io, handler = std::move(handler), e = std::move(ready)]() mutable {
            auto handler_executor = asio::get_associated_executor(handler, io);
            asio::dispatch(handler_executor, [handler = std::move(handler), e = std::move(e)]() mutable {
                std::move(handler)(error_code{}, std::move(e));
            });
        });
        return;
    }
    auto op = launch<std::optional<event>>(state->client(), "stream", state->interaction_id(), diag,
                                           std::move(handler), run_next(state, fold));
    state->set_current_operation(op);
}

} // namespace detail

interaction_stream::interaction_stream(std::shared_ptr<detail::stream_state> state) noexcept
    : state_(std::move(state))
{
}

interaction_stream& interaction_stream::operator=(interaction_stream&& other) noexcept
{
    if (this != &other)
    {
        close();
        state_ = std::move(other.state_);
    }
    return *this;
}

interaction_stream::~interaction_stream() { close(); }

boost::asio::awaitable<std::optional<event>> interaction_stream::next()
{
    // An event already received is returned without suspending: no handler, post or
    // cancellation slot per event. Most events of a busy stream arrive several per read.
    if (auto ready = try_next())
        co_return ready;
    auto pull = async_next(use_awaitable);
    co_return co_await std::move(pull);
}

std::optional<event> interaction_stream::try_next() { return state_ ? state_->try_next() : std::nullopt; }

boost::asio::awaitable<interaction> interaction_stream::collect()
{
    accumulator folded;
    const auto keep = state_;   // the stream may be moved from while collect() runs
    try
    {
        for (;;)
        {
            std::optional<event> e = try_next();
            if (!e)
            {
                // Text deltas that arrive during the pull are folded into `folded` on the spot.
                auto pull = boost::asio::async_initiate<const use_awaitable_t&, void(error_code, std::optional<event>)>(
                    detail::next_initiation{keep, nullptr, &folded}, use_awaitable);
                e = co_await std::move(pull);
            }
            keep->rethrow_fold_error();   // a delta that failed to fold came before e
            if (!e)
                co_return folded.take();
            folded.add(std::move(*e));   // an inline image is moved into the answer, not copied
        }
    }
    catch (const std::invalid_argument& x)
    {
        // The accumulator's refusal of an inconsistent stream, as the library's own error.
        throw keep->fold_failure(x.what());
    }
    catch (...)
    {
        if (keep)
            keep->rethrow_fold_error();   // a delta that failed to fold came before the failure
        throw;
    }
}

namespace {
const std::string no_text;
}

const std::string& interaction_stream::interaction_id() const noexcept
{
    return state_ ? state_->interaction_id() : no_text;
}

const std::string& interaction_stream::last_event_id() const noexcept
{
    return state_ ? state_->last_event_id() : no_text;
}

std::size_t interaction_stream::events_received() const noexcept { return state_ ? state_->events_received() : 0; }
std::size_t interaction_stream::resumes() const noexcept { return state_ ? state_->resumes() : 0; }

void interaction_stream::close()
{
    if (state_)
        state_->close();
}

} // namespace gemini
