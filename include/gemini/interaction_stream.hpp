#pragma once
// A streamed interaction as an async generator of typed events:
//
//     auto stream = co_await client.stream(req);
//     while (auto ev = co_await stream.next()) { ... }
//
// Pulled, never pushed: the socket is read only as fast as next() is called, so memory per
// stream is bounded by one read chunk and one event. When the connection drops, a stored
// interaction's stream reconnects and continues exactly after the last event it delivered.

#include <gemini/error.hpp>
#include <gemini/model/accumulator.hpp>
#include <gemini/model/event.hpp>
#include <gemini/model/interaction.hpp>
#include <gemini/use_awaitable.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace gemini {

namespace detail {
class stream_state;
using event_handler = boost::asio::any_completion_handler<void(error_code, std::optional<event>)>;
/// `fold`: collect()'s accumulator, into which the operation folds plain text deltas as they
/// arrive instead of returning them (stream_state::next).
void initiate_next(const std::shared_ptr<stream_state>&, diagnostics*, event_handler, accumulator* fold = nullptr);

struct next_initiation
{
    std::shared_ptr<stream_state> state;
    diagnostics* diag = nullptr;
    accumulator* fold = nullptr;

    template <class Handler>
    void operator()(Handler&& handler)
    {
        initiate_next(state, diag, event_handler(std::forward<Handler>(handler)), fold);
    }
};
} // namespace detail

class interaction_stream
{
public:
    interaction_stream() = default;
    explicit interaction_stream(std::shared_ptr<detail::stream_state> state) noexcept;
    interaction_stream(interaction_stream&&) noexcept = default;
    interaction_stream& operator=(interaction_stream&&) noexcept;
    ~interaction_stream();   ///< closes the HTTP exchange (see close())

    /// The next event; an empty optional at the clean end of the stream (after
    /// interaction.completed and [DONE]). An `error` event, a stream that ends without a
    /// terminal event, or a drop that cannot be resumed completes with an error.
    /// Signature: void(error_code, std::optional<event>).
    template <class CompletionToken = use_awaitable_t>
    auto async_next(CompletionToken&& token = {})
    {
        return boost::asio::async_initiate<CompletionToken, void(error_code, std::optional<event>)>(
            detail::next_initiation{state_}, token);
    }

    /// co_await convenience: the next event or an empty optional at the end; throws gemini::error.
    boost::asio::awaitable<std::optional<event>> next();

    /// An event that is already parsed and buffered, without I/O; empty when none is.
    std::optional<event> try_next();

    /// Pulls every remaining event and folds them into the final interaction (what a unary
    /// create returns). Call it before next() to get the whole interaction. Throws
    /// gemini::error, like next(); events that do not fold (a delta for a step that never
    /// started, say) are errc::malformed_response naming the event at fault.
    boost::asio::awaitable<interaction> collect();

    /// The interaction's id, once interaction.created was received.
    const std::string& interaction_id() const noexcept;
    /// The last `event_id` received: where a resume continues from.
    const std::string& last_event_id() const noexcept;
    /// Events delivered so far, and reconnects performed.
    std::size_t events_received() const noexcept;
    std::size_t resumes() const noexcept;

    /// Ends the stream now: a pending next() completes with operation_aborted and the
    /// connection, whose response is unfinished, is closed rather than pooled.
    void close();

    /// False for a default-constructed or moved-from stream.
    explicit operator bool() const noexcept { return state_ != nullptr; }

private:
    std::shared_ptr<detail::stream_state> state_;
};

} // namespace gemini
