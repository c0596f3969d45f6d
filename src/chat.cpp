// gemini::chat, chat_stream and run_functions: the I/O side of conversations and automatic
// function calling. The decisions (which request, what to remember) live in chat_core.cpp.
#include <gemini/chat.hpp>

#include "chat_core.hpp"
#include "operation.hpp"
#include "operation_strand.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <exception>
#include <optional>
#include <utility>

namespace gemini {
namespace detail {

struct chat_state
{
    std::shared_ptr<client_impl> client;
    conversation conv;
    function_registry functions;
    function_loop_options loop;
    function_loop_stats last_stats;
    std::atomic<bool> busy{false};
};

namespace {

// ---- plumbing -----------------------------------------------------------------------------

[[noreturn]] void throw_busy(const char* operation)
{
    diagnostics diag;
    diag.operation = operation;
    diag.library_message = "another turn of this chat is in progress (one turn at a time; finish or close a "
                           "chat_stream before the next turn)";
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

void throw_if_cancelled(const asio::cancellation_state& cs)
{
    if (cs.cancelled() != asio::cancellation_type::none)
        throw boost::system::system_error(asio::error::operation_aborted);
}

// Runs `body` on `ex` and completes `handler` on its own executor with (error_code, T). The
// caller's cancellation slot reaches the coroutine. gemini::error keeps its diagnostics (the
// failing inner operation's name included); anything else is described as `operation`.
template <class T, class Handler>
void spawn_operation(asio::any_io_executor ex, const char* operation, diagnostics* diag_out, Handler handler,
                     asio::awaitable<T> body)
{
    auto signal = std::make_shared<asio::cancellation_signal>();
    auto caller_slot = asio::get_associated_cancellation_slot(handler);
    if (caller_slot.is_connected())
        caller_slot.assign([signal, ex](asio::cancellation_type type) {
            asio::post(ex, [signal, type] { signal->emit(type); });
        });
    auto complete = [ex, signal, operation, diag_out, handler = std::move(handler)](std::exception_ptr failure,
                                                                                  T value) mutable {
        error_code ec;
        if (failure)
        {
            diagnostics diag;
            try
            {
                std::rethrow_exception(failure);
            }
            catch (const error& e)
            {
                ec = e.code();
                diag = e.diag();
                if (diag.operation.empty())
                    diag.operation = operation;
            }
            catch (...)
            {
                diag.operation = operation;
                ec = describe_failure(std::current_exception(), diag);
            }
            if (diag_out)
                *diag_out = std::move(diag);
        }
        auto handler_executor = asio::get_associated_executor(handler, ex);
        asio::dispatch(handler_executor, [handler = std::move(handler), ec, value = std::move(value)]() mutable {
            asio::get_associated_cancellation_slot(handler).clear();
            std::move(handler)(ec, std::move(value));
        });
    };
    asio::co_spawn(ex, std::move(body), asio::bind_cancellation_slot(signal->slot(), std::move(complete)));
}

asio::awaitable<interaction> create_on(std::shared_ptr<client_impl> impl, request req, request_options opts)
{
    diagnostics diag;
    auto token = asio::as_tuple(asio::use_awaitable);
    using init = erased_initiation<interaction_handler, &initiate_create>;
    auto op = asio::async_initiate<decltype(token), void(error_code, interaction)>(init{impl, &diag}, token,
                                                                                  std::move(req), std::move(opts));
    auto [ec, value] = co_await std::move(op);
    if (ec)
        throw error(ec, std::move(diag));
    co_return std::move(value);
}

asio::awaitable<interaction_stream> stream_on(std::shared_ptr<client_impl> impl, request req, request_options opts)
{
    diagnostics diag;
    auto token = asio::as_tuple(asio::use_awaitable);
    using init = erased_initiation<stream_handler, &initiate_stream>;
    auto op = asio::async_initiate<decltype(token), void(error_code, interaction_stream)>(
        init{impl, &diag}, token, std::move(req), std::move(opts));
    auto [ec, value] = co_await std::move(op);
    if (ec)
        throw error(ec, std::move(diag));
    co_return std::move(value);
}

// ---- function calls -------------------------------------------------------------------------

// Every call of a round at once, on the loop's strand: handlers interleave at their co_awaits
// and never run in parallel threads. Results come back in the order of the calls.
asio::awaitable<std::vector<function_result_step>> run_calls(function_registry functions,
                                                             std::vector<function_call_step> calls)
{
    std::vector<function_result_step> results;
    if (calls.size() == 1)
    {
        auto op = functions.invoke(calls.front());
        results.push_back(co_await std::move(op));
        co_return results;
    }
    auto ex = co_await asio::this_coro::executor;
    using spawned = decltype(asio::co_spawn(ex, functions.invoke(calls.front()), asio::deferred));
    std::vector<spawned> ops;
    ops.reserve(calls.size());
    for (const auto& call : calls)
        ops.push_back(asio::co_spawn(ex, functions.invoke(call), asio::deferred));
    auto group = asio::experimental::make_parallel_group(std::move(ops));
    auto wait = group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    auto [order, failures, values] = co_await std::move(wait);
    (void)order;
    for (const auto& f : failures)
        if (f)
            std::rethrow_exception(f);
    co_return std::move(values);
}

/// The state of one automatic loop (a chat turn or a run_functions call).
struct loop_run
{
    std::shared_ptr<client_impl> client;
    function_registry functions;
    function_loop_options options;
    request_options http_options;
    const char* operation = "chat.send";
    function_loop_stats stats{};

    /// Runs the calls `got` asks for and returns the next round's input; nullopt when the turn
    /// is over (no functions, or no pending calls).
    asio::awaitable<std::optional<input>> answer_calls(const interaction& got)
    {
        if (functions.empty())
            co_return std::nullopt;
        std::vector<function_call_step> calls = pending_calls(got);
        if (calls.empty())
            co_return std::nullopt;
        if (stats.rounds >= options.max_rounds)
            throw_too_many_rounds(options.max_rounds, got, operation);
        auto exec = run_calls(functions, calls);
        std::vector<function_result_step> results = co_await std::move(exec);
        auto cs = co_await asio::this_coro::cancellation_state;
        throw_if_cancelled(cs);
        stats.calls += results.size();
        std::vector<step> steps;
        steps.reserve(results.size());
        for (const auto& r : results)
        {
            stats.failed_calls += r.is_error.value_or(false);
            steps.emplace_back(r);
        }
        if (options.on_round)
            options.on_round(function_round{stats.rounds, got, calls, results});
        co_return input(std::move(steps));
    }

    void report() const
    {
        if (options.stats_out)
            *options.stats_out = stats;
    }
};

asio::awaitable<interaction> run_rounds(loop_run& run, turn& t, input in)
{
    for (;;)
    {
        auto create = create_on(run.client, t.next_request(in), run.http_options);
        interaction got = co_await std::move(create);
        ++run.stats.rounds;
        t.record(in, got);
        auto answer = run.answer_calls(got);
        std::optional<input> next = co_await std::move(answer);
        if (!next)
            co_return got;
        in = std::move(*next);
    }
}

/// Clears a chat's busy flag when the turn that set it ends, however it ends.
struct busy_guard
{
    std::shared_ptr<chat_state> state;
    busy_guard(std::shared_ptr<chat_state> s) noexcept : state(std::move(s)) {}
    busy_guard(busy_guard&& o) noexcept : state(std::move(o.state)) {}
    busy_guard& operator=(busy_guard&&) = delete;
    ~busy_guard() { release(); }
    void release() noexcept
    {
        if (state)
            std::exchange(state, nullptr)->busy = false;
    }
};

asio::awaitable<interaction> run_send(std::shared_ptr<chat_state> state, bool acquired, input in,
                                      request_options opts)
{
    if (!acquired)
        throw_busy("chat.send");
    busy_guard guard(state);
    loop_run run{state->client, state->functions, state->loop, std::move(opts), "chat.send"};
    turn t(state->conv, run.functions);
    interaction got;
    try
    {
        auto rounds = run_rounds(run, t, std::move(in));
        got = co_await std::move(rounds);
    }
    catch (...)
    {
        run.report();
        throw;
    }
    std::move(t).commit(state->conv);
    state->last_stats = run.stats;
    run.report();
    co_return got;
}

asio::awaitable<interaction> run_functions_body(std::shared_ptr<client_impl> impl, request req,
                                                function_registry functions, function_loop_options options,
                                                request_options opts)
{
    input first;
    conversation conv = conversation_for_request(std::move(req), first);
    loop_run run{std::move(impl), std::move(functions), std::move(options), std::move(opts), "run_functions"};
    turn t(conv, run.functions);
    try
    {
        auto rounds = run_rounds(run, t, std::move(first));
        interaction got = co_await std::move(rounds);
        run.report();
        co_return got;
    }
    catch (...)
    {
        run.report();
        throw;
    }
}

} // namespace

// ---- streamed turns ---------------------------------------------------------------------------

struct chat_stream_state
{
    chat_stream_state(std::shared_ptr<chat_state> c, asio::any_io_executor ex, loop_run r)
        : chat(std::move(c)), strand(std::move(ex)), run(std::move(r)), t(chat->conv, run.functions)
    {
    }
    ~chat_stream_state() { guard.release(); }

    std::shared_ptr<chat_state> chat;
    asio::any_io_executor strand;
    loop_run run;
    turn t;
    busy_guard guard{nullptr};
    input round_input;
    interaction_stream current;
    accumulator acc;
    bool in_round = false;
    bool done = false;
    std::atomic<bool> closed{false};
    std::exception_ptr failure;
    std::optional<interaction> result;
    std::size_t round = 0;
};

namespace {

asio::awaitable<void> open_round(std::shared_ptr<chat_stream_state> st)
{
    auto open = stream_on(st->run.client, st->t.next_request(st->round_input), st->run.http_options);
    st->current = co_await std::move(open);
    st->acc = accumulator{};
    st->in_round = true;
    ++st->round;
}

asio::awaitable<std::optional<event>> pull_event(std::shared_ptr<chat_stream_state> st)
{
    for (;;)
    {
        if (!st->in_round)
        {
            auto open = open_round(st);
            co_await std::move(open);
        }
        auto pull = st->current.next();
        std::optional<event> ev = co_await std::move(pull);
        if (ev)
        {
            st->acc.add(*ev);
            co_return ev;
        }
        // The round ended cleanly: fold it, then either run its functions or finish the turn.
        st->in_round = false;
        interaction got = st->acc.take();
        ++st->run.stats.rounds;
        st->t.record(st->round_input, got);
        auto answer = st->run.answer_calls(got);
        std::optional<input> next = co_await std::move(answer);
        if (next)
        {
            st->round_input = std::move(*next);
            continue;
        }
        if (!st->closed)
        {
            std::move(st->t).commit(st->chat->conv);
            st->chat->last_stats = st->run.stats;
        }
        st->run.report();
        st->result = std::move(got);
        st->done = true;
        st->guard.release();
        co_return std::nullopt;
    }
}

asio::awaitable<std::optional<event>> run_next(std::shared_ptr<chat_stream_state> st)
{
    if (st->failure)
        std::rethrow_exception(st->failure);
    if (st->done)
        co_return std::nullopt;
    if (st->closed)
        throw boost::system::system_error(asio::error::operation_aborted);
    try
    {
        auto pull = pull_event(st);
        co_return co_await std::move(pull);
    }
    catch (...)
    {
        st->failure = std::current_exception();
    }
    st->run.report();
    st->current.close();
    st->guard.release();
    std::rethrow_exception(st->failure);
}

asio::awaitable<chat_stream> run_send_stream(std::shared_ptr<chat_state> state, asio::any_io_executor strand,
                                             bool acquired, input in, request_options opts)
{
    if (!acquired)
        throw_busy("chat.stream");
    busy_guard guard(state);
    auto st = std::make_shared<chat_stream_state>(
        state, strand, loop_run{state->client, state->functions, state->loop, std::move(opts), "chat.stream"});
    st->round_input = std::move(in);
    auto open = open_round(st);
    co_await std::move(open);
    st->guard.state = std::move(guard.state); // the stream holds the turn from now on
    co_return chat_stream(std::move(st));
}

} // namespace

void initiate_chat_send(const std::shared_ptr<chat_state>& state, input in, request_options opts, diagnostics* diag,
                        interaction_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    const bool acquired = !state->busy.exchange(true);
    auto strand = make_operation_strand(state->client->executor);
    spawn_operation<interaction>(strand, "chat.send", out, std::move(handler),
                                 run_send(state, acquired, std::move(in), std::move(opts)));
}

void initiate_chat_stream(const std::shared_ptr<chat_state>& state, input in, request_options opts,
                          diagnostics* diag, chat_stream_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    const bool acquired = !state->busy.exchange(true);
    asio::any_io_executor strand = make_operation_strand(state->client->executor);
    spawn_operation<chat_stream>(strand, "chat.stream", out, std::move(handler),
                                 run_send_stream(state, strand, acquired, std::move(in), std::move(opts)));
}

void initiate_chat_next(const std::shared_ptr<chat_stream_state>& st, diagnostics* diag, event_handler handler)
{
    if (!st)
        reject_argument("next() on an empty chat_stream");
    spawn_operation<std::optional<event>>(st->strand, "chat.stream", diag, std::move(handler), run_next(st));
}

void initiate_run_functions(const client* c, request req, function_registry functions, function_loop_options options,
                            request_options opts, diagnostics* diag, interaction_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    const auto& impl = client_access::impl(*c);
    auto strand = make_operation_strand(impl->executor);
    spawn_operation<interaction>(strand, "run_functions", out, std::move(handler),
                                 run_functions_body(impl, std::move(req), std::move(functions), std::move(options),
                                                    std::move(opts)));
}

} // namespace detail

// ---- chat_stream --------------------------------------------------------------------------------

chat_stream::chat_stream(std::shared_ptr<detail::chat_stream_state> state) noexcept : state_(std::move(state)) {}

chat_stream& chat_stream::operator=(chat_stream&& other) noexcept
{
    if (this != &other)
    {
        close();
        state_ = std::move(other.state_);
    }
    return *this;
}

chat_stream::~chat_stream() { close(); }

boost::asio::awaitable<std::optional<event>> chat_stream::next() { return async_next(use_awaitable); }

boost::asio::awaitable<interaction> chat_stream::collect()
{
    for (;;)
    {
        auto pull = async_next(use_awaitable);
        std::optional<event> ev = co_await std::move(pull);
        if (!ev)
            break;
    }
    co_return *state_->result;
}

const interaction* chat_stream::result() const noexcept
{
    return state_ && state_->result ? &*state_->result : nullptr;
}

std::size_t chat_stream::round() const noexcept { return state_ ? state_->round : 0; }

function_loop_stats chat_stream::stats() const noexcept { return state_ ? state_->run.stats : function_loop_stats{}; }

void chat_stream::close()
{
    if (!state_ || state_->done)
        return;
    // No commit after this, even when a pending next() still reaches the end of the turn.
    state_->closed = true;
    state_->current.close();
    state_->guard.release();
}

// ---- chat ---------------------------------------------------------------------------------------

chat::chat(client& c, request settings, chat_options opts) : state_(std::make_shared<detail::chat_state>())
{
    state_->client = detail::client_access::impl(c);
    state_->conv = detail::make_conversation(std::move(settings));
    state_->functions = std::move(opts.functions);
    state_->loop = std::move(opts.loop);
}

chat::chat(std::shared_ptr<detail::chat_state> state) noexcept : state_(std::move(state)) {}

chat chat::from_json(client& c, const boost::json::value& saved, chat_options opts)
{
    auto state = std::make_shared<detail::chat_state>();
    state->client = detail::client_access::impl(c);
    state->conv = detail::conversation_from_json(saved);
    state->functions = std::move(opts.functions);
    state->loop = std::move(opts.loop);
    return chat(std::move(state));
}

chat::chat(chat&&) noexcept = default;
chat& chat::operator=(chat&&) noexcept = default;
chat::~chat() = default;

boost::asio::awaitable<interaction> chat::send(input in, request_options opts)
{
    return async_send(std::move(in), std::move(opts), use_awaitable);
}

boost::asio::awaitable<chat_stream> chat::send_stream(input in, request_options opts)
{
    return async_send_stream(std::move(in), std::move(opts), use_awaitable);
}

const std::vector<step>& chat::history() const noexcept { return state_->conv.history; }
const std::string& chat::last_interaction_id() const noexcept { return state_->conv.last_interaction_id; }
chat_mode chat::mode() const noexcept { return state_->conv.stateless ? chat_mode::stateless : chat_mode::stored; }
const request& chat::settings() const noexcept { return state_->conv.settings; }
function_registry& chat::functions() noexcept { return state_->functions; }
function_loop_options& chat::loop_options() noexcept { return state_->loop; }
function_loop_stats chat::last_stats() const noexcept { return state_->last_stats; }
bool chat::busy() const noexcept { return state_->busy; }

boost::json::object chat::to_json() const { return detail::conversation_to_json(state_->conv); }

void chat::reset()
{
    if (state_->busy)
        detail::reject_argument("reset() while a turn of the chat is in progress");
    state_->conv.history.clear();
    state_->conv.last_interaction_id.clear();
    state_->last_stats = {};
}

chat::executor_type chat::get_executor() const noexcept { return state_->client->executor; }

boost::asio::awaitable<interaction> run_functions(client& c, request req, function_registry functions,
                                                  function_loop_options options, request_options opts)
{
    return async_run_functions(c, std::move(req), std::move(functions), std::move(options), std::move(opts),
                               use_awaitable);
}

} // namespace gemini
