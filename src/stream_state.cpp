#include "stream_state.hpp"

#include "api_error_body.hpp"
#include "operation.hpp"
#include "transport/transport_failure.hpp"
#include "model/scratch_document.hpp"
#include "model/media_delta_reader.hpp"
#include "model/text_delta_reader.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>

#include <algorithm>

namespace gemini::detail {

namespace json = boost::json;

namespace {

// Above this, the buffer a text delta was decoded in is given back after the event: a few
// words rarely need more, and a stream must not keep the largest delta it ever received.
constexpr std::size_t max_kept_decoded_text = 4096;

// Below this a step.delta that is not text goes through the DOM straight away.
constexpr std::size_t min_media_delta_bytes = 4096;

} // namespace

std::shared_ptr<stream_state> stream_state::for_create(std::shared_ptr<client_impl> impl, std::string create_body,
                                                       bool stored, request_options opts)
{
    auto s = std::make_shared<stream_state>(std::move(impl), std::move(opts));
    s->create_body_ = std::move(create_body);
    s->stored_ = stored;
    return s;
}

std::shared_ptr<stream_state> stream_state::for_get(std::shared_ptr<client_impl> impl, std::string id,
                                                    std::string last_event_id, request_options opts)
{
    if (id.empty())
        reject_argument("interaction id must not be empty");
    auto s = std::make_shared<stream_state>(std::move(impl), std::move(opts));
    s->interaction_id_ = std::move(id);
    s->last_event_id_ = std::move(last_event_id);
    return s;
}

stream_state::stream_state(std::shared_ptr<client_impl> impl, request_options opts)
    : impl_(std::move(impl)), options_(std::move(opts)), params_(impl_->options.streaming),
      chunk_size_(std::max<std::size_t>(params_.read_chunk_bytes, 512))
{
}

void stream_state::set_current_operation(const std::shared_ptr<operation_state>& op)
{
    std::lock_guard lock(op_mutex_);
    current_op_ = op;
}

void stream_state::close()
{
    std::shared_ptr<operation_state> op;
    {
        std::lock_guard lock(op_mutex_);
        op = current_op_.lock();
    }
    if (op)
        asio::post(op->strand, [op] { op->request_cancel(asio::cancellation_type::terminal); });
}

diagnostics stream_state::progress_diagnostics(std::string message) const
{
    diagnostics diag;
    diag.interaction_id = interaction_id_;
    diag.library_message = std::move(message) + " (after " + std::to_string(accepted_) + " events" +
                           (last_event_id_.empty() ? std::string() : "; last event id " + last_event_id_) +
                           ", " + std::to_string(resumes_) + " resumes)";
    return diag;
}

void stream_state::fail(error_code ec, diagnostics diag)
{
    if (!pending_error_)
        pending_error_ = std::make_exception_ptr(error(ec, std::move(diag)));
    conn_.reset();
    parser_.reset();
}

// POST create for the first exchange (or a retry of it when nothing arrived yet); GET
// ?stream=true&last_event_id=... once the interaction id is known.
asio::awaitable<void> stream_state::connect(bool resuming)
{
    http_call call;
    call.options = &options_;
    call.operation = "stream";
    if (!create_body_.empty() && interaction_id_.empty())
    {
        call.idempotent = false;
        call.method = http::verb::post;
        call.path = impl_->version_path + "/interactions";
        call.body = create_body_;
    }
    else
    {
        call.method = http::verb::get;
        call.path = impl_->version_path + "/interactions/" + encode_id(interaction_id_) + "?stream=true";
        if (!last_event_id_.empty())
            call.path += "&last_event_id=" + encode_id(last_event_id_);
    }
    auto open = impl_->open_stream(std::move(call));
    auto exchange = co_await std::move(open);
    conn_.emplace(std::move(exchange.conn));
    parser_ = std::move(exchange.parser);
    sse_ = std::make_unique<sse::parser>(params_.max_event_bytes);
    saw_done_ = false;
    if (resuming)
    {
        ++resumes_;
        // The server replays after last_event_id (or from the start): drop what we have.
        skip_ = since_last_id_;
    }
}

asio::awaitable<void> stream_state::open()
{
    auto first = connect(false);
    co_await std::move(first);
}

void stream_state::connection_lost(const std::string& why, error_code cause, errc unresumable)
{
    conn_.reset();
    parser_.reset();
    if (saw_terminal_)
    {
        if (!hop_token_.empty())
            need_hop_ = true;
        else
            finished_ = true;   // everything arrived but the [DONE] sentinel
        return;
    }
    auto refuse = [&](const std::string& reason) {
        auto diag = progress_diagnostics("stream interrupted: " + why + "; " + reason);
        diag.transport_error = cause;
        fail(make_error_code(unresumable), std::move(diag));
    };
    if (!params_.resume)
        return refuse("resume is disabled");
    if (interaction_id_.empty() && (create_body_.empty() || accepted_ > 0))
        return refuse("no interaction id to resume from");
    // Lost before the event that names the interaction: the service has accepted the create
    // (its answer's head arrived), so sending it again runs it twice. Only as the policy allows.
    if (interaction_id_.empty() && !impl_->may_resend(&options_, false))
        return refuse("the create was accepted but its interaction id never arrived, and the retry policy forbids "
                      "running it twice");
    if (!stored_ && !interaction_id_.empty())
        return refuse("store:false interactions cannot be resumed");
    if (attempts_without_progress_ >= params_.max_resume_attempts)
        return refuse("gave up after " + std::to_string(attempts_without_progress_) + " resume attempts");
    need_reconnect_ = true;
}

asio::awaitable<void> stream_state::reconnect()
{
    need_reconnect_ = false;
    const unsigned attempt = attempts_without_progress_++;
    auto delay = params_.resume_backoff * (1u << std::min(attempt, 16u));
    delay = std::min<std::chrono::milliseconds>(delay, std::chrono::seconds(8));
    asio::steady_timer backoff(co_await asio::this_coro::executor, delay);
    auto wait = backoff.async_wait(asio::use_awaitable);
    co_await std::move(wait);
    try
    {
        auto again = connect(true);
        co_await std::move(again);
    }
    catch (const transport_failure& f)
    {
        connection_lost("reconnect failed: " + f.what, f.cause);
    }
    catch (const deadline_exceeded& d)
    {
        connection_lost(std::string("reconnect timed out while ") + d.phase, {});
    }
    catch (const error& e)
    {
        // The API answered: not resumable (e.g. 404 for an interaction that is gone).
        auto diag = e.diag();
        const auto progress = progress_diagnostics("resume refused by the API");
        diag.interaction_id = progress.interaction_id;
        diag.library_message = progress.library_message;
        fail(e.code(), std::move(diag));
    }
}

void stream_state::feed(std::string_view bytes)
{
    const auto result = sse_->feed(bytes, [this](const sse::event& e) { on_sse(e); });
    if (result == sse::parse_error::event_too_large)
        fail(make_error_code(errc::response_too_large),
             progress_diagnostics("a stream event exceeds max_event_bytes (" +
                                  std::to_string(params_.max_event_bytes) + ")"));
}

void stream_state::on_sse(const sse::event& e)
{
    if (pending_error_ || saw_done_)
        return;
    if (e.kind == sse::event_kind::done)
    {
        saw_done_ = true;
        if (!saw_terminal_)
            fail(make_error_code(errc::incomplete_stream),
                 progress_diagnostics("the stream ended without interaction.completed or error"));
        return;
    }

    // Events the SSE `event:` field names as something else are not offered to the text-delta
    // reader: they would be parsed twice.
    if (e.kind == sse::event_kind::message && (e.type.empty() || e.type == "step.delta"))
    {
        const bool was_text_delta = on_text_delta(e.data);
        // A stream keeps no more than its buffers while it waits, whatever one delta was (the
        // scan may have decoded a long text before giving up on it, too).
        if (decoded_text_.capacity() > max_kept_decoded_text)
            std::string().swap(decoded_text_);
        if (was_text_delta)
            return;
        // A large one is media, most likely (an inline image): read without a DOM, which would
        // be one more copy of it. Small deltas of other types are not worth a second tokenizing.
        if (e.data.size() >= min_media_delta_bytes)
            if (auto media = read_media_delta(e.data))
            {
                if (!skip_replayed())
                    accept(std::make_unique<event>(std::move(*media)), image_delta_event::type_name);
                return;
            }
    }

    error_code ec;
    scratch_document document;
    json::value payload = document.parse(e.data, ec);
    if (e.kind == sse::event_kind::stray_json)
    {
        // A refusal sent as a bare JSON line (spec 11.7): an error, never dropped.
        auto diag = progress_diagnostics("the service sent a JSON line outside SSE framing");
        const json::value* err = !ec && payload.is_object() ? payload.get_object().if_contains("error") : nullptr;
        if (err && read_error_object(*err, diag))
        {
            const auto ec = make_error_code(errc_for_api_code(diag.api_code));
            fail(ec, std::move(diag));
        }
        else
        {
            diag.api_message = utf8_excerpt(e.data, 200);
            fail(make_error_code(errc::malformed_response), std::move(diag));
        }
        saw_terminal_ = true;
        return;
    }
    if (ec || !payload.is_object())
    {
        fail(make_error_code(errc::malformed_response),
             progress_diagnostics("a stream event is not a JSON object" + (ec ? ": " + ec.message() : "")));
        return;
    }
    if (skip_replayed())
        return;

    const auto& fields = payload.get_object();
    const json::value* type = fields.if_contains("event_type");
    const std::string_view event_type = type && type->is_string() ? std::string_view(type->get_string())
                                                                  : std::string_view(e.type);
    if (event_type == "error")
    {
        auto diag = progress_diagnostics("the stream reported an error");
        if (const auto* err = fields.if_contains("error"))
            read_error_object(*err, diag);
        saw_terminal_ = true;
        const auto ec = make_error_code(errc_for_api_code(diag.api_code));
        fail(ec, std::move(diag));
        return;
    }

    event typed;
    try
    {
        typed = json::value_to<event>(payload);
    }
    catch (const std::exception& x)
    {
        fail(make_error_code(errc::malformed_response),
             progress_diagnostics(std::string("unexpected stream event: ") + x.what()));
        return;
    }
    if (event_type == "interaction.created")
        if (const auto* i = fields.if_contains("interaction"); i && i->is_object())
            if (const auto* id = i->get_object().if_contains("id"); id && id->is_string())
                interaction_id_ = id->get_string();
    if (event_type == "interaction.completed")
        saw_terminal_ = true;
    accept(std::make_unique<event>(std::move(typed)), event_type);
}

bool stream_state::skip_replayed() noexcept
{
    if (skip_ == 0)
        return false;
    --skip_;   // replayed after a resume: already delivered
    return true;
}

bool stream_state::admit(std::optional<std::string_view> event_id, std::optional<std::int64_t>& index, event* whole,
                         std::string_view event_type)
{
    if (event_id)
    {
        // Consecutive ids are mostly of one length ("evt_41", "evt_42"): copied over the last one,
        // not through std::string's general replace (which cost more than the rest of admit).
        if (event_id->size() == last_event_id_.size())
            std::copy(event_id->begin(), event_id->end(), last_event_id_.begin());
        else
            last_event_id_.assign(*event_id);
        since_last_id_ = 0;
    }
    else
        ++since_last_id_;
    attempts_without_progress_ = 0;
    if (max_hops_ > 0 && !hop_event(index, whole, event_type))
        return false;
    ++accepted_;
    return true;
}

void stream_state::accept(queued_event queued, std::string_view event_type)
{
    auto* delta = std::get_if<text_delta_fields>(&queued);
    event* whole = delta ? nullptr : std::get<std::unique_ptr<event>>(queued).get();
    const std::optional<std::string>& event_id = delta ? delta->event_id : whole->event_id;
    if (!admit(event_id ? std::optional<std::string_view>(*event_id) : std::nullopt, delta ? delta->index : whole->index,
               whole, event_type))
        return;
    // Folded on arrival only when nothing waits before it: the accumulator sees the stream's order.
    // Queued, a non-text event (a step.start) sent every delta after it in its read the slow way
    // too: queued, made into a whole event, then folded.
    if (fold_ != nullptr && !ready_)
    {
        if (delta)
            fold_now([&](accumulator& a) { a.add_text_delta(delta->index, delta->text); });
        else
            fold_now([&](accumulator& a) { a.add(std::move(*whole)); });
        return;
    }
    if (!ready_)
        ready_.emplace();
    ready_->push_back(std::move(queued));
}

template <class Fold>
void stream_state::fold_now(Fold&& fold)
{
    try
    {
        fold(*fold_);
    }
    catch (const std::exception& x)
    {
        // Raised by collect() in the place of the event; the events after it are queued.
        fold_error_ = std::make_exception_ptr(fold_failure(x.what()));
        fold_ = nullptr;
    }
}

bool stream_state::on_text_delta(std::string_view data)
{
    text_delta_read delta = read_text_delta(data, decoded_text_);
    if (const auto* plain = std::get_if<plain_text_delta>(&delta))
    {
        if (!skip_replayed())
            accept_plain(*plain);   // folds or copies the text: decoded_text_ is free again
        return true;
    }
    if (auto* fields = std::get_if<text_delta_fields>(&delta))
    {
        if (!skip_replayed())
            accept(std::move(*fields), text_delta_event::type_name);
        return true;
    }
    return false;
}

void stream_state::accept_plain(const plain_text_delta& plain)
{
    // Folded on arrival only when nothing waits before it: the accumulator sees the stream's order.
    if (fold_ == nullptr || ready_)
    {
        accept(to_fields(plain), text_delta_event::type_name);
        return;
    }
    std::optional<std::int64_t> index = plain.index;
    if (!admit(plain.event_id, index, nullptr, text_delta_event::type_name))
        return;
    fold_now([&](accumulator& a) { a.add_text_delta(index, plain.text); });
}

error stream_state::fold_failure(std::string_view what) const
{
    auto diag = progress_diagnostics("the stream's events do not fold into an interaction: " + std::string(what));
    diag.operation = "stream";
    return error(make_error_code(errc::malformed_response), std::move(diag));
}

void stream_state::rethrow_fold_error()
{
    if (fold_error_)
        std::rethrow_exception(std::exchange(fold_error_, nullptr));
}

std::optional<event> stream_state::pop_ready()
{
    if (!ready_)
        return std::nullopt;
    auto& front = ready_->front();
    std::optional<event> e(std::in_place, std::holds_alternative<text_delta_fields>(front)
                                              ? to_event(std::get<text_delta_fields>(std::move(front)))
                                              : std::move(*std::get<std::unique_ptr<event>>(front)));
    ready_->pop_front();
    if (ready_->empty())
        ready_.reset();
    return e;
}

asio::awaitable<void> stream_state::fill()
{
    if (need_hop_)
    {
        auto hop = start_hop();
        co_await std::move(hop);
        co_return;
    }
    if (need_reconnect_)
    {
        auto again = reconnect();
        co_await std::move(again);
        co_return;
    }
    if (!conn_)
    {
        connection_lost("the connection was closed by a cancelled read", {});
        co_return;
    }
    if (parser_->is_done())
    {
        // Nothing to read: a body that was empty, complete with its head.
        response_ended();
        co_return;
    }
    // The read buffers exist only during a read: a stream whose consumer is busy elsewhere
    // holds little more than its TLS connection (docs/performance.md, "Memory per stream").
    if (!chunk_)
        chunk_.reset(new char[chunk_size_]);
    parser_->lend_window(chunk_.get(), chunk_size_);
    error_code ec;
    try
    {
        // The wait may be long (the model is thinking): OpenSSL holds no buffer through it, not
        // even the write buffer of the request before the first wait. (The TLS stream's
        // receive area, which the pending socket read writes into, stays.)
        (*conn_)->release_buffers();
        (*conn_)->release_tls_buffers_when_empty(true);
        auto read = (*conn_)->read_some_body(*parser_);
        auto bounded = (*conn_)->bounded(std::move(read), clock::now() + params_.idle_timeout, "waiting for stream data");
        ec = co_await std::move(bounded);
        (*conn_)->release_tls_buffers_when_empty(false);
    }
    catch (const deadline_exceeded&)
    {
        connection_lost("no data for " + std::to_string(params_.idle_timeout.count()) + " ms", {});
        co_return;
    }
    catch (...)
    {
        // Cancelled mid-response: the connection cannot be reused. A later next() resumes.
        conn_.reset();
        parser_.reset();
        throw;
    }
    // Take the records that came with the one awaited (see read_some_body_now), up to a chunk.
    while (!ec && parser_->window_left() > 0 && !parser_->is_done())
    {
        (*conn_)->reserve_read_room(parser_->window_left());   // given back by release_buffers below
        const error_code more = (*conn_)->read_some_body_now(*parser_);
        if (more == asio::error::would_block)
            break;
        ec = more;
    }
    const std::size_t received = chunk_size_ - parser_->window_left();
    if (received > 0)
        feed(std::string_view(chunk_.get(), received));
    chunk_.reset();
    if (parser_)
        parser_->lend_window(nullptr, 0);   // a read before the next window stops, writing nothing
    if (conn_)
        (*conn_)->release_buffers();
    if (!parser_)
        co_return;   // failed while feeding
    if (ec == http::error::buffer_overflow)
    {
        // Not resumed: the same response would overflow again.
        auto diag = progress_diagnostics("a chunk header or trailer of the stream's response exceeds " +
                                         std::to_string(connection::receive_buffer_limit) + " bytes");
        diag.transport_error = ec;
        fail(make_error_code(errc::response_too_large), std::move(diag));
        co_return;
    }
    if (ec)
    {
        connection_lost("the connection dropped: " + ec.message(), ec);
        co_return;
    }
    if (parser_->is_done())
        response_ended();
}

void stream_state::response_ended()
{
    if (parser_->keep_alive())
        conn_->give_back();
    conn_.reset();
    parser_.reset();
    if (!saw_terminal_ && !pending_error_)
    {
        // The body ended cleanly but the stream did not: no terminal event, no error and no
        // [DONE] (that one fails in on_sse). The service never does this; a proxy that limits a
        // response's length does. What is missing is resumed like after a dropped connection.
        connection_lost("the response ended without interaction.completed, error or [DONE]", {},
                        errc::incomplete_stream);
        return;
    }
    if (!hop_token_.empty() && !pending_error_)
        need_hop_ = true;
    else
        finished_ = true;
}

asio::awaitable<std::optional<event>> stream_state::next(accumulator* fold)
{
    if (busy_.exchange(true))
        reject_argument("next() called while another next() of the same stream is pending");
    fold_ = fold;
    if (fold)
        fold_error_ = nullptr;   // left by a collect() that was abandoned
    struct release_on_exit
    {
        stream_state& self;
        ~release_on_exit()
        {
            self.fold_ = nullptr;
            self.busy_ = false;
        }
    } release{*this};

    for (;;)
    {
        if (auto e = pop_ready())
            co_return e;
        if (pending_error_)
        {
            finished_ = true;
            std::rethrow_exception(std::exchange(pending_error_, nullptr));
        }
        if (finished_)
            co_return std::nullopt;
        auto more = fill();
        co_await std::move(more);
    }
}

std::optional<event> stream_state::try_next()
{
    if (busy_)
        return std::nullopt;
    return pop_ready();
}

} // namespace gemini::detail
