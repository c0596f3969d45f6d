// Request log and request extensions (see request_log.hpp).
#include "emulator/request_log.hpp"

#include "emulator/service.hpp"

#include <set>
#include <string_view>

namespace gemini::emulator::detail {

namespace {

bool is_credential_header(std::string_view lower_name) {
  return lower_name == "x-goog-api-key" || lower_name == "authorization";
}

/// `target` with the value of every `key=` query parameter replaced by `***`.
std::string mask_key(std::string&& target) {
  const auto q = target.find('?');
  if (q == std::string::npos) return std::move(target);
  std::string out = target.substr(0, q + 1);
  std::string_view rest = std::string_view(target).substr(q + 1);
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    if (!first) out += '&';
    first = false;
    if (param.substr(0, 4) == "key=")
      out += "key=***";
    else
      out += param;
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

}  // namespace

void request_log::record(http_request&& req, unsigned status) {
  if (limit_ == 0 || req.target.rfind("/emulator/", 0) == 0) return;
  logged_request entry;
  entry.time = std::chrono::system_clock::now();
  entry.method = std::move(req.method);
  entry.target = mask_key(std::move(req.target));
  entry.headers.reserve(req.headers.size());
  for (auto& node : req.headers)
    if (!is_credential_header(node.first)) entry.headers.emplace_back(node.first, std::move(node.second));
  entry.body = std::move(req.body);
  entry.status = status;
  entry.tls_cipher = req.tls_cipher;
  std::lock_guard lock(mu_);
  entry.sequence = next_++;
  entries_.push_back(std::move(entry));
  while (entries_.size() > limit_) entries_.pop_front();
}

std::vector<logged_request> request_log::snapshot() const {
  std::lock_guard lock(mu_);
  return {entries_.begin(), entries_.end()};
}

void request_log::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::optional<json::object> extra_step_from(const http_request& req) {
  const auto* h = req.header("x-emulator-extra-step");
  if (!h) return std::nullopt;
  static const std::set<std::string_view> reserved = {"user_input", "model_output", "thought", "function_call",
                                                      "function_result"};
  boost::system::error_code ec;
  json::value v = json::parse(*h, ec);
  if (ec || !v.is_object())
    throw api_error{400, "invalid_request", "x-emulator-extra-step must be a JSON object."};
  const auto* type = v.get_object().if_contains("type");
  if (!type || !type->is_string() || type->get_string().empty())
    throw api_error{400, "invalid_request", "x-emulator-extra-step needs a string 'type'."};
  if (reserved.count(type->get_string()))
    throw api_error{400, "invalid_request",
                    "x-emulator-extra-step must be a step type the emulator does not generate itself."};
  return std::move(v.get_object());
}

}  // namespace gemini::emulator::detail
