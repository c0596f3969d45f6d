#pragma once
// The state behind one interaction_stream: the HTTP exchange being read, the SSE parser, events
// parsed but not yet pulled, and what resuming needs (interaction id, last event id, how many
// events arrived after it). Used by one next() at a time; each next() runs as an operation.

#include "client_impl.hpp"
#include "model/text_delta_reader.hpp"
#include "sse/parser.hpp"

#include <gemini/client_options.hpp>
#include <gemini/model/accumulator.hpp>
#include <gemini/model/event.hpp>
#include <gemini/model/request.hpp>

#include <atomic>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gemini::detail {

class stream_state
{
public:
    /// A stream that starts with POST create (`create_body` has stream:true) ...
    static std::shared_ptr<stream_state> for_create(std::shared_ptr<client_impl> impl, std::string create_body,
                                                    bool stored, request_options opts);
    /// ... or with GET ?stream=true on an existing interaction.
    static std::shared_ptr<stream_state> for_get(std::shared_ptr<client_impl> impl, std::string id,
                                                 std::string last_event_id, request_options opts);

    stream_state(std::shared_ptr<client_impl> impl, request_options opts);

    /// Follow requires_continuation hops (spec 13) of this create stream: the hops' events
    /// continue the stream as if one interaction were streamed (continuation.cpp). Each hop's
    /// request is read back from the body the stream already keeps for its create.
    void follow_continuation(unsigned max_hops);

    /// Opens the first exchange (errors before streaming begins are thrown as they are).
    asio::awaitable<void> open();
    /// The next event. With `fold` (collect()'s accumulator), text deltas the scan reads that
    /// arrive with no event queued before them are folded into it instead of being queued as
    /// events: no event, no allocation per delta, and no copy of the text but into the decode
    /// buffer when it holds escapes or UTF-8. Only for the duration of this call, which owns
    /// the stream.
    asio::awaitable<std::optional<event>> next(accumulator* fold = nullptr);
    std::optional<event> try_next();

    /// Cancels a pending next() and closes the connection.
    void close();
    void set_current_operation(const std::shared_ptr<operation_state>& op);

    /// Throws the fold_failure() of a delta that did not fold in next(fold), if one did not (then
    /// nothing more was folded).
    void rethrow_fold_error();
    /// The error of an inconsistent stream (`what`: the accumulator's message), with the
    /// stream's progress: malformed_response.
    error fold_failure(std::string_view what) const;

    const std::shared_ptr<client_impl>& client() const noexcept { return impl_; }
    const std::string& interaction_id() const noexcept { return interaction_id_; }
    const std::string& last_event_id() const noexcept { return last_event_id_; }
    std::size_t events_received() const noexcept { return accepted_; }
    std::size_t resumes() const noexcept { return resumes_; }

private:
    asio::awaitable<void> connect(bool resuming);
    asio::awaitable<void> fill();
    asio::awaitable<void> reconnect();
    /// The response stopped before the stream was over: resumes, or fails with `unresumable`.
    void connection_lost(const std::string& why, error_code cause, errc unresumable = errc::connection_closed);
    /// The response's body is complete (conn_ and parser_ set); the connection goes back to
    /// the pool when it can.
    void response_ended();
    void feed(std::string_view bytes);
    void on_sse(const sse::event& e);
    /// A received event not yet pulled: text deltas, nearly all of a stream, wait in their
    /// compact form (a stream that is read faster than it is pulled holds up to a chunk of them),
    /// other events whole.
    using queued_event = std::variant<text_delta_fields, std::unique_ptr<event>>;

    /// Whether the event just received is one a resume replays (and drops it from the count).
    bool skip_replayed() noexcept;
    /// Bookkeeping of a received event (resume position, continuation hops, count); false: a
    /// hop's event that is not delivered.
    bool admit(std::optional<std::string_view> event_id, std::optional<std::int64_t>& index, event* whole,
               std::string_view event_type);
    /// admit(), then fold (during next(fold), nothing queued before it) or queue the event.
    void accept(queued_event queued, std::string_view event_type);
    /// A plain text delta: folded (during next(fold)) or queued.
    void accept_plain(const plain_text_delta& plain);
    /// `fold(*fold_)`; a failure is kept for collect() in the place of the event, and what
    /// follows is queued.
    template <class Fold>
    void fold_now(Fold&& fold);
    /// `data` read as a text delta and accepted (or skipped as replayed); false when it is not
    /// one, for the general path to read.
    bool on_text_delta(std::string_view data);
    std::optional<event> pop_ready();
    void fail(error_code ec, diagnostics diag);
    /// Continuation hops: rewrites a hop's event (false: do not deliver it) ...
    /// `whole` is null for a text delta (its only hop rewrite is the index).
    bool hop_event(std::optional<std::int64_t>& index, event* whole, std::string_view event_type);
    /// ... and, once a hop ended with a token, opens the next one.
    asio::awaitable<void> start_hop();
    diagnostics progress_diagnostics(std::string message) const;

    std::shared_ptr<client_impl> impl_;
    request_options options_;
    stream_params params_;

    // How to (re)connect.
    std::string create_body_;       // non-empty: the first exchange is POST create
    bool stored_ = true;            // store:false streams cannot be resumed

    // The exchange being read.
    std::optional<connection_pool::lease> conn_;
    std::unique_ptr<reply_parser> parser_;   // windowed
    std::unique_ptr<sse::parser> sse_;
    // Read buffer; left uninitialised so that pages an idle stream never filled stay unbacked.
    std::size_t chunk_size_;
    std::unique_ptr<char[]> chunk_;

    // What was read.
    std::string decoded_text_;   // a text delta's text with its escapes decoded (see on_sse)
    // Engaged only while it holds events: an empty std::deque still owns its map and a 512-byte
    // node (libstdc++), 576 bytes of every idle stream.
    std::optional<std::deque<queued_event>> ready_;
    std::exception_ptr pending_error_;   // thrown once the events before it were pulled
    accumulator* fold_ = nullptr;        // collect()'s, during its next()
    std::exception_ptr fold_error_;
    std::string interaction_id_;
    std::string last_event_id_;
    std::size_t since_last_id_ = 0;      // events accepted after last_event_id_ (or from the start)
    std::size_t skip_ = 0;               // replayed events to drop after a resume
    std::size_t accepted_ = 0;
    std::size_t resumes_ = 0;
    unsigned attempts_without_progress_ = 0;
    bool saw_terminal_ = false;
    bool saw_done_ = false;
    bool finished_ = false;
    bool need_reconnect_ = false;
    std::atomic<bool> busy_{false};

    std::mutex op_mutex_;
    std::weak_ptr<operation_state> current_op_;

    // Continuation hops (max_hops_ 0: not followed). The next hop's request is read back from
    // create_body_ (the create's, then the last hop's): no 1.8 KB `request` kept per stream.
    unsigned max_hops_ = 0;
    unsigned hops_ = 0;
    std::int64_t index_offset_ = 0;      // added to the step indexes of the current hop
    std::int64_t next_index_ = 0;        // one past the highest (offset) index delivered
    std::optional<usage> usage_sum_;     // of the hops that ended
    std::string hop_token_;              // set: the current hop ended with this token
    std::string hop_id_;                 // ... issued by this interaction
    bool need_hop_ = false;
};

} // namespace gemini::detail
