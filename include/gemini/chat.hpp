#pragma once
// gemini::chat: a multi-turn conversation over the Interactions API.
//
//     gemini::chat chat(client, {.model = "gemini-3.5-flash", .system_instruction = "Be brief."});
//     gemini::interaction reply = co_await chat.send("Hello");
//     reply = co_await chat.send("And again");          // continues the conversation
//
// The settings (a gemini::request without input) are sent again with every turn, as the API
// requires (spec 8.2). Two modes, chosen by `settings.store`:
//   * stored (default): turns are chained on the server with previous_interaction_id;
//   * stateless (`.store = false`): the chat keeps the whole step history and sends it as the
//     `input` of every turn: user_input steps, and every step the server returned exactly as
//     it came (thought signatures, steps of types this library does not know).
// Either way history() holds the conversation's steps and to_json() / from_json() save and
// restore it, so that a server can keep a conversation between two requests of its own users.
//
// A turn is all or nothing: when send() fails (HTTP error, cancellation, a failed round of
// function calling) the history is left exactly as it was.
//
// With functions (chat_options::functions) a turn runs the automatic function-calling loop:
// while the model answers with status requires_action, every function_call of the answer is
// run (concurrently), all results are sent back in one request, and so on until the model
// gives a final answer or function_loop_options::max_rounds is reached (errc::too_many_rounds).
// Without functions, function calls come back to the caller (interaction::function_calls()),
// who answers with a send() of function_result steps (gemini::step::function_result).
//
// A chat is not thread-safe: one turn at a time (a second concurrent turn fails with
// errc::invalid_argument), and no access from other threads while a turn runs. A moved-from
// chat may only be assigned to or destroyed. Operations keep what they need alive, so a chat
// may be destroyed while a turn runs (the turn then completes without anyone to commit to).

#include <gemini/client.hpp>
#include <gemini/error.hpp>
#include <gemini/function_registry.hpp>
#include <gemini/interaction_stream.hpp>
#include <gemini/model/event.hpp>
#include <gemini/model/input.hpp>
#include <gemini/model/interaction.hpp>
#include <gemini/model/request.hpp>
#include <gemini/model/step.hpp>
#include <gemini/request_options.hpp>
#include <gemini/use_awaitable.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gemini {

class chat_stream;  ///< defined below

namespace detail {
struct chat_state;
struct chat_stream_state;

using chat_stream_handler = boost::asio::any_completion_handler<void(error_code, chat_stream)>;

void initiate_chat_send(const std::shared_ptr<chat_state>&, input, request_options, diagnostics*,
                        interaction_handler);
void initiate_chat_stream(const std::shared_ptr<chat_state>&, input, request_options, diagnostics*,
                          chat_stream_handler);
void initiate_chat_next(const std::shared_ptr<chat_stream_state>&, diagnostics*, event_handler);
void initiate_run_functions(const client*, request, function_registry, function_loop_options, request_options,
                            diagnostics*, interaction_handler);

// Like client's erased_initiation, for operations on another object than the client.
template <class Target, class Handler, auto Initiate>
struct target_initiation
{
    Target target;
    diagnostics* diag = nullptr;

    template <class H, class... Args>
    void operator()(H&& handler, Args&&... args)
    {
        Initiate(target, std::forward<Args>(args)..., diag, Handler(std::forward<H>(handler)));
    }
};
} // namespace detail

/// Mode of a chat, from its settings' `store`.
enum class chat_mode
{
    stored,    ///< server-side history, turns chained with previous_interaction_id
    stateless, ///< store:false, the whole history is sent with every turn
};

/// What a chat does besides its request settings.
struct chat_options
{
    /// Handlers for automatic function calling; empty: function calls go to the caller.
    function_registry functions{};
    function_loop_options loop{};
};

/// One streamed turn of a chat (see chat::send_stream). Events are pulled:
///
///     auto s = co_await chat.send_stream("Hi");
///     while (auto ev = co_await s.next()) { ... }
///
/// With functions, the events of every round come in this one stream: the handlers run inside
/// the next() that reaches the end of a round, then the next round's events follow (each round
/// begins with its own interaction.created). The chat's history is updated when next() returns
/// the empty optional at the end of the last round; a stream closed, destroyed or failed before
/// that leaves the history unchanged, and the chat accepts new turns again.
class chat_stream
{
public:
    chat_stream() = default;
    explicit chat_stream(std::shared_ptr<detail::chat_stream_state> state) noexcept;
    chat_stream(chat_stream&&) noexcept = default;
    chat_stream& operator=(chat_stream&&) noexcept;
    ~chat_stream(); ///< close()

    /// The next event; an empty optional after the last round ended cleanly.
    /// Signature: void(error_code, std::optional<event>). After a failure, every later call
    /// fails the same way.
    template <class CompletionToken = use_awaitable_t>
    auto async_next(CompletionToken&& token = {})
    {
        using init = detail::target_initiation<std::shared_ptr<detail::chat_stream_state>, detail::event_handler,
                                               &detail::initiate_chat_next>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, std::optional<event>)>(init{state_},
                                                                                                    token);
    }

    /// co_await convenience of async_next(); throws gemini::error.
    boost::asio::awaitable<std::optional<event>> next();

    /// Pulls the remaining events and returns the final interaction (that of the last round).
    boost::asio::awaitable<interaction> collect();

    /// The final interaction, once the stream ended cleanly; nullptr before.
    const interaction* result() const noexcept;
    /// The round being streamed (1-based; 0 for an empty stream).
    std::size_t round() const noexcept;
    /// Rounds and calls so far.
    function_loop_stats stats() const noexcept;

    /// Abandons the turn: the connection is closed, the history stays as it was.
    void close();

    explicit operator bool() const noexcept { return state_ != nullptr; }

private:
    std::shared_ptr<detail::chat_stream_state> state_;
};

/// A conversation with a model or agent: keeps what the API needs between turns (the stored
/// chain or, with `store = false`, the whole history) and resends the per-turn settings, since
/// the server inherits only the history (spec 8.2). Optionally runs function calls through a
/// function_registry. One turn at a time; not thread-safe. See docs/chat.md.
class chat
{
public:
    /// The client's executor, on which turns run.
    using executor_type = boost::asio::any_io_executor;

    /// A new conversation. `settings` is the template of every turn's request: model or agent,
    /// system_instruction, tools, generation_config, response_format, and any other field
    /// (`extra` included). Its `input` must be empty, and `stream`, `background` and
    /// `continuation_token` unset (gemini::error with errc::invalid_argument otherwise). A
    /// `previous_interaction_id` continues that stored interaction (stored mode), or is sent
    /// with every turn as the stored prefix of the history (stateless mode).
    chat(client& c, request settings, chat_options opts = {});

    /// Restores a conversation saved with to_json(). Functions are code, so they are given
    /// again in `opts`. Throws gemini::error(invalid_argument) naming what does not fit.
    static chat from_json(client& c, const boost::json::value& saved, chat_options opts = {});

    chat(chat&&) noexcept;
    chat& operator=(chat&&) noexcept;
    chat(const chat&) = delete;
    chat& operator=(const chat&) = delete;
    ~chat();

    /// One turn: sends `in` (text, content blocks, or steps such as function results) and
    /// completes with the final interaction of the turn. Signature: void(error_code, interaction).
    template <class CompletionToken = use_awaitable_t>
    auto async_send(input in, request_options opts = {}, CompletionToken&& token = {})
    {
        using init = detail::target_initiation<std::shared_ptr<detail::chat_state>, detail::interaction_handler,
                                               &detail::initiate_chat_send>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, interaction)>(
            init{state_}, token, std::move(in), std::move(opts));
    }

    /// co_await convenience of async_send(); throws gemini::error.
    boost::asio::awaitable<interaction> send(input in, request_options opts = {});

    /// One streamed turn. Completes once the first round's response headers arrived (an error
    /// answer fails here); the events are then pulled from the chat_stream.
    /// Signature: void(error_code, chat_stream).
    template <class CompletionToken = use_awaitable_t>
    auto async_send_stream(input in, request_options opts = {}, CompletionToken&& token = {})
    {
        using init = detail::target_initiation<std::shared_ptr<detail::chat_state>, detail::chat_stream_handler,
                                               &detail::initiate_chat_stream>;
        return boost::asio::async_initiate<CompletionToken, void(error_code, chat_stream)>(
            init{state_}, token, std::move(in), std::move(opts));
    }

    /// co_await convenience of async_send_stream(); throws gemini::error.
    boost::asio::awaitable<chat_stream> send_stream(input in, request_options opts = {});

    /// The conversation's steps, oldest first: the user_input and function_result steps sent
    /// and every step the server returned, as they came.
    const std::vector<step>& history() const noexcept;
    /// The id of the last interaction of the conversation (empty before the first turn). In
    /// stateless mode it names an interaction the server did not keep.
    const std::string& last_interaction_id() const noexcept;
    chat_mode mode() const noexcept;
    /// The request template of every turn.
    const request& settings() const noexcept;
    /// The handlers of automatic function calling; add or remove between turns.
    function_registry& functions() noexcept;
    function_loop_options& loop_options() noexcept;
    /// Rounds and calls of the last successful turn.
    function_loop_stats last_stats() const noexcept;
    /// Whether a turn (or an unfinished chat_stream) is in progress.
    bool busy() const noexcept;

    /// The conversation as JSON: {"format":"gemini-asio/chat@1","mode":...,"settings":{...},
    /// "last_interaction_id":...,"history":[...]}. Steps keep their JSON as the server sent it
    /// (unknown step types with their key order).
    boost::json::object to_json() const;

    /// Starts over: forgets the history and the last interaction id; settings and functions
    /// stay. Throws gemini::error(invalid_argument) while a turn is in progress.
    void reset();

    /// The executor of the client the chat was made with.
    executor_type get_executor() const noexcept;

private:
    explicit chat(std::shared_ptr<detail::chat_state> state) noexcept;
    std::shared_ptr<detail::chat_state> state_;
};

/// Automatic function calling for a single request, without a chat: creates `req`, runs the
/// functions the model asks for, sends their results (chained with previous_interaction_id, or,
/// with `store: false`, by resending the whole exchange), and repeats until an answer that
/// needs no functions or options.max_rounds. Completes with the final interaction
/// (options.stats_out and options.on_round tell what ran). Signature: void(error_code, interaction).
template <class CompletionToken = use_awaitable_t>
auto async_run_functions(client& c, request req, function_registry functions, function_loop_options options = {},
                         request_options opts = {}, CompletionToken&& token = {})
{
    using init = detail::target_initiation<const client*, detail::interaction_handler, &detail::initiate_run_functions>;
    return boost::asio::async_initiate<CompletionToken, void(error_code, interaction)>(
        init{&c}, token, std::move(req), std::move(functions), std::move(options), std::move(opts));
}

/// co_await convenience of async_run_functions(); throws gemini::error.
boost::asio::awaitable<interaction> run_functions(client& c, request req, function_registry functions,
                                                  function_loop_options options = {}, request_options opts = {});

} // namespace gemini
