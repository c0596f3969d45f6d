// Error bodies and the fault-injection language.
#include "emulator/service.hpp"
#include "emulator/text.hpp"

#include <charconv>
#include <stdexcept>

namespace gemini::emulator::detail {

std::string flat_code_for(unsigned status) {
  switch (status) {
    case 400: return "invalid_request";
    case 401: return "authentication";
    case 402: return "payment_required";
    case 403: return "permission_denied";
    case 404: return "not_found";
    case 408: return "deadline_exceeded";
    case 409: return "aborted";
    case 416: return "out_of_range";
    case 429: return "rate_limit_exceeded";
    case 499: return "cancelled";
    case 500: return "api_error";
    case 501: return "not_implemented";
    case 502: return "api_error";
    case 503: return "service_unavailable";
    case 504: return "deadline_exceeded";
    default: return status >= 500 ? "api_error" : "invalid_request";
  }
}

std::string rpc_status_for(unsigned status) {
  switch (status) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 402: return "FAILED_PRECONDITION";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 408: return "DEADLINE_EXCEEDED";
    case 409: return "ABORTED";
    case 416: return "OUT_OF_RANGE";
    case 429: return "RESOURCE_EXHAUSTED";
    case 499: return "CANCELLED";
    case 500: return "INTERNAL";
    case 501: return "UNIMPLEMENTED";
    case 502: return "UNAVAILABLE";
    case 503: return "UNAVAILABLE";
    case 504: return "DEADLINE_EXCEEDED";
    default: return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

// Error messages echo request bytes (an unknown fault key, a header value); found by fuzzing:
// invalid UTF-8 there made the error body invalid JSON. Each byte that does not start a valid
// sequence becomes U+FFFD.
std::string valid_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const auto b = static_cast<unsigned char>(in[i]);
    std::size_t n = b < 0x80 ? 1 : (b >= 0xC2 && b <= 0xDF) ? 2 : (b >= 0xE0 && b <= 0xEF) ? 3 : (b >= 0xF0 && b <= 0xF4) ? 4 : 0;
    bool ok = n != 0 && i + n <= in.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (ok && n >= 3) {  // overlong forms, surrogates, beyond U+10FFFF
      const auto b1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(b == 0xE0 && b1 < 0xA0) && !(b == 0xED && b1 >= 0xA0) && !(b == 0xF0 && b1 < 0x90) && !(b == 0xF4 && b1 >= 0x90);
    }
    if (ok) {
      out.append(in.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

http_reply flat_error(unsigned status, std::string code, std::string message) {
  code = valid_utf8(code);
  message = valid_utf8(message);
  http_reply r;
  r.status = status;
  json::object err;
  err["code"] = code;
  err["message"] = message;
  json::object body;
  body["error"] = std::move(err);
  r.body = json::serialize(body);
  return r;
}

http_reply rpc_error(unsigned status, std::string message, std::optional<std::string> retry_delay) {
  message = valid_utf8(message);
  http_reply r;
  r.status = status;
  json::object err;
  err["code"] = status;
  err["message"] = message;
  err["status"] = rpc_status_for(status);
  if (retry_delay) {
    json::object info;
    info["@type"] = "type.googleapis.com/google.rpc.RetryInfo";
    info["retryDelay"] = *retry_delay;
    err["details"] = json::array{std::move(info)};
  }
  json::object body;
  body["error"] = std::move(err);
  r.body = json::serialize(body);
  return r;
}

namespace {

std::uint64_t to_uint(std::string_view key, std::string_view v) {
  std::uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size() || v.empty())
    throw std::invalid_argument("fault: '" + std::string(key) + "' needs a non-negative integer, got '" +
                                std::string(v) + "'");
  return out;
}

/// Calls f(key, value, has_value) for each `;`-separated item.
template <class F>
void for_each_item(std::string_view spec, F&& f) {
  while (!spec.empty()) {
    const auto semi = spec.find(';');
    std::string_view item = trim_blanks(spec.substr(0, semi));
    spec = semi == std::string_view::npos ? std::string_view{} : spec.substr(semi + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos)
      f(item, std::string_view{}, false);
    else
      f(trim_blanks(item.substr(0, eq)), trim_blanks(item.substr(eq + 1)), true);
  }
}

/// Applies one fault item; false when the key is not a fault key.
bool fault_item(fault& out, std::string_view k, std::string_view v, bool has) {
  auto need = [&] {
    if (!has || v.empty()) throw std::invalid_argument("fault: '" + std::string(k) + "' needs a value");
  };
  if (k == "status") {
    need();
    const auto s = to_uint(k, v);
    if (s < 100 || s > 599) throw std::invalid_argument("fault: status out of range");
    out.status = static_cast<unsigned>(s);
  } else if (k == "shape") {
    need();
    if (v != "flat" && v != "rpc") throw std::invalid_argument("fault: shape is flat or rpc");
    out.shape = std::string(v);
  } else if (k == "code") {
    need();
    out.code = std::string(v);
  } else if (k == "message") {
    need();
    out.message = std::string(v);
  } else if (k == "retry-after") {
    need();
    out.retry_after = std::string(v);
  } else if (k == "retry-after-ms") {
    need();
    to_uint(k, v);
    out.retry_after_ms = std::string(v);
  } else if (k == "retry-delay") {
    need();
    std::string d(v);
    if (d.back() != 's') d += 's';
    out.retry_delay = d;
  } else if (k == "delay-ms") {
    need();
    out.delay = std::chrono::milliseconds(to_uint(k, v));
  } else if (k == "close") {
    if (has && v != "before" && v != "after")
      throw std::invalid_argument("fault: close takes no value, 'before' or 'after'");
    out.close = true;
    out.close_after_execution = v == "after";
  } else if (k == "interim") {
    need();
    const auto s = to_uint(k, v);
    if (s < 100 || s > 199 || s == 101) throw std::invalid_argument("fault: interim is a 1xx status other than 101");
    out.interim = static_cast<unsigned>(s);
  } else if (k == "chunk-ext") {
    need();
    const auto n = to_uint(k, v);
    if (n == 0 || n > (64u << 20)) throw std::invalid_argument("fault: chunk-ext is 1 byte to 64 MiB");
    out.stream.chunk_extension = ";x=" + std::string(static_cast<std::size_t>(n), 'a');
  } else if (k == "truncate") {
    out.truncate = true;
    if (has) out.truncate_bytes = static_cast<std::size_t>(to_uint(k, v));
  } else if (k == "malformed") {
    if (has) throw std::invalid_argument("fault: malformed takes no value");
    out.malformed = true;
  } else if (k == "upload-keep") {
    need();
    out.upload_keep = static_cast<std::size_t>(to_uint(k, v));
  } else if (k == "reset") {
    if (has) throw std::invalid_argument("fault: reset takes no value");
    out.reset = true;
  } else if (k == "pad") {
    need();
    out.pad = static_cast<std::size_t>(to_uint(k, v));
  } else if (k == "bad-utf8") {
    if (has) throw std::invalid_argument("fault: bad-utf8 takes no value");
    out.bad_utf8 = true;
  } else if (k == "content-type") {
    need();
    out.content_type = std::string(v);
  } else if (k == "cut-after-events") {
    need();
    out.stream.cut_after_events = static_cast<std::size_t>(to_uint(k, v));
  } else if (k == "cut-after-bytes") {
    need();
    out.stream.cut_after_bytes = static_cast<std::size_t>(to_uint(k, v));
  } else if (k == "end-after-events") {
    need();
    out.stream.end_after_events = static_cast<std::size_t>(to_uint(k, v));
  } else if (k == "error-event") {
    need();
    out.stream.error_event = std::string(v);
  } else if (k == "misindex") {
    if (has) throw std::invalid_argument("fault: misindex takes no value");
    out.stream.misindex = true;
  } else if (k == "no-terminal") {
    if (has) throw std::invalid_argument("fault: no-terminal takes no value");
    out.stream.no_terminal = true;
  } else if (k == "refusal") {
    if (has) throw std::invalid_argument("fault: refusal takes no value");
    out.stream.refusal = true;
  } else if (k == "stall-ms") {
    need();
    out.stream.stall = std::chrono::milliseconds(to_uint(k, v));
  } else if (k == "after-events") {
    need();
    out.stream.after_events = static_cast<std::size_t>(to_uint(k, v));
  } else {
    return false;
  }
  return true;
}

}  // namespace

fault parse_fault(std::string_view spec) {
  fault out;
  for_each_item(spec, [&](std::string_view k, std::string_view v, bool has) {
    if (!fault_item(out, k, v, has)) throw std::invalid_argument("fault: unknown key '" + std::string(k) + "'");
  });
  return out;
}

namespace {
double to_probability(std::string_view v) {
  double p = -1;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
  if (ec != std::errc{} || end != v.data() + v.size() || !(p >= 0 && p <= 1))
    throw std::invalid_argument("fault rule: probability is a number from 0 to 1");
  return p;
}
}  // namespace

bool fault_rule::draw() {
  if (probability >= 1) return true;
  // splitmix64: the same seed faults the same requests of a run, whatever the platform.
  std::uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53 < probability;
}

fault_rule parse_fault_rule(std::string_view spec) {
  fault_rule rule;
  bool any_fault = false;
  for_each_item(spec, [&](std::string_view k, std::string_view v, bool has) {
    if (k == "route") {
      if (v != "any" && v != "create" && v != "get" && v != "delete" && v != "cancel" && v != "unknown" &&
          v != "upload" && v != "files")
        throw std::invalid_argument("fault rule: route is any|create|get|delete|cancel|unknown|upload|files");
      rule.route = std::string(v);
    } else if (k == "method") {
      if (!has || v.empty()) throw std::invalid_argument("fault rule: method needs a value");
      rule.method = std::string(v);
    } else if (k == "path") {
      if (!has || v.empty()) throw std::invalid_argument("fault rule: path needs a value");
      rule.path = std::string(v);
    } else if (k == "times") {
      rule.times = to_uint(k, v);
    } else if (k == "skip") {
      rule.skip = to_uint(k, v);
    } else if (k == "probability") {
      rule.probability = to_probability(v);
    } else if (k == "seed") {
      rule.rng = to_uint(k, v);
    } else if (fault_item(rule.what, k, v, has)) {
      any_fault = true;
    } else {
      throw std::invalid_argument("fault rule: unknown key '" + std::string(k) + "'");
    }
  });
  if (!any_fault) throw std::invalid_argument("fault rule: no fault given (status, close, truncate, ...)");
  if (rule.what.stream.after_events && !rule.what.stream.any() && !rule.what.malformed)
    throw std::invalid_argument("fault rule: after-events needs error-event, refusal, stall-ms, malformed or misindex");
  return rule;
}

std::string injected_member(const fault& f) {
  std::string value;
  if (f.pad) value.append(*f.pad, 'x');
  if (f.bad_utf8) value += "\xC3\x28";  // a lead byte followed by a non-continuation byte
  if (!f.pad && !f.bad_utf8) return {};
  return "\"padding\":\"" + value + "\"";
}

std::string inject_member(std::string_view json, std::string_view member) {
  const auto brace = json.find('{');
  if (member.empty() || brace == std::string_view::npos) return std::string(json);
  const bool empty_object = brace + 1 < json.size() && json[brace + 1] == '}';
  std::string out(json.substr(0, brace + 1));
  out += member;
  if (!empty_object) out += ',';
  out += json.substr(brace + 1);
  return out;
}

std::string faulted_frame(const stream_fault& f, std::string_view frame, bool at_fault) {
  std::string out = inject_member(frame, f.inject);
  if (at_fault && f.malformed) {
    const auto data = out.find("data: ");
    if (data != std::string::npos) out.insert(data + 6, "<<malformed");
  }
  if (at_fault && f.misindex) {
    // 3 becomes 99993: well-formed, and a step no step.start opened.
    constexpr std::string_view key = "\"index\":";
    const auto index = out.find(key);
    if (index != std::string::npos) out.insert(index + key.size(), "9999");
  }
  return out;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative `*` matching with backtracking to the last star.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace gemini::emulator::detail
