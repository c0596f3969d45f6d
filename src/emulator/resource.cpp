// The Interaction resource of a stored record: as a DOM (for event payloads that are edited
// before they are published) and as JSON text written directly (every unary answer and GET).
#include "emulator/json_writer.hpp"
#include "emulator/service.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace gemini::emulator::detail {

namespace {

void write_usage(json_writer& w, const text_usage& u) {
  w.raw("{\"total_input_tokens\":");
  w.number(u.input);
  w.raw(",\"total_output_tokens\":");
  w.number(u.output);
  w.raw(",\"total_thought_tokens\":");
  w.number(u.thought);
  w.raw(",\"total_cached_tokens\":0,\"total_tool_use_tokens\":0,\"total_tokens\":");
  w.number(u.input + u.output + u.thought);
  w.raw(",\"input_tokens_by_modality\":[{\"modality\":\"text\",\"tokens\":");
  w.number(u.input);
  w.raw("}],\"output_tokens_by_modality\":[{\"modality\":\"text\",\"tokens\":");
  w.number(u.output);
  w.raw("}]}");
}

void two_digits(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

bool shows_result(const record& r) { return finished(r.status) && r.status != "cancelled"; }

}  // namespace

std::array<char, 20> rfc3339_chars(std::int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{floor<seconds>(t - day)};
  // RFC 3339 has four-digit years; the emulator's clock starts now and moves by test-sized steps.
  const auto y = static_cast<unsigned>(std::clamp(static_cast<int>(ymd.year()), 0, 9999));
  std::array<char, 20> buf = {0, 0, 0, 0, '-', 0, 0, '-', 0, 0, 'T', 0, 0, ':', 0, 0, ':', 0, 0, 'Z'};
  two_digits(buf.data(), y / 100);
  two_digits(buf.data() + 2, y % 100);
  two_digits(buf.data() + 5, static_cast<unsigned>(ymd.month()));
  two_digits(buf.data() + 8, static_cast<unsigned>(ymd.day()));
  two_digits(buf.data() + 11, static_cast<unsigned>(hms.hours().count()));
  two_digits(buf.data() + 14, static_cast<unsigned>(hms.minutes().count()));
  two_digits(buf.data() + 17, static_cast<unsigned>(hms.seconds().count()));
  return buf;
}

std::string rfc3339(std::int64_t ms) {
  const auto chars = rfc3339_chars(ms);
  return std::string(chars.data(), chars.size());
}

json::object usage_json(const text_usage& u, json::storage_ptr sp) {
  auto modality = [&](std::size_t n) {
    json::object m(sp);
    m.reserve(2);
    m.emplace("modality", "text");
    m.emplace("tokens", n);
    json::array a(sp);
    a.emplace_back(std::move(m));
    return a;
  };
  json::object o(sp);
  o.reserve(8);
  o.emplace("total_input_tokens", u.input);
  o.emplace("total_output_tokens", u.output);
  o.emplace("total_thought_tokens", u.thought);
  o.emplace("total_cached_tokens", 0);
  o.emplace("total_tool_use_tokens", 0);
  o.emplace("total_tokens", u.input + u.output + u.thought);
  o.emplace("input_tokens_by_modality", modality(u.input));
  o.emplace("output_tokens_by_modality", modality(u.output));
  return o;
}

json::object resource_json(const record& r, bool full_timeline, bool include_input, json::storage_ptr sp) {
  json::object o(sp);
  o["id"] = r.id;
  o["object"] = "interaction";
  for (const auto& [k, v] : r.echo) o[k] = v;
  o["status"] = r.status;
  o["created"] = rfc3339(r.created_ms);
  o["updated"] = rfc3339(r.updated_ms);
  json::array steps(sp);
  if (full_timeline)
    for (const auto& s : r.input_steps) steps.push_back(s);
  const bool done = shows_result(r);
  if (done)
    for (const auto& s : r.result.steps) steps.push_back(s);
  o["steps"] = std::move(steps);
  if (done) o["usage"] = usage_json(r.result.usage, sp);
  if (done && !r.errors.empty()) o["errors"] = r.errors;
  if (r.status == "requires_continuation") o["continuation_token"] = r.continuation_token;
  if (include_input) o["input"] = r.input;
  return o;
}

std::string resource_text(const record& r, bool full_timeline, bool include_input) {
  // Member for member what resource_json builds, in its order; a test holds the two equal.
  std::string out;
  out.reserve(1024);
  json_writer w(out);
  w.raw("{\"id\":");
  w.string(r.id);
  w.raw(",\"object\":\"interaction\"");
  for (const auto& [k, v] : r.echo) {  // (no echoed field shares a name with the members here)
    w.key(k);
    w.value(v);
  }
  w.key("status");
  w.string(r.status);
  // Digits and punctuation only: written as they are, not through the string escaper.
  auto timestamp = [&](std::string_view key, std::int64_t ms) {
    w.key(key);
    const auto chars = rfc3339_chars(ms);
    w.raw("\"");
    w.raw(std::string_view(chars.data(), chars.size()));
    w.raw("\"");
  };
  timestamp("created", r.created_ms);
  timestamp("updated", r.updated_ms);
  w.raw(",\"steps\":[");
  bool first = true;
  auto step = [&](const json::value& s) {
    if (!first) w.raw(",");
    first = false;
    w.value(s);
  };
  if (full_timeline)
    for (const auto& s : r.input_steps) step(s);
  const bool done = shows_result(r);
  if (done)
    for (const auto& s : r.result.steps) step(s);
  w.raw("]");
  if (done) {
    w.key("usage");
    write_usage(w, r.result.usage);
  }
  if (done && !r.errors.empty()) {
    w.key("errors");
    w.value(r.errors);
  }
  if (r.status == "requires_continuation") {
    w.key("continuation_token");
    w.string(r.continuation_token);
  }
  if (include_input) {
    w.key("input");
    w.value(r.input);
  }
  w.raw("}");
  return out;
}

}  // namespace gemini::emulator::detail
