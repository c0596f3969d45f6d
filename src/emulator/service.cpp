// Routing, authentication, validation, the interaction store and the background clock.
#include "emulator/service.hpp"
#include "emulator/json_writer.hpp"
#include "emulator/text.hpp"

#include "emulator/files.hpp"
#include "emulator/media.hpp"
#include "model/json_finite.hpp"

#include <boost/url.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <charconv>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>

namespace gemini::emulator::detail {

namespace {

const std::set<std::string_view> top_level_fields = {
    "model",         "agent",           "input",           "system_instruction", "tools",
    "generation_config", "agent_config", "response_format", "response_mime_type", "response_modalities",
    "previous_interaction_id", "store",  "background",      "stream",             "continuation_token",
    "safety_settings", "service_tier",  "labels",          "webhook_config",     "environment",
    "cached_content"};

const std::set<std::string_view> generation_config_fields = {
    "max_output_tokens", "seed",          "stop_sequences",       "temperature", "top_p",
    "top_k",             "thinking_level", "thinking_summaries",  "tool_choice", "speech_config",
    "transcription_config", "video_config", "image_config"};

const std::set<std::string_view> content_types = {"text", "image", "audio", "document", "video"};

constexpr std::string_view echoed_fields[] = {
    "previous_interaction_id", "service_tier", "system_instruction", "tools", "generation_config",
    "response_format", "agent_config", "labels", "environment"};

api_error bad(std::string message) { return api_error{400, "invalid_request", std::move(message)}; }

constexpr unsigned max_output_words = 1'000'000;

json::object normalize_block(const json::value& v) {
  if (!v.is_object()) throw bad("Content blocks must be objects.");
  const auto& o = v.get_object();
  const auto* type = o.if_contains("type");
  if (!type || !type->is_string()) throw bad("Content block requires a string 'type'.");
  if (type->get_string() == "text") {
    const auto* text = o.if_contains("text");
    if (!text || !text->is_string()) throw bad("Text content requires a string 'text'.");
  }
  return o;
}

json::array normalize_content(const json::value* content, const char* step) {
  json::array out;
  if (!content) throw bad(std::string(step) + " step requires 'content'.");
  if (content->is_string()) {
    json::object t;
    t["type"] = "text";
    t["text"] = content->get_string();
    out.push_back(std::move(t));
  } else if (content->is_array()) {
    for (const auto& b : content->get_array()) out.push_back(normalize_block(b));
  } else if (content->is_object()) {
    out.push_back(normalize_block(*content));
  } else {
    throw bad(std::string(step) + " 'content' must be a string, a content block or an array.");
  }
  return out;
}

json::object normalize_step(const json::object& s) {
  const auto* type = s.if_contains("type");
  if (!type || !type->is_string()) throw bad("Steps require a string 'type'.");
  json::object out = s;
  const std::string_view t = type->get_string();
  if (t == "user_input") {
    out["content"] = normalize_content(s.if_contains("content"), "user_input");
    if (out["content"].get_array().empty()) throw bad("Field 'input' must not be empty.");
  } else if (t == "model_output") {
    if (s.contains("content")) out["content"] = normalize_content(s.if_contains("content"), "model_output");
  } else if (t == "thought") {
    const auto* sig = s.if_contains("signature");
    if (!sig || !sig->is_string() || sig->get_string().empty())
      throw bad("A thought step must be replayed with its 'signature'.");
  } else if (t == "function_call") {
    const auto* id = s.if_contains("id");
    const auto* name = s.if_contains("name");
    if (!id || !id->is_string() || !name || !name->is_string())
      throw bad("A function_call step requires 'id' and 'name'.");
  } else if (t == "function_result") {
    const auto* id = s.if_contains("call_id");
    if (!id || !id->is_string()) throw bad("A function_result step requires a string 'call_id'.");
    if (!s.contains("result")) throw bad("A function_result step requires 'result'.");
    if (const auto* e = s.if_contains("is_error"); e && !e->is_bool()) throw bad("'is_error' must be a boolean.");
  }
  return out;
}

}  // namespace

history_chain::~history_chain() {
  std::shared_ptr<const history_chain> next = std::move(before);
  while (next && next.use_count() == 1) {
    // The last owner: its link is taken before it goes, so that it frees nothing in turn.
    std::shared_ptr<const history_chain> after = std::move(const_cast<history_chain&>(*next).before);
    next = std::move(after);
  }
}

namespace {

/// The conversation a chain holds, its first turn first.
json::array flatten(const history_chain& last) {
  std::vector<const history_chain*> turns;
  std::size_t steps = 0;
  for (const history_chain* t = &last; t; t = t->before.get()) {
    turns.push_back(t);
    steps += t->steps.size();
  }
  json::array out;
  out.reserve(steps);
  for (auto it = turns.rbegin(); it != turns.rend(); ++it)
    for (const auto& s : (*it)->steps) out.push_back(s);
  return out;
}

/// Turns any accepted `input` shape into steps (spec 5.1).
json::array normalize_input(const json::value& input) {
  static const char* turn_list = "Role-based turn input is no longer supported: use step_list input format instead of turn_list.";
  json::array steps;
  // Tables sized before they are filled: each growth of one is an allocation and a rehash.
  auto user_input = [](json::array content) {
    json::object s;
    s.reserve(2);
    s.emplace("type", "user_input");
    s.emplace("content", std::move(content));
    return s;
  };
  if (input.is_string()) {
    if (input.get_string().empty()) throw bad("Field 'input' must not be empty.");
    json::object t;
    t.reserve(2);
    t.emplace("type", "text");
    t.emplace("text", input.get_string());
    json::array content;
    content.reserve(1);
    content.emplace_back(std::move(t));
    steps.reserve(1);
    steps.emplace_back(user_input(std::move(content)));
  } else if (input.is_object()) {
    const auto& o = input.get_object();
    if (o.contains("role")) throw bad(turn_list);
    const auto* type = o.if_contains("type");
    if (!type || !type->is_string()) throw bad("Field 'input' object requires a string 'type'.");
    if (content_types.count(type->get_string()))
      steps.push_back(user_input(json::array{normalize_block(input)}));
    else
      steps.push_back(normalize_step(o));
  } else if (input.is_array()) {
    const auto& a = input.get_array();
    if (a.empty()) throw bad("Field 'input' must not be empty.");
    std::size_t blocks = 0;
    for (const auto& e : a) {
      if (!e.is_object()) throw bad("Elements of 'input' must be objects.");
      const auto& o = e.get_object();
      if (o.contains("role")) throw bad(turn_list);
      const auto* type = o.if_contains("type");
      if (!type || !type->is_string()) throw bad("Elements of 'input' require a string 'type'.");
      if (content_types.count(type->get_string())) ++blocks;
    }
    if (blocks == a.size()) {
      json::array content;
      for (const auto& e : a) content.push_back(normalize_block(e));
      steps.push_back(user_input(std::move(content)));
    } else if (blocks == 0) {
      for (const auto& e : a) steps.push_back(normalize_step(e.get_object()));
    } else {
      throw bad("Field 'input' mixes content blocks and steps.");
    }
  } else {
    throw bad("Field 'input' must be a string, a content block, or an array of content blocks or steps.");
  }
  return steps;
}

// ---- SSE ------------------------------------------------------------------------------------

constexpr std::size_t no_hold = static_cast<std::size_t>(-1);

/// Splits a JSON text into fragments of `size` characters (at least two when it has two).
std::vector<std::string> fragments(const std::string& text, std::size_t size) {
  std::vector<std::string> out;
  if (text.size() < 2) return {text};
  const std::size_t piece = std::min(size, text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += piece) out.push_back(text.substr(i, piece));
  return out;
}

/// A non-negative integer request header, or nothing when absent.
std::optional<std::uint64_t> uint_header(const http_request& req, std::string_view name) {
  const auto* h = req.header(name);
  if (!h) return std::nullopt;
  std::uint64_t n = 0;
  auto [p, e] = std::from_chars(h->data(), h->data() + h->size(), n);
  if (e != std::errc{} || p != h->data() + h->size() || h->empty())
    throw bad(std::string(name) + " must be a non-negative integer.");
  return n;
}

/// Empties `x` and frees its memory (clear() keeps the capacity).
template <class T>
void give_back(T& x) {
  T().swap(x);
}

/// Calls `piece(text)` for the text cut after every `per_chunk`-th space, the last piece
/// holding the rest (an empty text is one empty piece).
template <class Piece>
void for_each_word_chunk(std::string_view text, std::size_t per_chunk, Piece piece) {
  std::size_t begin = 0, words = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ' && ++words == per_chunk) {
      piece(text.substr(begin, i + 1 - begin));
      begin = i + 1;
      words = 0;
    }
  }
  if (begin < text.size() || begin == 0) piece(text.substr(begin));
}

}  // namespace

const std::string* http_request::header(std::string_view name) const {
  for (const auto& [n, value] : headers)
    if (n == name) return &value;
  return nullptr;
}

std::string_view event_log::keep_locked(std::string_view bytes) {
  constexpr std::size_t first_block = 1024, last_block = 64 * 1024;
  if (bytes.empty()) return {};
  char* at = nullptr;
  if (bytes.size() > block_left_) {
    const std::size_t block = std::clamp(stored_bytes_, first_block, last_block);
    if (bytes.size() > block / 4) {  // a block of its own: the current one goes on being filled
      at = blocks_.emplace_back(std::make_unique_for_overwrite<char[]>(bytes.size())).get();
    } else {
      block_free_ = blocks_.emplace_back(std::make_unique_for_overwrite<char[]>(block)).get();
      block_left_ = block;
    }
  }
  if (!at) {
    at = block_free_;
    block_free_ += bytes.size();
    block_left_ -= bytes.size();
  }
  std::memcpy(at, bytes.data(), bytes.size());
  stored_bytes_ += bytes.size();
  return {at, bytes.size()};
}

std::string_view event_log::name_locked(std::string_view name) {
  for (const auto& known : names_)
    if (known == name) return known;
  return names_.emplace_back(name);
}

void event_log::append(std::string_view name, std::string_view bytes, bool end) {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mu_);
    if (ended_) return;
    frames_.push_back(log_frame{name_locked(name), keep_locked(bytes)});
    ended_ = end;
    wake.swap(waiters_);
  }
  for (auto& w : wake) w();
}

void event_log::end() {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mu_);
    if (ended_) return;
    ended_ = true;
    wake.swap(waiters_);
  }
  for (auto& w : wake) w();
}

bool event_log::read(std::size_t from, std::vector<const log_frame*>& out, const std::function<void()>& waiter) {
  std::lock_guard lock(mu_);
  for (std::size_t i = from; i < frames_.size(); ++i) out.push_back(&frames_[i]);
  if (from >= frames_.size() && !ended_ && waiter) waiters_.push_back(waiter);
  return ended_;
}

std::size_t event_log::size() const {
  std::lock_guard lock(mu_);
  return frames_.size();
}

bool event_log::ended() const {
  std::lock_guard lock(mu_);
  return ended_;
}

service::service(const options& opts) : requests(opts.request_log_limit), opts_(opts) {
  start_wall_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  start_steady_ = std::chrono::steady_clock::now();
  std::random_device rd;
  id_nonce_ = hex32(rd());
  for (const auto& r : opts_.fault_rules) rules_.push_back(parse_fault_rule(r));
  files_ = std::make_shared<file_store>(opts_.file_processing_duration);
}

void service::add_fault_rule(const std::string& rule) {
  auto parsed = parse_fault_rule(rule);
  std::lock_guard lock(faults_mu_);
  rules_.push_back(std::move(parsed));
}

void service::clear_fault_rules() {
  std::lock_guard lock(faults_mu_);
  rules_.clear();
}

std::size_t service::stored() const {
  std::lock_guard lock(mu_);
  return store_.size();
}

std::uint64_t service::evicted() const {
  std::lock_guard lock(mu_);
  return evicted_;
}

record& service::store_locked(record r) {
  std::string id = r.id;  // the key; `r` is moved from below
  auto& [key, stored] = *store_.emplace(std::move(id), std::move(r)).first;
  store_order_.push_back(key);
  const std::size_t limit = opts_.max_stored_interactions;
  // Oldest first, passing over running ones; never the one just stored (the last).
  for (auto it = store_order_.begin(); limit != 0 && store_.size() > limit && std::next(it) != store_order_.end();) {
    auto found = store_.find(*it);
    if (found != store_.end() && !finished(found->second.status)) {
      ++it;
      continue;
    }
    if (found != store_.end()) {
      store_.erase(found);
      ++evicted_;
    }
    it = store_order_.erase(it);
  }
  // Deleted ids are dropped from the order as they are passed; deletions without creations could
  // still pile them up.
  if (store_order_.size() > 2 * store_.size() + 1024)
    std::erase_if(store_order_, [&](const std::string& k) { return !store_.contains(k); });
  return stored;
}

std::size_t service::logs_held() const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(std::count_if(store_.begin(), store_.end(), [](const auto& kv) { return kv.second.run != nullptr; }));
}

void service::advance(std::chrono::milliseconds d) {
  std::lock_guard lock(mu_);
  if (d.count() > 0) virtual_ms_ += d.count();
  settle_locked();
}

std::chrono::milliseconds service::virtual_time() const {
  std::lock_guard lock(mu_);
  return std::chrono::milliseconds(virtual_ms_);
}

std::int64_t service::now_ms_locked() const {
  const auto real = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                          start_steady_);
  return start_wall_ms_ + real.count() + virtual_ms_;
}

void service::settle_locked() {
  while (!held_.empty() && held_.begin()->first <= virtual_ms_) {
    const std::string id = std::move(held_.begin()->second);
    held_.erase(held_.begin());
    auto it = store_.find(id);
    if (it == store_.end()) continue;
    record& r = it->second;
    if (r.background && !finished(r.status) && r.due_vms <= virtual_ms_ && r.run->hold_at != no_hold) {
      release_stage_locked(r);
      pump_locked(r.run);
    }
  }
}

void service::pump_locked(std::shared_ptr<run_state> run) {
  if (run->scheduled) return;  // the pending timer continues
  auto more = [&] { return !run->stopped && run->next < run->planned.size() && run->next != run->hold_at; };
  while (more()) {
    publish_locked(*run, std::move(run->planned[run->next++]));
    if (run->interval.count() > 0 && schedule && more()) {
      run->scheduled = true;
      std::shared_ptr<run_state> self = run;
      schedule(run->interval, [this, self] {
        std::lock_guard lock(mu_);
        self->scheduled = false;
        pump_locked(self);
      });
      return;
    }
  }
  // Published events are moved out of the plan: once nothing more will be published, drop it.
  if (run->stopped || run->next >= run->planned.size()) {
    give_back(run->planned);
    give_back(run->plan_text);
    give_back(run->frame);
    if (!run->stopped) release_finished_run_locked(run);
  }
}

void service::release_finished_run_locked(const std::shared_ptr<run_state>& run) {
  // Only a log that is exactly its plan can be rebuilt: not a stopped run's (it ends with what
  // stopped it) nor a background one's (its stages add status updates). A refused stream never
  // gets here: it is held before its end. Stream faults are the writer's, not in the log.
  if (run->id.empty()) return;
  auto it = store_.find(run->id);
  if (it == store_.end()) return;
  record& r = it->second;
  if (r.run == run && !r.background && finished(r.status)) r.run.reset();
}

std::shared_ptr<run_state> service::transcript_locked(record& r) {
  if (r.run) return r.run;
  auto run = std::make_shared<run_state>();
  run->id = r.id;
  run->completed_ms = r.updated_ms;
  run->planned = plan_locked(r, run->plan_text);
  r.run = run;
  pump_locked(run);
  return run;
}

void append_text_delta_frame(std::string& out, std::size_t index, std::string_view text, std::size_t event_number) {
  json_writer w(out);
  w.raw("event: step.delta\ndata: {\"index\":");
  w.number(index);
  w.raw(",\"delta\":{\"type\":\"text\",\"text\":");
  w.string(text);
  w.raw("},\"event_id\":\"evt_");
  w.number(event_number);
  w.raw("\",\"event_type\":\"step.delta\"}\n\n");
}

void service::publish_locked(run_state& run, planned_event ev) {
  const std::size_t n = run.log->size() + 1;
  if (ev.text_delta) {
    run.frame.clear();
    append_text_delta_frame(run.frame, ev.index, std::string_view(run.plan_text).substr(ev.text_at, ev.text_size), n);
    run.log->append(ev.name, run.frame, false);
    return;
  }
  const bool terminal = ev.name == "interaction.completed" || ev.name == "error";
  if (ev.name == "interaction.status_update" && !run.id.empty()) {  // e.g. queued -> in_progress
    const auto* status = ev.data.if_contains("status");
    if (auto it = store_.find(run.id); status && status->is_string() && it != store_.end() && !finished(it->second.status))
      it->second.status = std::string(status->get_string());
  }
  if (ev.name == "interaction.completed") {
    const auto now = now_ms_locked();
    auto& inter = ev.data["interaction"].as_object();
    inter["updated"] = rfc3339(run.completed_ms.value_or(now));
    if (!run.id.empty()) {
      if (auto it = store_.find(run.id); it != store_.end() && !finished(it->second.status)) {
        it->second.status = it->second.result.status;
        it->second.updated_ms = now;
      }
    }
  }
  if (opts_.event_ids_on_all_events || ev.name == "step.delta") ev.data["event_id"] = "evt_" + std::to_string(n);
  ev.data["event_type"] = ev.name;
  const std::string bytes = "event: " + ev.name + "\ndata: " + json::serialize(ev.data) + "\n\n";
  run.log->append(ev.name, bytes, terminal);
}

void service::stop_run_locked(record& r, planned_event last) {
  if (!r.run) return;  // a finished create that nobody streamed: no log, no follower
  r.run->stopped = true;
  if (!r.run->log->ended()) publish_locked(*r.run, std::move(last));
}

std::string service::new_id_locked(const std::string& suffix) {
  // "v1_" + base64url("emulator:<nonce>:<n>"), then "." + suffix if any. The encoded text is put
  // together on the stack: 9 + the nonce (hex32's 8 digits; at most 16 taken) + 1 + 20 digits.
  std::array<char, 48> raw;
  constexpr std::string_view prefix = "emulator:";
  char* end = std::copy(prefix.begin(), prefix.end(), raw.data());
  end += id_nonce_.copy(end, 16);
  *end++ = ':';
  end = std::to_chars(end, raw.data() + raw.size(), next_id_++).ptr;
  std::string id = "v1_";
  append_base64url(std::string_view(raw.data(), static_cast<std::size_t>(end - raw.data())), id);
  // Set apart by a character base64url never writes: the 15th id's encoding followed by "w" was
  // the 150th's.
  if (!suffix.empty()) {
    id += '.';
    id += suffix;
  }
  return id;
}

std::optional<api_error> service::check_auth(const http_request& req, const json::object& query) const {
  std::optional<std::string> key;
  if (const auto* k = req.header("x-goog-api-key"); k && !k->empty()) {
    key = *k;
  } else if (const auto* a = req.header("authorization")) {
    if (a->size() > 7 && ascii_lower(a->substr(0, 7)) == "bearer ") {
      auto token = a->substr(7);
      while (!token.empty() && token.front() == ' ') token.erase(0, 1);
      if (!token.empty()) key = token;
    }
  } else if (const auto* q = query.if_contains("key"); q && q->is_string() && !q->get_string().empty()) {
    key = std::string(q->get_string());
  }
  if (!key)
    return api_error{401, "authentication",
                     "Missing credentials: send an API key in 'x-goog-api-key' or 'Authorization: Bearer'."};
  if (opts_.api_key && *key != *opts_.api_key)
    return api_error{401, "authentication", "API key not valid. Please pass a valid API key."};
  return std::nullopt;
}

std::optional<fault> service::pick_fault(const http_request& req, const std::string& route,
                                        boost::urls::pct_string_view encoded_path) {
  std::lock_guard lock(faults_mu_);
  std::optional<fault> chosen;
  std::optional<std::string> path;
  for (auto& rule : rules_) {
    if (rule.route != "any" && rule.route != route) continue;
    if (rule.method && ascii_lower(*rule.method) != ascii_lower(req.method)) continue;
    if (rule.path) {
      if (!path) path = encoded_path.decode();
      if (!glob_match(*rule.path, *path)) continue;
    }
    const auto n = ++rule.seen;
    if (n <= rule.skip) continue;
    if (rule.times && n > rule.skip + *rule.times) continue;
    if (!rule.draw()) continue;
    if (!chosen) chosen = rule.what;
  }
  return chosen;
}

http_reply service::handle(const http_request& req) {
  auto parsed = boost::urls::parse_origin_form(req.target);
  if (!parsed) return rpc_error(404, "Method not found.");
  const auto url = *parsed;
  std::vector<std::string> segs;
  segs.reserve(4);  // the longest API route: /v1beta/interactions/{id}/cancel
  for (auto s : url.segments()) segs.push_back(s);
  json::object query;
  for (auto p : url.params()) query[p.key] = p.has_value ? json::value(p.value) : json::value(true);

  // Classify the route.
  std::string route = "unknown";
  const bool versioned = !segs.empty() && (segs[0] == "v1beta" || segs[0] == "v1") && segs.size() >= 2 &&
                         segs[1] == "interactions";
  if (!segs.empty() && segs[0] == "emulator") {
    route = "control";
  } else if (versioned) {
    if (segs.size() == 2 && req.method == "POST") route = "create";
    else if (segs.size() == 3 && !segs[2].empty() && req.method == "GET") route = "get";
    else if (segs.size() == 3 && !segs[2].empty() && req.method == "DELETE") route = "delete";
    else if (segs.size() == 4 && !segs[2].empty() && segs[3] == "cancel" && req.method == "POST") route = "cancel";
  }
  if (route == "unknown") route = file_store::classify(req, segs, query);
  if (route == "control") return control(req, segs, query);
  ++api_requests;

  http_reply reply;
  std::optional<fault> f;
  if (const auto* h = req.header("x-emulator-fault")) {
    try {
      f = parse_fault(*h);
    } catch (const std::invalid_argument& e) {
      return flat_error(400, "invalid_request", std::string("x-emulator-fault: ") + e.what());
    }
  } else {
    f = pick_fault(req, route, url.encoded_path());
  }

  if (f) {
    ++faults_injected;
    // upload-keep: part of a chunk the faulted request carried arrived, though the request
    // failed. Only for a fault that does not run the request (which would append the chunk
    // again), and only for a caller the API would have let upload.
    const bool runs = !(f->close && !f->close_after_execution) && !(f->status && *f->status >= 400);
    if (route == "upload" && f->upload_keep && !runs && !check_auth(req, query))
      files_->keep_partial(req, query, *f->upload_keep);
    reply.reset = f->reset;
    if (f->close && !f->close_after_execution) {
      reply.close_before = true;
      reply.delay = f->delay;
      return reply;
    }
    if (f->status && *f->status >= 400) {
      const std::string message = f->message.value_or("Injected fault (emulator).");
      reply = f->shape == "rpc" ? rpc_error(*f->status, message, f->retry_delay)
                                : flat_error(*f->status, f->code.value_or(flat_code_for(*f->status)), message);
    } else {
      reply = dispatch(req, route, segs, query, &*f);
      if (f->status) reply.status = *f->status;
    }
    reply.reset = f->reset;
    if (f->retry_after) reply.headers.emplace_back("Retry-After", *f->retry_after);
    if (f->retry_after_ms) reply.headers.emplace_back("retry-after-ms", *f->retry_after_ms);
    if (f->content_type) reply.content_type = *f->content_type;
    if (reply.stream) {
      reply.stream->fault.inject = injected_member(*f);
      reply.stream->fault.malformed = f->malformed;
    } else {
      reply.body = inject_member(reply.body, injected_member(*f));
      if (f->malformed) reply.body = reply.body.substr(0, reply.body.size() / 2) + "<<malformed{\"";
      if (f->truncate) reply.truncate_at = std::min(f->truncate_bytes.value_or(reply.body.size() / 2), reply.body.size() ? reply.body.size() - 1 : 0);
    }
    reply.delay += f->delay;
    reply.interim = f->interim;
    if (f->close_after_execution) reply.close_before = true;  // executed above; the answer is lost
    return reply;
  }
  return dispatch(req, route, segs, query, nullptr);
}

http_reply service::dispatch(const http_request& req, const std::string& route, const std::vector<std::string>& segs,
                             const json::object& query, const fault* f) {
  if (route == "unknown") {
    const bool known_path = segs.size() >= 2 && (segs[0] == "v1beta" || segs[0] == "v1") && segs[1] == "interactions";
    return rpc_error(404, known_path ? "Method not found." : "The requested URL was not found on this server.");
  }
  if (auto err = check_auth(req, query)) return flat_error(err->status, err->code, err->message);
  if (route == "files" || route == "upload") {
    std::int64_t now = 0, vms = 0;
    {
      std::lock_guard lock(mu_);
      now = now_ms_locked();
      vms = virtual_ms_;
    }
    return files_->handle(req, segs, query, now, vms, opts_.tls);
  }
  try {
    if (route == "create") {
      auto r = create(req, segs[0], f);
      r.delay += opts_.latency;
      return r;
    }
    if (route == "get") return get(segs[2], query, req, f);
    if (route == "delete") return remove(segs[2]);
    return cancel(segs[2], req);
  } catch (const api_error& e) {
    return flat_error(e.status, e.code, e.message);
  }
}

http_reply service::create(const http_request& req, const std::string& /*version*/, const fault* f) {
  boost::system::error_code ec;
  json::value body = json::parse(req.body, ec);
  if (ec || !body.is_object()) throw bad("Invalid JSON payload received: the request body must be a JSON object.");
  if (!gemini::detail::all_finite(body)) throw bad("Invalid JSON payload received: a number is out of range.");
  // Not const: what the record keeps of the request (its input, the echoed fields) is moved
  // into it at the end, not copied.
  auto& o = body.get_object();

  for (const auto& kv : o)
    if (!top_level_fields.count(kv.key()))
      throw api_error{400, "parameter_unknown", "Unknown parameter: '" + std::string(kv.key()) + "'."};

  auto* model = o.if_contains("model");
  auto* agent = o.if_contains("agent");
  if ((model != nullptr) == (agent != nullptr)) throw bad("Exactly one of 'model' or 'agent' must be set.");
  auto* who = model ? model : agent;
  if (!who->is_string() || who->get_string().empty())
    throw bad(std::string("Field '") + (model ? "model" : "agent") + "' must be a non-empty string.");

  auto get_bool = [&](std::string_view key, bool dflt) {
    const auto* v = o.if_contains(key);
    if (!v) return dflt;
    if (!v->is_bool()) throw bad("Field '" + std::string(key) + "' must be a boolean.");
    return v->get_bool();
  };
  const bool store = get_bool("store", true);
  const bool background = get_bool("background", false);
  const bool stream = get_bool("stream", false);
  if (background && !store) throw bad("background requires store: a background interaction must be stored.");
  check_agent_request(o, background);

  generation_params params;
  if (const auto* gc = o.if_contains("generation_config")) {
    if (!gc->is_object()) throw bad("Field 'generation_config' must be an object.");
    for (const auto& kv : gc->get_object())
      if (!generation_config_fields.count(kv.key()))
        throw api_error{400, "parameter_unknown",
                        "Unknown parameter: 'generation_config." + std::string(kv.key()) + "'."};
    const auto& g = gc->get_object();
    if (const auto* m = g.if_contains("max_output_tokens")) {
      if (!m->is_int64() && !m->is_uint64()) throw bad("'generation_config.max_output_tokens' must be an integer.");
      // The service's field is an int32: past that it answers 400, and so does the emulator
      // (a value beyond int64 once escaped as a 500, which clients retry).
      if (m->is_uint64() || m->get_int64() > std::numeric_limits<std::int32_t>::max())
        throw bad("'generation_config.max_output_tokens' must be at most 2147483647.");
      const auto n = m->get_int64();
      if (n < 1) throw bad("'generation_config.max_output_tokens' must be positive.");
      params.max_output_tokens = n;
    }
    if (const auto* t = g.if_contains("thinking_summaries"); t && t->is_string() && t->get_string() == "auto")
      params.thinking_summaries = true;
    if (const auto* t = g.if_contains("tool_choice"); t && t->is_string() && t->get_string() == "none")
      params.tool_choice_none = true;
  }
  if (const auto* si = o.if_contains("system_instruction")) {
    if (!si->is_string()) throw bad("Field 'system_instruction' must be a string.");
    params.system_instruction = std::string(si->get_string());
  }
  if (const auto* tools = o.if_contains("tools")) {
    if (!tools->is_array()) throw bad("Field 'tools' must be an array.");
    for (const auto& t : tools->get_array()) {
      if (!t.is_object() || !t.get_object().contains("type") || !t.get_object().at("type").is_string())
        throw bad("Each tool requires a string 'type'.");
      const auto& to = t.get_object();
      if (to.at("type").get_string() == "function") {
        const auto* name = to.if_contains("name");
        if (!name || !name->is_string() || name->get_string().empty()) throw bad("A function tool requires 'name'.");
        params.function_names.emplace_back(name->get_string());
      }
    }
  }
  params.json_schema = structured_output_schema(o);
  if (const auto* h = req.header("x-emulator-function-call")) {
    std::string_view rest = *h;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      std::string name(rest.substr(0, comma));
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (!name.empty()) params.forced_calls.push_back(name);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  params.output_words = opts_.default_output_words;
  if (const auto* h = req.header("x-emulator-output-words")) {
    unsigned n = 0;
    auto [p, e] = std::from_chars(h->data(), h->data() + h->size(), n);
    if (e != std::errc{} || p != h->data() + h->size()) throw bad("x-emulator-output-words must be an integer.");
    // The answer is generated whole before it is sent: 1.8 billion words asked for 2 GiB (fuzzing).
    if (n > max_output_words) throw bad("x-emulator-output-words must be at most 1000000.");
    params.output_words = n;
  }
  // A test or benchmark knob like the answer length: the image's width (its height follows the
  // aspect ratio), for large inline images. Checked whether or not an image is asked for.
  std::uint32_t image_width = 64;
  if (auto w = uint_header(req, "x-emulator-image-width")) {
    if (*w == 0 || *w > max_image_side) throw bad("x-emulator-image-width must be between 1 and 4096.");
    image_width = static_cast<std::uint32_t>(*w);
  }
  if (auto image = image_output_request(o, image_width)) {
    params.image_width = image->width;
    params.image_height = image->height;
  }
  params.extra_step = extra_step_from(req);
  std::string suffix;
  if (const auto* h = req.header("x-emulator-id-suffix")) suffix = *h;
  if (valid_utf8(suffix) != suffix) throw bad("x-emulator-id-suffix must be UTF-8.");  // ids go into JSON
  std::chrono::milliseconds interval = opts_.stream_event_interval;
  if (auto ms = uint_header(req, "x-emulator-stream-interval-ms")) interval = std::chrono::milliseconds(*ms);
  (void)uint_header(req, "x-emulator-stream-chunk-bytes");  // validated before anything is stored
  const bool refused = f && f->stream.refusal;
  if (refused && !stream)
    throw api_error{400, "prohibited_content", f->message.value_or("The response was blocked because it may contain prohibited content.")};

  std::optional<std::string> prev_id;
  if (const auto* p = o.if_contains("previous_interaction_id")) {
    if (!p->is_string() || p->get_string().empty()) throw bad("Field 'previous_interaction_id' must be a non-empty string.");
    prev_id = std::string(p->get_string());
  }
  json::array new_steps;
  auto* input = o.if_contains("input");
  if (input) {
    new_steps = normalize_input(*input);
  } else if (!o.contains("continuation_token")) {  // stored continuation hops carry no input
    throw bad("Field 'input' is required.");
  }

  std::unique_lock lock(mu_);
  settle_locked();
  json::array history;
  std::shared_ptr<const history_chain> chain;
  if (prev_id) {
    auto it = store_.find(*prev_id);
    if (it == store_.end()) throw api_error{404, "not_found", "Interaction '" + *prev_id + "' was not found."};
    const record& prev = it->second;
    if (!finished(prev.status))
      throw bad("Interaction '" + *prev_id + "' is still " + prev.status + "; wait until it finishes before continuing it.");
    auto turn = std::make_shared<history_chain>();
    turn->before = prev.history_before;
    turn->steps = prev.input_steps;
    if (prev.status != "cancelled")
      for (const auto& s : prev.result.steps) turn->steps.push_back(s);
    chain = std::move(turn);
    history = flatten(*chain);
  }
  // The whole conversation; a first turn's is its own steps, read where they are, not copied.
  const std::size_t before = history.size();
  if (before > 0)
    for (const auto& s : new_steps) history.push_back(s);
  const json::array& conversation = before > 0 ? history : new_steps;
  params.media_notes = files_->describe(conversation, virtual_ms_);

  record r;
  const bool deep_research = is_deep_research(o);
  r.result = o.contains("continuation_token") ? continue_hop_locked(o, store, prev_id)
             : deep_research                  ? research(conversation, o)
                                              : generate(conversation, params);
  r.id = new_id_locked(suffix);
  if (!background && model) limit_decode_locked(r, req, o, store);
  // One lookup per field, and one table sized for those present (not one per growth).
  std::array<json::value*, std::size(echoed_fields)> echoed{};
  std::size_t present = 1;
  for (std::size_t i = 0; i < echoed.size(); ++i) present += (echoed[i] = o.if_contains(echoed_fields[i])) != nullptr;
  r.echo.reserve(present);
  r.echo.emplace(model ? "model" : "agent", std::move(*who));
  for (std::size_t i = 0; i < echoed.size(); ++i)
    if (echoed[i]) r.echo.emplace(echoed_fields[i], std::move(*echoed[i]));
  r.created_ms = r.updated_ms = now_ms_locked();
  if (input) r.input = std::move(*input);
  r.input_steps = std::move(new_steps);
  r.history_before = std::move(chain);
  r.background = background;
  r.status = background || stream ? "in_progress" : r.result.status;
  if (background) r.due_vms = virtual_ms_ + opts_.background_duration.count();

  const bool keep = store && !refused;
  if (!stream && !background) {  // (a refusal of a unary create was answered above)
    // Finished as it is answered: its transcript is built if a client ever streams it.
    http_reply reply;
    reply.body = resource_text(keep ? store_locked(std::move(r)) : r, false, false);
    return reply;
  }

  // The event log: the whole transcript is planned now and published by the producer.
  const std::string id = r.id;
  auto run = std::make_shared<run_state>();
  r.run = run;
  run->planned = plan_locked(r, run->plan_text);
  if (stream) run->interval = interval;
  if (background && !stream) run->hold_at = 2;  // created + status_update, then the virtual clock
  if (background) stage_background_locked(r, *run, req, deep_research);
  if (refused) run->hold_at = std::min<std::size_t>(f->stream.after_events.value_or(2), run->planned.size());
  if (keep) {
    run->id = id;
    if (background && run->hold_at != no_hold) held_.emplace(r.due_vms, id);
  }
  const record& rec = keep ? store_locked(std::move(r)) : r;
  pump_locked(run);
  if (refused) run->log->end();

  http_reply reply;
  if (stream) {
    reply.content_type = "text/event-stream";
    reply.stream = stream_reply_for(run, 0, req, f, false);
  } else {
    reply.body = resource_text(rec, false, false);
  }
  return reply;
}

stream_reply service::stream_reply_for(const std::shared_ptr<run_state>& run, std::size_t from, const http_request& req,
                                       const fault* f, bool writer_paced) const {
  stream_reply out;
  out.log = run->log;
  out.from = from;
  out.chunk_bytes = opts_.stream_chunk_bytes;
  if (auto n = uint_header(req, "x-emulator-stream-chunk-bytes")) out.chunk_bytes = static_cast<std::size_t>(*n);
  if (writer_paced)
    if (auto ms = uint_header(req, "x-emulator-stream-interval-ms")) out.write_interval = std::chrono::milliseconds(*ms);
  if (f) {
    out.fault = f->stream;
    if (!out.fault.message) out.fault.message = f->message;
  }
  return out;
}

std::vector<planned_event> service::plan_locked(const record& r, std::string& text) const {
  // Reserved whole: a stream's plan is mostly text deltas, one per three words.
  std::size_t estimate = 8;
  for (const auto& sv : r.result.steps) {
    estimate += 4;
    if (const auto* content = sv.get_object().if_contains("content"); content && content->is_array())
      for (const auto& block : content->get_array()) {
        estimate += 1;
        // An extra step (x-emulator-extra-step) is the test's JSON: its blocks may be anything.
        if (!block.is_object()) continue;
        if (const auto* t = block.get_object().if_contains("text"); t && t->is_string())
          estimate += static_cast<std::size_t>(std::count(t->get_string().begin(), t->get_string().end(), ' ')) / 3;
      }
  }
  std::vector<planned_event> events;
  events.reserve(estimate);
  auto add = [&](std::string name, json::object data) { events.push_back({std::move(name), std::move(data)}); };
  json::object head;
  head["id"] = r.id;
  head["status"] = "in_progress";
  head["object"] = "interaction";
  for (auto key : {"model", "agent"})
    if (const auto* v = r.echo.if_contains(key)) head[key] = *v;
  head["created"] = rfc3339(r.created_ms);
  if (const auto* v = r.echo.if_contains("service_tier")) head["service_tier"] = *v;
  add("interaction.created", json::object{{"interaction", head}});
  add("interaction.status_update", json::object{{"interaction_id", r.id}, {"status", "in_progress"}});
  std::size_t index = 0;
  for (const auto& sv : r.result.steps) {
    const auto& s = sv.get_object();
    const std::string type(s.at("type").get_string());
    json::object skeleton;
    skeleton["type"] = type;
    if (type == "function_call") {
      skeleton["id"] = s.at("id");
      skeleton["name"] = s.at("name");
      skeleton["arguments"] = json::object{};
    } else if (type != "thought" && type != "model_output") {
      skeleton = s;  // other step types have no deltas: step.start carries them whole
    }
    add("step.start", json::object{{"index", index}, {"step", skeleton}});
    auto delta = [&](json::object d) { add("step.delta", json::object{{"index", index}, {"delta", std::move(d)}}); };
    if (type == "thought") {
      if (const auto* summary = s.if_contains("summary"))
        for (const auto& block : summary->get_array())
          delta(json::object{{"type", "thought_summary"}, {"content", block}});
      delta(json::object{{"type", "thought_signature"}, {"signature", s.at("signature")}});
    } else if (type == "model_output") {
      for (const auto& block : s.at("content").get_array()) {
        if (block.at("type").as_string() != "text") {
          delta(block.get_object());  // a media delta carries the block's members
          continue;
        }
        const std::string_view block_text(block.at("text").get_string());
        const std::size_t at = text.size();
        if (at + block_text.size() > std::numeric_limits<std::uint32_t>::max())
          throw std::length_error("emulator: an answer text over 4 GiB");
        text.append(block_text);
        for_each_word_chunk(block_text, 3, [&](std::string_view chunk) {
          const auto offset = at + static_cast<std::size_t>(chunk.data() - block_text.data());
          events.push_back(planned_event::text_chunk(index, offset, chunk.size()));
        });
      }
    } else if (type == "function_call") {
      for (auto& piece : fragments(json::serialize(s.at("arguments")), 8))
        delta(json::object{{"type", "arguments_delta"}, {"arguments", piece}});
    }
    add("step.stop", json::object{{"index", index}});
    ++index;
  }
  json::object done = resource_json(r, false, false);
  done.erase("steps");
  done["status"] = r.result.status;
  done["usage"] = usage_json(r.result.usage);
  if (!r.continuation_token.empty()) done["continuation_token"] = r.continuation_token;
  if (!r.errors.empty()) done["errors"] = r.errors;
  add("interaction.completed", json::object{{"interaction", std::move(done)}});
  return events;
}

http_reply service::get(const std::string& id, const json::object& query, const http_request& req, const fault* f) {
  auto flag = [&](std::string_view key) -> bool {
    const auto* v = query.if_contains(key);
    if (!v) return false;
    if (v->is_bool()) return v->get_bool();
    const auto s = ascii_lower(v->get_string());
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
    throw bad("Query parameter '" + std::string(key) + "' must be true or false.");
  };
  const bool include_input = flag("include_input");
  const bool stream = flag("stream");
  std::optional<std::string> last_event_id;
  if (const auto* v = query.if_contains("last_event_id"); v && v->is_string()) last_event_id = std::string(v->get_string());

  std::lock_guard lock(mu_);
  settle_locked();
  auto it = store_.find(id);
  if (it == store_.end()) throw api_error{404, "not_found", "Interaction '" + id + "' was not found."};
  http_reply reply;
  if (stream) {
    const auto run = transcript_locked(it->second);
    std::size_t from = 0;
    if (last_event_id) {
      const std::string& e = *last_event_id;
      std::uint64_t n = 0;
      bool ok = e.rfind("evt_", 0) == 0 && e.size() > 4;
      if (ok) {
        auto [p, ec] = std::from_chars(e.data() + 4, e.data() + e.size(), n);
        ok = ec == std::errc{} && p == e.data() + e.size() && n >= 1 && n <= run->log->size();
      }
      if (!ok) throw bad("Unknown last_event_id '" + e + "' for interaction '" + id + "'.");
      from = static_cast<std::size_t>(n);
    }
    reply.content_type = "text/event-stream";
    reply.stream = stream_reply_for(run, from, req, f, true);
    return reply;
  }
  reply.body = resource_text(it->second, true, include_input);
  return reply;
}

http_reply service::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = store_.find(id);
  if (it == store_.end()) throw api_error{404, "not_found", "Interaction '" + id + "' was not found."};
  // Followers of a running interaction learn that it is gone.
  stop_run_locked(it->second, planned_event{"error", json::object{{"error", json::object{{"code", "not_found"},
                                                                                             {"message", "Interaction '" + id + "' was deleted."}}}}});
  held_.erase({it->second.due_vms, it->second.id});
  store_.erase(it);
  http_reply reply;
  reply.body = "{}";
  return reply;
}

http_reply service::cancel(const std::string& id, const http_request& req) {
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec || !v.is_object()) throw bad("Invalid JSON payload received: the cancel body must be empty or an object.");
  }
  std::lock_guard lock(mu_);
  settle_locked();
  auto it = store_.find(id);
  if (it == store_.end()) throw api_error{404, "not_found", "Interaction '" + id + "' was not found."};
  record& r = it->second;
  if (!r.background || finished(r.status))
    throw bad("Only a background interaction that is still running can be cancelled (status is '" + r.status + "').");
  r.status = "cancelled";
  held_.erase({r.due_vms, r.id});
  r.updated_ms = now_ms_locked();
  if (!r.run->log->ended()) {
    r.run->stopped = true;
    publish_locked(*r.run, planned_event{"interaction.status_update",
                                         json::object{{"interaction_id", r.id}, {"status", "cancelled"}}});
    json::object last = resource_json(r, false, false);
    last.erase("steps");
    publish_locked(*r.run, planned_event{"interaction.completed", json::object{{"interaction", std::move(last)}}});
  }
  http_reply reply;
  reply.body = resource_text(r, false, false);
  return reply;
}

http_reply service::control(const http_request& req, const std::vector<std::string>& segs, const json::object& query) {
  http_reply reply;
  const std::string sub = segs.size() >= 2 ? segs[1] : std::string();
  const std::string leaf = segs.size() >= 3 ? segs[2] : std::string();
  if (sub == "clock" && segs.size() == 3 && leaf == "advance" && req.method == "POST") {
    std::int64_t ms = 0;
    if (const auto* v = query.if_contains("ms"); v && v->is_string()) {
      const auto s = v->get_string();
      auto [p, e] = std::from_chars(s.data(), s.data() + s.size(), ms);
      if (e != std::errc{} || p != s.data() + s.size() || ms < 0)
        return flat_error(400, "invalid_request", "ms must be a non-negative integer.");
    } else {
      return flat_error(400, "invalid_request", "POST /emulator/clock/advance?ms=N");
    }
    advance(std::chrono::milliseconds(ms));
  } else if (sub == "clock" && segs.size() == 2 && req.method == "GET") {
    // fall through to the clock reply
  } else if (sub == "stats" && segs.size() == 2 && req.method == "GET") {
    reply.body = json::serialize(stats_json ? stats_json() : json::object{});
    return reply;
  } else if (sub == "faults" && segs.size() == 2 && req.method == "POST") {
    try {
      add_fault_rule(req.body);
    } catch (const std::invalid_argument& e) {
      return flat_error(400, "invalid_request", e.what());
    }
    reply.body = "{}";
    return reply;
  } else if (sub == "faults" && segs.size() == 2 && req.method == "DELETE") {
    clear_fault_rules();
    reply.body = "{}";
    return reply;
  } else {
    return rpc_error(404, "Unknown emulator control endpoint.");
  }
  json::object clock;
  clock["virtual_ms"] = virtual_time().count();
  reply.body = json::serialize(clock);
  return reply;
}

}  // namespace gemini::emulator::detail
