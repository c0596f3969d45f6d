// The emulator's in-process request log (server::request_log) and the request extensions that
// tests of chats and function calling use (x-emulator-extra-step). Kept apart from service.cpp.
#pragma once

#include <gemini/emulator/server.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace gemini::emulator::detail {

struct http_request;

/// The most recent API requests, bounded; thread-safe. Credentials never enter it: the
/// x-goog-api-key and Authorization headers are left out and a `key=` query value is masked.
class request_log {
 public:
  explicit request_log(std::size_t limit) : limit_(limit) {}

  /// Records `req` (answered with `status`) unless it is a control request or the log is off.
  /// Takes the request's strings over: it is recorded once it has been answered.
  void record(http_request&& req, unsigned status);
  std::vector<logged_request> snapshot() const;
  void clear();

 private:
  mutable std::mutex mu_;
  std::size_t limit_;
  std::uint64_t next_ = 1;
  std::deque<logged_request> entries_;
};

/// The step of an unknown type that header `x-emulator-extra-step` asks the model to add to its
/// output (after the thought), or nothing. Throws api_error (400) when the header is not a
/// JSON object whose `type` is a string naming no step type the emulator generates or reads.
std::optional<boost::json::object> extra_step_from(const http_request& req);

}  // namespace gemini::emulator::detail
