// Long decodes (spec 13): with a per-hop decode limit (header x-emulator-decode-limit-words), an
// answer longer than the limit stops with status requires_continuation and a continuation_token;
// each continuation hop produces the next piece. The pieces concatenate to the uninterrupted
// answer byte for byte.
#include "emulator/service.hpp"

#include <charconv>

namespace gemini::emulator::detail {

namespace {

api_error bad_hop(std::string message) { return api_error{400, "invalid_request", std::move(message)}; }

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

/// The offset just after the n-th word of `text` and the whitespace that follows it.
std::size_t cut_after_words(const std::string& text, std::size_t n) {
  std::size_t i = 0, words = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size()) break;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (++words == n) {
      while (i < text.size() && is_space(text[i])) ++i;
      return i;
    }
  }
  return text.size();
}

void set_usage(generation& g, std::int64_t input, std::int64_t output, std::int64_t thought) {
  g.usage = {static_cast<std::size_t>(input), static_cast<std::size_t>(output), static_cast<std::size_t>(thought)};
}

std::string model_of(const json::object& body) {
  if (const auto* m = body.if_contains("model"); m && m->is_string()) return std::string(m->get_string());
  return {};
}

}  // namespace

generation service::continue_hop_locked(const json::object& body, bool store, const std::optional<std::string>& prev_id) {
  const auto* token = body.if_contains("continuation_token");
  if (!token->is_string() || token->get_string().empty()) throw bad_hop("Field 'continuation_token' must be a non-empty string.");
  auto it = continuations_.find(std::string(token->get_string()));
  if (it == continuations_.end()) throw bad_hop("Unknown or expired continuation_token.");
  const continuation_state& st = *it->second;
  if (model_of(body) != st.model)
    throw bad_hop("A continuation hop must use the model of the interaction it continues ('" + st.model + "').");
  if (store != st.store) throw bad_hop("Field 'store' must match the interaction that issued the continuation_token.");
  if (st.store) {
    if (body.contains("input"))
      throw bad_hop("A stored continuation hop takes no 'input': the server continues interaction '" + st.issuer_id + "'.");
    if (!prev_id || *prev_id != st.issuer_id)
      throw bad_hop("Field 'previous_interaction_id' must be '" + st.issuer_id +
                    "', the interaction that issued the continuation_token.");
  } else {
    const auto* input = body.if_contains("input");
    if (!input || canonical_json(*input) != st.input_canonical)
      throw bad_hop("With store:false a continuation hop must send the original 'input' again.");
  }
  return st.rest;
}

void service::limit_decode_locked(record& r, const http_request& req, const json::object& body, bool store) {
  std::shared_ptr<continuation_state> from;
  std::size_t limit = 0;
  if (const auto* token = body.if_contains("continuation_token")) {
    from = continuations_.at(std::string(token->get_string()));  // checked by continue_hop_locked
    limit = from->limit_words;
  } else if (const auto* h = req.header("x-emulator-decode-limit-words")) {
    std::size_t n = 0;
    auto [p, e] = std::from_chars(h->data(), h->data() + h->size(), n);
    if (h->empty() || e != std::errc{} || p != h->data() + h->size() || n == 0)
      throw bad_hop("x-emulator-decode-limit-words must be a positive integer.");
    limit = n;
  } else {
    return;
  }
  // Every hop bills the input again; only the first one thinks.
  const std::int64_t input_tokens = from ? from->input_tokens : static_cast<std::int64_t>(r.result.usage.input);
  const std::int64_t thought_tokens = static_cast<std::int64_t>(r.result.usage.thought);

  auto& steps = r.result.steps;
  if (steps.empty()) return;
  auto& last = steps.back().as_object();
  if (last.at("type").get_string() != "model_output") return;  // function calls are short
  auto& block = last.at("content").as_array().at(0).as_object();
  std::string text(block.at("text").get_string());
  const std::size_t cut = cut_after_words(text, limit);
  if (cut < text.size()) {
    auto next = std::make_shared<continuation_state>();
    next->model = model_of(body);
    next->store = store;
    next->issuer_id = r.id;
    next->input_canonical = from ? from->input_canonical
                                 : (body.contains("input") ? canonical_json(body.at("input")) : std::string());
    next->limit_words = limit;
    next->input_tokens = input_tokens;
    next->rest.status = r.result.status;
    next->rest.digest = r.result.digest;
    next->rest.turn = r.result.turn;
    json::object rest_step;
    rest_step["type"] = "model_output";
    rest_step["content"] = json::array{json::object{{"type", "text"}, {"text", text.substr(cut)}}};
    next->rest.steps.push_back(std::move(rest_step));
    text.resize(cut);
    block["text"] = text;
    r.result.status = "requires_continuation";
    r.continuation_token = "ct_" + base64url(id_nonce_ + ":" + std::to_string(next_token_++));
    continuations_.emplace(r.continuation_token, std::move(next));
    continuation_order_.push_back(r.continuation_token);
    if (const std::size_t limit = opts_.max_stored_interactions; limit != 0 && continuation_order_.size() > limit) {
      continuations_.erase(continuation_order_.front());
      continuation_order_.pop_front();
    }
  }
  set_usage(r.result, input_tokens, static_cast<std::int64_t>(count_words(text)), thought_tokens);
}

}  // namespace gemini::emulator::detail
