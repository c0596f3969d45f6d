// The deterministic fake model: the answer depends only on the request and the conversation.
#include "emulator/service.hpp"

#include "emulator/media.hpp"

#include <algorithm>
#include <set>

namespace gemini::emulator::detail {

namespace {

void canonical_into(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      std::vector<std::pair<std::string_view, const json::value*>> items;
      for (const auto& kv : o) items.emplace_back(kv.key(), &kv.value());
      std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (const auto& [k, val] : items) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string(k));
        out += ':';
        canonical_into(*val, out);
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        canonical_into(e, out);
      }
      out += ']';
      break;
    }
    default: out += json::serialize(v);
  }
}

/// A string member, or "" when absent or not a string; a view into `o`.
std::string_view string_or_empty(const json::object& o, std::string_view key) {
  if (auto p = o.if_contains(key); p && p->is_string()) return p->get_string();
  return {};
}

/// FNV-1a over the bytes appended to it: the history's digest is taken as its canonical text
/// is produced, without the text being kept (a string grown per request, most of it the input).
struct fnv1a {
  std::uint32_t h = 2166136261u;
  fnv1a& operator+=(std::string_view s) noexcept {
    for (unsigned char c : s) {
      h ^= c;
      h *= 16777619u;
    }
    return *this;
  }
  fnv1a& operator+=(char c) noexcept { return *this += std::string_view(&c, 1); }
};

void content_into(const json::value* content, fnv1a& out) {
  if (!content || !content->is_array()) return;
  for (const auto& block : content->get_array()) {
    if (!block.is_object()) continue;
    const auto& b = block.get_object();
    if (string_or_empty(b, "type") == "text") {
      out += "t:";
      out += string_or_empty(b, "text");
    } else {
      out += "b:";
      out += canonical_json(block);
    }
    out += '\x1e';
  }
}

std::string_view step_type(const json::value& step) {
  if (!step.is_object()) return {};
  return string_or_empty(step.get_object(), "type");
}

bool is_client_step(std::string_view type) { return type == "user_input" || type == "function_result"; }

/// Calls `f` with the text of each text block of a content array.
template <class F>
void for_each_text(const json::value* content, F f) {
  if (!content || !content->is_array()) return;
  for (const auto& block : content->get_array()) {
    if (!block.is_object()) continue;
    const auto& b = block.get_object();
    if (string_or_empty(b, "type") == "text") f(string_or_empty(b, "text"));
  }
}

std::string text_of(const json::value* content) {
  std::string out;
  for_each_text(content, [&](std::string_view text) {
    if (!out.empty()) out += ' ';
    out += text;
  });
  return out;
}

std::string result_text(const json::value* r) {
  if (!r) return "null";
  if (r->is_string()) return std::string(r->get_string());
  return canonical_json(*r);
}

bool is_word_break(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

constexpr const char* filler[] = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur",
                                  "adipiscing", "elit", "sed", "do", "eiusmod", "tempor"};

/// Appends the first `n` words of `text` separated by single spaces to `out`, filler words after
/// them when the text has fewer: the answer's own json::string, written where it stays.
void append_first_words(std::string_view text, std::size_t n, json::string& out) {
  // The words of `text` through a pointer into room made once (they take no more than the text
  // did): json::string's push_back and append check the room at every call, two calls a word.
  const std::size_t at = out.size();
  out.resize(at + text.size());
  char* const begin = out.data() + at;
  char* end = begin;
  std::size_t taken = 0;
  for (std::size_t i = 0; i < text.size() && taken < n;) {
    while (i < text.size() && is_word_break(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_word_break(text[i])) ++i;
    if (i == start) break;
    if (taken++ > 0) *end++ = ' ';
    end = std::copy(text.data() + start, text.data() + i, end);
  }
  out.resize(at + static_cast<std::size_t>(end - begin));
  for (std::size_t f = 0; taken < n; ++taken, ++f) {
    if (taken > 0) out.push_back(' ');
    out.append(std::string_view(filler[f % std::size(filler)]));
  }
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

/// Finds "call NAME" (NAME a declared function) in text, in order; a JSON object right after the
/// name becomes the arguments.
std::vector<std::pair<std::string, json::object>> find_calls(const std::string& text,
                                                             const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, json::object>> calls;
  std::size_t pos = 0;
  while ((pos = text.find("call ", pos)) != std::string::npos) {
    if (pos > 0 && is_name_char(text[pos - 1])) {
      pos += 5;
      continue;
    }
    std::size_t start = pos + 5, end = start;
    while (end < text.size() && is_name_char(text[end])) ++end;
    std::string name = text.substr(start, end - start);
    while (!name.empty() && name.back() == '.') {  // sentence-ending dot
      name.pop_back();
      --end;
    }
    pos = end;
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    json::object args;
    std::size_t a = end;
    while (a < text.size() && text[a] == ' ') ++a;
    if (a < text.size() && text[a] == '{') {
      int depth = 0;
      bool in_str = false;
      std::size_t b = a;
      for (; b < text.size(); ++b) {
        const char c = text[b];
        if (in_str) {
          if (c == '\\') ++b;
          else if (c == '"') in_str = false;
        } else if (c == '"') {
          in_str = true;
        } else if (c == '{') {
          ++depth;
        } else if (c == '}' && --depth == 0) {
          break;
        }
      }
      if (b < text.size()) {
        boost::system::error_code ec;
        auto v = json::parse(std::string_view(text).substr(a, b - a + 1), ec);
        if (!ec && v.is_object()) {
          args = std::move(v.get_object());
          pos = b + 1;
        }
      }
    }
    calls.emplace_back(std::move(name), std::move(args));
  }
  return calls;
}

std::size_t words_in_history(const json::array& history) {
  std::size_t n = 0;
  for (const auto& step : history) {
    if (!step.is_object()) continue;
    const auto& s = step.get_object();
    const auto type = string_or_empty(s, "type");
    if (type == "user_input" || type == "model_output")
      for_each_text(s.if_contains("content"), [&](std::string_view text) { n += count_words(text); });
    else if (type == "function_result") n += count_words(result_text(s.if_contains("result")));
    else if (type == "function_call") n += 1;
  }
  return n;
}

}  // namespace

std::string canonical_json(const json::value& v) {
  std::string out;
  canonical_into(v, out);
  return out;
}

std::size_t count_words(std::string_view text) {
  std::size_t n = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool word = !is_word_break(c);
    n += word && !in_word;
    in_word = word;
  }
  return n;
}

std::string hex32(std::uint32_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[v & 0xf];
    v >>= 4;
  }
  return out;
}

namespace {
std::size_t b64_size(std::size_t in, bool pad) {
  const std::size_t whole = in / 3, rest = in % 3;
  return whole * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1);
}

/// Writes the encoding of `in` to `out`, which holds b64_size(in.size(), pad) characters.
void b64_into(std::string_view in, const char* alphabet, bool pad, char* out) {
  auto byte = [&](std::size_t i) { return i < in.size() ? static_cast<unsigned>(static_cast<unsigned char>(in[i])) : 0u; };
  std::size_t o = 0;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    const std::size_t chars = i + 3 <= in.size() ? 4 : in.size() - i + 1;  // 2 or 3 for a last partial group
    for (std::size_t c = 0; c < chars; ++c) out[o++] = alphabet[(n >> (18 - 6 * c)) & 63];
  }
  if (pad)
    for (const std::size_t size = b64_size(in.size(), true); o < size;) out[o++] = '=';
}

constexpr const char* standard_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void b64_append(std::string_view in, const char* alphabet, bool pad, std::string& out) {
  const std::size_t at = out.size();
  out.resize(at + b64_size(in.size(), pad));
  b64_into(in, alphabet, pad, out.data() + at);
}
}  // namespace

std::string base64url(std::string_view in, bool pad) {
  std::string out;
  b64_append(in, url_alphabet, pad, out);
  return out;
}
void append_base64url(std::string_view in, std::string& out) {
  b64_append(in, url_alphabet, false, out);
}
std::string base64(std::string_view in) {
  std::string out;
  b64_append(in, standard_alphabet, true, out);
  return out;
}

std::uint32_t history_digest(const json::array& history) {
  fnv1a canon;
  for (const auto& step : history) {
    const std::string_view type = step_type(step);
    const auto& s = step.get_object();
    if (type == "user_input") {
      canon += "U|";
      content_into(s.if_contains("content"), canon);
    } else if (type == "model_output") {
      canon += "M|";
      content_into(s.if_contains("content"), canon);
    } else if (type == "thought") {
      canon += "T|";
      canon += string_or_empty(s, "signature");
    } else if (type == "function_call") {
      canon += "C|";
      canon += string_or_empty(s, "id");
      canon += '|';
      canon += string_or_empty(s, "name");
      canon += '|';
      const auto* args = s.if_contains("arguments");
      canon += args ? canonical_json(*args) : std::string_view("{}");
    } else if (type == "function_result") {
      canon += "R|";
      canon += string_or_empty(s, "call_id");
      canon += '|';
      const auto* r = s.if_contains("result");
      canon += r ? canonical_json(*r) : std::string_view("null");
      const auto* e = s.if_contains("is_error");
      canon += (e && e->is_bool() && e->get_bool()) ? "|1" : "|0";
    } else {
      canon += "X|";
      canon += canonical_json(step);
    }
    canon += '\x1d';
  }
  return canon.h;
}

generation generate(const json::array& history, const generation_params& params) {
  // The trailing run of client steps is this turn's input; everything before is context.
  std::size_t tail = history.size();
  while (tail > 0 && is_client_step(step_type(history[tail - 1]))) --tail;
  if (tail == history.size())
    throw api_error{400, "invalid_request", "The input must end with a user_input or function_result step."};

  // Function calls of the previous model turn that still need an answer.
  std::set<std::string_view> known_calls, answered;  // views into `history`
  std::vector<std::string_view> pending;
  {
    std::size_t last_model_begin = tail;
    while (last_model_begin > 0 && !is_client_step(step_type(history[last_model_begin - 1]))) --last_model_begin;
    for (std::size_t i = 0; i < tail; ++i) {
      const auto type = step_type(history[i]);
      const auto& s = history[i].get_object();
      if (type == "function_call") {
        known_calls.insert(string_or_empty(s, "id"));
        if (i >= last_model_begin) pending.push_back(string_or_empty(s, "id"));
      } else if (type == "function_result") {
        answered.insert(string_or_empty(s, "call_id"));
      }
    }
  }
  std::set<std::string_view> answered_now;
  for (std::size_t i = tail; i < history.size(); ++i) {
    if (step_type(history[i]) != "function_result") continue;
    const auto id = string_or_empty(history[i].get_object(), "call_id");
    if (!known_calls.count(id))
      throw api_error{400, "invalid_request", "function_result call_id '" + std::string(id) + "' matches no function_call."};
    answered_now.insert(id);
  }
  for (const auto& id : pending) {
    if (!answered.count(id) && !answered_now.count(id))
      throw api_error{400, "invalid_request", "function_call '" + std::string(id) + "' has no function_result."};
  }

  generation g;
  g.digest = history_digest(history);
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (is_client_step(step_type(history[i])) && (i == 0 || !is_client_step(step_type(history[i - 1])))) ++g.turn;
  }
  const std::string digest = hex32(g.digest);
  const std::string turn = std::to_string(g.turn);

  // What the client said this turn.
  std::string last_user_text;
  bool has_user_text = false;
  std::vector<const json::object*> results;
  for (std::size_t i = tail; i < history.size(); ++i) {
    const auto& s = history[i].get_object();
    if (step_type(history[i]) == "user_input") {
      last_user_text = text_of(s.if_contains("content"));
      has_user_text = true;
    } else {
      results.push_back(&s);
    }
  }

  // Objects and arrays are sized before they are filled (each growth of a table rehashes it), and
  // strings are written where the steps keep them.
  g.steps.reserve(3);
  json::object thought;
  thought.reserve(3);
  thought.emplace("type", "thought");
  {
    std::string seed = "emulator-thought:";
    seed += digest;
    seed += ':';
    seed += turn;
    json::string signature;
    signature.resize(b64_size(seed.size(), true));
    b64_into(seed, standard_alphabet, true, signature.data());
    thought.emplace("signature", std::move(signature));
  }
  if (params.thinking_summaries) {
    json::object t;
    t["type"] = "text";
    t["text"] = "Thinking about turn " + turn + ".";
    thought["summary"] = json::array{std::move(t)};
  }
  g.steps.push_back(std::move(thought));
  if (params.extra_step) g.steps.push_back(*params.extra_step);

  std::size_t output_tokens = 0;
  g.status = "completed";

  // Function calls: on a user turn, or after results that ask for them.
  std::vector<std::pair<std::string, json::object>> calls;
  if (results.empty() && !params.tool_choice_none && !params.function_names.empty()) {
    for (const auto& name : params.forced_calls) {
      if (std::find(params.function_names.begin(), params.function_names.end(), name) != params.function_names.end())
        calls.emplace_back(name, json::object{});
    }
    if (calls.empty()) calls = find_calls(last_user_text, params.function_names);
  } else if (!params.tool_choice_none && !params.function_names.empty()) {
    // A string result that says "call NAME ..." chains another round (multi-round loops).
    for (const auto* r : results)
      if (const auto* v = r->if_contains("result"); v && v->is_string())
        for (auto& c : find_calls(std::string(v->get_string()), params.function_names)) calls.push_back(std::move(c));
  }

  if (!calls.empty()) {
    std::size_t i = 0;
    for (auto& [name, args] : calls) {
      json::object call;
      call["type"] = "function_call";
      call["id"] = "fc_" + digest + "_" + std::to_string(i++);
      call["name"] = name;
      output_tokens += 1 + count_words(canonical_json(args));
      call["arguments"] = std::move(args);
      g.steps.push_back(std::move(call));
    }
    g.status = "requires_action";
  } else if (params.json_schema) {
    auto answer = structured_output(*params.json_schema, g.digest, params.max_output_tokens);
    output_tokens = answer.tokens;
    if (answer.truncated) g.status = "incomplete";
    json::object block{{"type", "text"}, {"text", std::move(answer.text)}};
    g.steps.push_back(json::object{{"type", "model_output"}, {"content", json::array{std::move(block)}}});
  } else {
    std::string text;
    text.reserve(64 + last_user_text.size());
    text += "Turn ";
    text += turn;
    text += ". History digest ";
    text += digest;
    text += '.';
    for (const auto& note : params.media_notes) {
      text += ' ';
      text += note;
    }
    if (!results.empty()) {
      for (const auto* r : results) {
        text += " Function ";
        text += string_or_empty(*r, "name");
        text += " returned: ";
        text += result_text(r->if_contains("result"));
        text += '.';
      }
      if (has_user_text) {
        text += " You said: ";
        text += last_user_text;
      }
    } else {
      text += " You said: ";
      text += has_user_text && !last_user_text.empty() ? std::string_view(last_user_text) : std::string_view("(no text)");
    }
    std::size_t words = params.output_words > 0 ? params.output_words : count_words(text);
    if (params.max_output_tokens && *params.max_output_tokens >= 0 &&
        words > static_cast<std::size_t>(*params.max_output_tokens)) {
      words = static_cast<std::size_t>(*params.max_output_tokens);
      g.status = "incomplete";
    }
    output_tokens = words;
    json::string answer;
    append_first_words(text, words, answer);
    json::object block;
    block.reserve(2);
    block.emplace("type", "text");
    block.emplace("text", std::move(answer));
    json::array content;
    content.reserve(params.image_width > 0 ? 2 : 1);
    content.emplace_back(std::move(block));
    if (params.image_width > 0)
      content.push_back(image_block(make_png(params.image_width, params.image_height, g.digest)));
    json::object out;
    out.reserve(2);
    out.emplace("type", "model_output");
    out.emplace("content", std::move(content));
    g.steps.push_back(std::move(out));
  }

  const std::size_t input_tokens = words_in_history(history) + count_words(params.system_instruction);
  const std::size_t thought_tokens = 4;
  g.usage = {input_tokens, output_tokens, thought_tokens};
  return g;
}

}  // namespace gemini::emulator::detail
