// Internal, sans-io part of the emulator: requests in, replies out. No sockets here, so the
// whole API behaviour can be driven synchronously; server.cpp is the thin Asio/Beast layer.
#pragma once

#include <gemini/emulator/server.hpp>

#include "emulator/request_log.hpp"

#include <boost/json.hpp>
#include <boost/url/pct_string_view.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gemini::emulator::detail {

namespace json = boost::json;

/// A request as the service sees it; header names are lower case.
struct http_request {
  std::string method;
  std::string target;
  /// Lower-case names, in the order they came. A flat list: a request has a handful of fields,
  /// each looked up a few times (a tree cost an allocation per field).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string_view tls_cipher;  // of the connection (static storage); empty over plain HTTP

  const std::string* header(std::string_view name) const;
};

// ---- streams --------------------------------------------------------------------------------

/// One published SSE event: its `event_type` and its complete `event: ...\ndata: ...\n\n` bytes,
/// both views into the storage of the log that holds it.
struct log_frame {
  std::string_view name;
  std::string_view bytes;
};

/// The append-only event log of one interaction. Thread-safe; lives as long as its last user
/// (the store, a running producer, or a connection writing it).
class event_log {
 public:
  /// Appends a frame, its bytes copied to the end of the log's storage (`end`: it is the last
  /// one), and calls every waiter once.
  void append(std::string_view name, std::string_view bytes, bool end);
  /// Ends the log without a frame (no-op when already ended).
  void end();
  /// Points `out` at frames [from, size): a frame and its bytes stay where they are, unchanged,
  /// as long as the log lives, so a writer sends them without a copy; frames appended one after
  /// the other are mostly adjacent in memory (one buffer for the writer). When there are none
  /// and the log has not ended, registers `waiter` (called once, from any thread, when the log
  /// grows or ends). Returns whether the log has ended.
  bool read(std::size_t from, std::vector<const log_frame*>& out, const std::function<void()>& waiter);
  std::size_t size() const;
  bool ended() const;

 private:
  std::string_view keep_locked(std::string_view bytes);
  std::string_view name_locked(std::string_view name);

  mutable std::mutex mu_;
  std::deque<log_frame> frames_;  // a deque: appending moves no frame a writer points to
  // The frames' bytes, back to back in blocks that grow from 1 KiB to 64 KiB (a frame larger
  // than a quarter block gets one of its own): not an allocation per frame, and a short
  // stream's log stays small.
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* block_free_ = nullptr;
  std::size_t block_left_ = 0;
  std::size_t stored_bytes_ = 0;
  std::deque<std::string> names_;  // the few distinct event names
  bool ended_ = false;
  std::vector<std::function<void()>> waiters_;
};

/// Stream faults of one response (docs/emulator.md, "Stream faults").
struct stream_fault {
  std::optional<std::size_t> cut_after_events;
  std::optional<std::size_t> cut_after_bytes;
  std::optional<std::size_t> end_after_events;  ///< end the body cleanly, without [DONE]
  std::optional<std::string> error_event;  ///< code of an `error` event
  std::optional<std::string> message;       ///< error / refusal message
  bool no_terminal = false;
  bool refusal = false;
  std::optional<std::chrono::milliseconds> stall;
  std::optional<std::size_t> after_events;  ///< where error / refusal / stall / malformed happen
  bool malformed = false;   ///< the event at after_events gets broken JSON data
  bool misindex = false;    ///< the event at after_events names a step that never started
  std::string inject;       ///< a JSON member added to every event's data (pad / bad-utf8)
  std::string chunk_extension;  ///< written after every chunk size (";x=aaa..."), chunk-ext

  bool any() const {
    return cut_after_events || cut_after_bytes || end_after_events || error_event || no_terminal || refusal || stall || malformed ||
           misindex;
  }
};

/// What the I/O layer needs to write one streamed (SSE) response.
struct stream_reply {
  std::shared_ptr<event_log> log;
  std::size_t from = 0;                        ///< first log position to write
  std::chrono::milliseconds write_interval{0};  ///< real-time wait between written events
  std::size_t chunk_bytes = 0;                  ///< at most this many bytes per write (0 = one event)
  stream_fault fault;
};

/// A reply plus the transport actions a fault may ask for.
struct http_reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::chrono::milliseconds delay{0};       ///< real-time wait before anything is sent
  bool close_before = false;                ///< close the connection without answering
  std::optional<std::size_t> truncate_at;   ///< send only this many body bytes, then close
  bool close_after = false;                 ///< close after answering (Connection: close)
  bool reset = false;                       ///< closes of this connection send RST (SO_LINGER 0)
  std::optional<unsigned> interim;          ///< an interim (1xx) response written first
  std::optional<stream_reply> stream;       ///< set: a 200 text/event-stream written event by event
};

/// An API error (flat `{"error":{"code":"...","message":"..."}}` body).
struct api_error {
  unsigned status;
  std::string code;
  std::string message;
};

// ---- errors ---------------------------------------------------------------------------------

/// The flat-code name and the google.rpc status name for an HTTP status.
std::string flat_code_for(unsigned status);
std::string rpc_status_for(unsigned status);
http_reply flat_error(unsigned status, std::string code, std::string message);
/// `in` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view in);
http_reply rpc_error(unsigned status, std::string message, std::optional<std::string> retry_delay = {});

// ---- faults ---------------------------------------------------------------------------------

/// One fault, parsed from `key=value;key;...` (docs/emulator.md, "Faults").
struct fault {
  std::optional<unsigned> status;
  std::string shape = "flat";  ///< flat | rpc
  std::optional<std::string> code;
  std::optional<std::string> message;
  std::optional<std::string> retry_after;     ///< Retry-After header value
  std::optional<std::string> retry_after_ms;  ///< retry-after-ms header value
  std::optional<std::string> retry_delay;     ///< RetryInfo.retryDelay (rpc shape), e.g. "2s"
  std::chrono::milliseconds delay{0};
  bool close = false;
  bool close_after_execution = false;  ///< close=after: the request runs, its answer is lost
  std::optional<unsigned> interim;     ///< a 1xx response written before the answer
  bool truncate = false;
  std::optional<std::size_t> truncate_bytes;  ///< default: half of the body
  bool malformed = false;
  std::optional<std::string> content_type;
  std::optional<std::size_t> upload_keep;  ///< route=upload: keep this many bytes of the failed chunk
  bool reset = false;                  ///< close / truncate / cut abortively (RST, not FIN)
  std::optional<std::size_t> pad;      ///< add a "padding" member of this many bytes to the JSON
  bool bad_utf8 = false;               ///< add a "padding" member holding invalid UTF-8
  stream_fault stream;  ///< applies to streamed responses only (refusal also to unary creates)
};

/// The JSON member (`"padding":"..."`) that pad / bad-utf8 add; empty when neither is set.
std::string injected_member(const fault& f);
/// `json` (a body, or an SSE frame) with `member` added as the first member of its first object.
std::string inject_member(std::string_view json, std::string_view member);
/// An SSE frame as a stream fault writes it: `inject` added, broken when `break_it`.
std::string faulted_frame(const stream_fault& f, std::string_view frame, bool at_fault);

/// A rule: which requests, how many of them, and the fault.
struct fault_rule {
  std::string route = "any";  ///< any | create | get | delete | cancel | unknown | upload | files
  std::optional<std::string> method;
  std::optional<std::string> path;  ///< glob on the decoded path, `*` matches anything
  std::uint64_t skip = 0;
  std::optional<std::uint64_t> times;
  fault what;
  std::uint64_t seen = 0;
  double probability = 1;  ///< of faulting a request inside the window (seeded, reproducible)
  std::uint64_t rng = 1;   ///< `seed=N`; the state of the rule's random sequence
  /// Whether this request is faulted: always at probability 1, else a draw from the sequence.
  bool draw();
};

/// Throws std::invalid_argument with a readable message.
fault parse_fault(std::string_view spec);
fault_rule parse_fault_rule(std::string_view spec);
bool glob_match(std::string_view pattern, std::string_view text);

// ---- the deterministic model ----------------------------------------------------------------

struct generation_params {
  std::vector<std::string> function_names;  ///< names of `type: function` tools
  std::vector<std::string> forced_calls;    ///< from x-emulator-function-call
  std::optional<std::int64_t> max_output_tokens;
  unsigned output_words = 0;  ///< 0 = bare sentence
  bool thinking_summaries = false;
  bool tool_choice_none = false;
  std::string system_instruction;
  std::optional<json::value> json_schema;  ///< structured output: the answer is an instance of it
  std::vector<std::string> media_notes;  ///< descriptions of this turn's media inputs (files.cpp)
  std::uint32_t image_width = 0;         ///< > 0: the answer carries a PNG of this size (media.cpp)
  std::uint32_t image_height = 0;
  std::optional<json::object> extra_step;  ///< from x-emulator-extra-step, after the thought
};

/// The token counts of an answer whose input and output are all text: its `usage` object
/// (usage_json) is built only where a DOM is wanted, the answer's own text writes the numbers.
struct text_usage {
  std::size_t input = 0;
  std::size_t output = 0;
  std::size_t thought = 0;
};
json::object usage_json(const text_usage& u, json::storage_ptr sp = {});

struct generation {
  json::array steps;
  std::string status;  ///< completed | incomplete | requires_action
  text_usage usage;
  std::uint32_t digest = 0;
  std::size_t turn = 0;
};

std::string canonical_json(const json::value& v);
std::uint32_t history_digest(const json::array& history);
std::string hex32(std::uint32_t v);
std::string base64url(std::string_view in, bool pad = false);
/// Appends the unpadded base64url encoding of `in` to `out`.
void append_base64url(std::string_view in, std::string& out);
std::string base64(std::string_view in);
/// Runs the fake model on a complete history ending with the new client steps.
/// Throws api_error (400) when the history is inconsistent (e.g. unanswered function calls).
generation generate(const json::array& history, const generation_params& params);
std::size_t count_words(std::string_view text);

// ---- structured output (schema_instance.cpp) ------------------------------------------------

/// The schema a create request asks the answer to follow: a text response_format with mime_type
/// application/json (its `schema`, or `{}` without one), or the deprecated response_mime_type
/// with a bare schema as response_format. Empty for plain text.
std::optional<json::value> structured_output_schema(const json::object& request);
/// A deterministic instance of `schema`, varied by `seed`. Throws api_error (400) for schemas it
/// does not support or that admit no value.
json::value schema_instance(const json::value& schema, std::uint32_t seed);
/// JSON text laid out as a model writes it: `", "` and `": "` separators, no newlines.
std::string model_json_text(const json::value& v);
struct structured_answer {
  std::string text;
  std::size_t tokens = 0;
  bool truncated = false;  ///< cut by max_output_tokens: not valid JSON any more
};
structured_answer structured_output(const json::value& schema, std::uint32_t digest,
                                    std::optional<std::int64_t> max_output_tokens);

// ---- the service ----------------------------------------------------------------------------

class file_store;  // files.hpp

struct planned_event {
  planned_event(std::string n, json::object d) : name(std::move(n)), data(std::move(d)) {}
  /// A step.delta of answer text (most of a stream's events): planned as its step index and
  /// where its chunk lies in the run's `plan_text`, `data` empty, and written by
  /// append_text_delta_frame() without a DOM. No string of its own: a 1,000-event plan was 1,000
  /// allocations and, at 112 bytes an event, a vector large enough to be mapped and unmapped
  /// (and its pages faulted in) for every stream.
  static planned_event text_chunk(std::size_t step_index, std::size_t at, std::size_t size) {
    planned_event e("step.delta", {});
    e.text_delta = true;
    e.index = step_index;
    e.text_at = static_cast<std::uint32_t>(at);
    e.text_size = static_cast<std::uint32_t>(size);
    return e;
  }

  std::string name;
  json::object data;  ///< without `event_type` / `event_id`
  bool text_delta = false;
  std::size_t index = 0;
  std::uint32_t text_at = 0;    ///< offset of a text delta's chunk in run_state::plan_text
  std::uint32_t text_size = 0;
};

/// The SSE frame of a text step.delta: what json::serialize writes for its DOM
/// ({"index":I,"delta":{"type":"text","text":T},"event_id":"evt_N","event_type":"step.delta"}),
/// written directly.
void append_text_delta_frame(std::string& out, std::size_t index, std::string_view text, std::size_t event_number);

/// The producer of one interaction's events: the whole transcript is planned at create (the model
/// is deterministic), or when a finished unary create is first streamed, and published into the
/// log one event at a time, paced by a timer.
struct run_state {
  std::string id;                    ///< the stored record's id; empty for store:false
  std::shared_ptr<event_log> log = std::make_shared<event_log>();
  std::vector<planned_event> planned;
  std::string plan_text;  ///< the answer texts the planned text deltas are cut from
  std::string frame;      ///< where the next frame is written before the log copies it
  std::size_t next = 0;
  std::chrono::milliseconds interval{0};
  std::size_t hold_at = static_cast<std::size_t>(-1);  ///< stop before this event (background clock)
  bool stopped = false;
  bool scheduled = false;  ///< a timer will call pump again
  /// Later holds of a staged background run (agent.cpp): (virtual due time, hold_at), in order.
  std::vector<std::pair<std::int64_t, std::size_t>> stages;
  /// Set for a transcript built after the fact (service::transcript_locked): the `updated` time
  /// its interaction.completed carries, the record's own, not the time of publication.
  std::optional<std::int64_t> completed_ms;
};

/// The turns of a conversation before an interaction, shared by the turns that follow: a chain,
/// so that a conversation of N turns keeps each turn's steps once more, not N times (each record
/// held a copy of the whole conversation before it: quadratic in the number of turns).
struct history_chain {
  std::shared_ptr<const history_chain> before;  ///< null at the first turn
  json::array steps;  ///< one turn: its client steps, then its output (none if it was cancelled)

  history_chain() = default;
  history_chain(std::shared_ptr<const history_chain> b, json::array s) : before(std::move(b)), steps(std::move(s)) {}
  history_chain(const history_chain&) = delete;
  history_chain& operator=(const history_chain&) = delete;
  /// Frees the turns only it holds one after the other: their destructors, nested, would take
  /// a frame per turn of the stack.
  ~history_chain();
};

struct record {
  std::string id;
  json::object echo;           ///< model/agent, previous_interaction_id, service_tier, ...
  std::string status;          ///< visible status
  std::int64_t created_ms = 0;  ///< emulator clock, ms since the Unix epoch
  std::int64_t updated_ms = 0;
  json::value input;           ///< the request's `input` as sent (include_input)
  json::array input_steps;     ///< this request's client steps (normalised)
  /// The conversation before input_steps (null for a first turn): the whole conversation up to
  /// and including input_steps is history_before + input_steps (not stored twice).
  std::shared_ptr<const history_chain> history_before;
  generation result;           ///< generated output (hidden while running)
  bool background = false;
  std::int64_t due_vms = 0;    ///< virtual time at which a background run finishes
  /// The event log and its producer. Null for a finished unary create until a client asks to
  /// stream it (service::transcript_locked): most are never streamed, and planning and
  /// serialising their events was half the emulator's work per request. Null again once a
  /// foreground run has published its last event: a 1,000-event log is about 250 KB, and an
  /// emulator that kept every one grew by that much per stream (the connections writing it hold
  /// it while they do).
  std::shared_ptr<run_state> run;
  std::string continuation_token;  ///< set with status requires_continuation (continuation.cpp)
  json::array errors;              ///< `errors[]` of a failed run (agent.cpp)
};

/// Whether an interaction with this status has stopped running.
inline bool finished(std::string_view status) { return status != "in_progress" && status != "queued"; }
/// The Interaction resource of `r` (spec 4): the input steps too with `full_timeline`, the request's
/// `input` with `include_input`. As a DOM, and as the same JSON text written without one.
json::object resource_json(const record& r, bool full_timeline, bool include_input, json::storage_ptr sp = {});
std::string resource_text(const record& r, bool full_timeline, bool include_input);
/// `ms` since the Unix epoch as RFC 3339 in UTC, to the second ("2026-12-03T14:05:09Z").
std::string rfc3339(std::int64_t ms);
/// The same characters, without a string.
std::array<char, 20> rfc3339_chars(std::int64_t ms);

// ---- agents, background outcomes (agent.cpp) and long decodes (continuation.cpp) -------------

/// Whether the request names a Deep Research agent (`agent` starting with "deep-research").
bool is_deep_research(const json::object& request);
/// Agent rules checked before anything is stored: Deep Research runs in the background only and
/// takes an agent_config of type deep-research. Throws api_error.
void check_agent_request(const json::object& request, bool background);
/// The simulated research: thought steps (planning, searching, synthesising; with summaries when
/// agent_config.thinking_summaries is "auto") and a report answering the last user_input.
generation research(const json::array& history, const json::object& request);

/// A long decode split into hops: what the next hop will produce and how it must be asked for.
struct continuation_state {
  std::string model;
  bool store = true;
  std::string issuer_id;          ///< the hop that issued the token (stored mode: previous_interaction_id)
  std::string input_canonical;    ///< canonical JSON of the original input (store:false check)
  std::size_t limit_words = 0;    ///< per-hop decode limit
  generation rest;                ///< the remaining output (model_output text only) and final status
  std::int64_t input_tokens = 0;  ///< billed again by every hop
};

class service {
 public:
  explicit service(const options& opts);

  http_reply handle(const http_request& req);

  void advance(std::chrono::milliseconds d);
  std::chrono::milliseconds virtual_time() const;
  void add_fault_rule(const std::string& rule);
  void clear_fault_rules();
  std::size_t stored() const;
  /// Stored interactions whose event log is in memory (statistics::event_logs_held).
  std::size_t logs_held() const;
  std::uint64_t evicted() const;

  std::atomic<std::uint64_t> api_requests{0};
  std::atomic<std::uint64_t> faults_injected{0};
  /// Filled by the server after each answer (server::request_log()).
  detail::request_log requests;
  /// Set by the server: statistics as JSON for GET /emulator/stats.
  std::function<json::object()> stats_json;
  /// Set by the server: run `fn` after `delay` of real time (on the server's threads). Unset:
  /// producers publish every event at once.
  std::function<void(std::chrono::milliseconds, std::function<void()>)> schedule;

 private:
  http_reply dispatch(const http_request& req, const std::string& route,
                      const std::vector<std::string>& segs, const json::object& query, const fault* f);
  http_reply create(const http_request& req, const std::string& version, const fault* f);
  http_reply get(const std::string& id, const json::object& query, const http_request& req, const fault* f);
  http_reply remove(const std::string& id);
  http_reply cancel(const std::string& id, const http_request& req);
  http_reply control(const http_request& req, const std::vector<std::string>& segs,
                     const json::object& query);
  std::optional<api_error> check_auth(const http_request& req, const json::object& query) const;
  /// `encoded_path` (the request's, already validated) is decoded only if a rule matches paths.
  std::optional<fault> pick_fault(const http_request& req, const std::string& route,
                                  boost::urls::pct_string_view encoded_path);

  // All below: callers hold mu_.
  /// A continuation hop (continuation_token in the body): checks the token and the request form
  /// (spec 13) and returns what this hop produces. Throws api_error.
  generation continue_hop_locked(const json::object& body, bool store, const std::optional<std::string>& prev_id);
  /// Cuts r.result to the decode limit (x-emulator-decode-limit-words, or the token's) and issues
  /// a continuation token for the rest.
  void limit_decode_locked(record& r, const http_request& req, const json::object& body, bool store);
  /// Background runs: per-request duration and outcome, and the staged Deep Research lifecycle.
  void stage_background_locked(record& r, run_state& run, const http_request& req, bool research);
  /// At a held run's due time: the next stage's hold, or none.
  void release_stage_locked(record& r);
  void settle_locked();
  std::int64_t now_ms_locked() const;
  std::string new_id_locked(const std::string& suffix);
  /// The record's events; the texts their text deltas are cut from are appended to `text`.
  std::vector<planned_event> plan_locked(const record& r, std::string& text) const;
  /// Publishes what is due; by value, as it may drop the record's own pointer to the run.
  void pump_locked(std::shared_ptr<run_state> run);
  /// A run that published its whole plan: the store lets its log go (the transcript is rebuilt,
  /// the same bytes, when a client streams the interaction again).
  void release_finished_run_locked(const std::shared_ptr<run_state>& run);
  /// The record's run, its whole transcript published first if it had none (a unary create, or
  /// a stream whose log was let go).
  std::shared_ptr<run_state> transcript_locked(record& r);
  /// Stores `r` under its id, then forgets the oldest finished interactions beyond
  /// options::max_stored_interactions.
  record& store_locked(record r);
  void publish_locked(run_state& run, planned_event ev);
  void stop_run_locked(record& r, planned_event last);
  stream_reply stream_reply_for(const std::shared_ptr<run_state>& run, std::size_t from, const http_request& req,
                                const fault* f, bool writer_paced) const;

  options opts_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, record> store_;
  /// Ids in the order they were stored, for the store's bound; a deleted one stays until passed.
  std::deque<std::string> store_order_;
  std::uint64_t evicted_ = 0;
  /// Stored background runs held for the virtual clock, by (due_vms, id): settle_locked() looks
  /// only at the due ones instead of scanning the whole store on every request.
  std::set<std::pair<std::int64_t, std::string>> held_;
  std::int64_t virtual_ms_ = 0;
  std::int64_t start_wall_ms_ = 0;
  std::chrono::steady_clock::time_point start_steady_;
  std::uint64_t next_id_ = 1;
  std::string id_nonce_;

  std::mutex faults_mu_;
  std::vector<fault_rule> rules_;
  std::shared_ptr<file_store> files_;  ///< the Files API (files.cpp)

  std::unordered_map<std::string, std::shared_ptr<continuation_state>> continuations_;  ///< by token
  /// Tokens in issue order: the oldest expire beyond max_stored_interactions (each holds the
  /// rest of its answer, and store:false hops are not in the store to be evicted with).
  std::deque<std::string> continuation_order_;
  std::uint64_t next_token_ = 1;

 public:
  /// With options::clock_rate > 0: the virtual clock follows real time (needs `schedule`).
  void start_clock();
};

}  // namespace gemini::emulator::detail
