// The Files API of the emulator: resumable upload sessions, stored files and their states
// (docs/emulator.md, "Files API"). Thread-safe; the service owns one.
#pragma once

#include "emulator/service.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gemini::emulator::detail {

class file_store {
 public:
  explicit file_store(std::chrono::milliseconds processing);

  /// "files" (start, query, GET, DELETE), "upload" (a chunk: command upload / upload, finalize)
  /// or "unknown".
  static std::string classify(const http_request& req, const std::vector<std::string>& segs, const json::object& query);

  /// Serves a classified request. `now_ms` is wall time for timestamps, `vms` the virtual clock.
  http_reply handle(const http_request& req, const std::vector<std::string>& segs, const json::object& query,
                    std::int64_t now_ms, std::int64_t vms, bool tls);

  /// Fault hook: the first `bytes` of this chunk arrived before the failure and are kept.
  void keep_partial(const http_request& req, const json::object& query, std::size_t bytes);

  /// "Image 1: image/png, 640x480." for every media block of the history's last client turn.
  /// Throws api_error for a uri naming an unknown file (403) or one not ACTIVE (400).
  std::vector<std::string> describe(const json::array& history, std::int64_t vms) const;

  std::size_t size() const;

 private:
  struct session;
  struct stored;
  json::object resource(const stored& f, std::int64_t vms) const;
  std::string state(const stored& f, std::int64_t vms) const;

  std::chrono::milliseconds processing_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<session>> sessions_;
  /// Sessions in the order they were started: beyond max_sessions the oldest are forgotten (an
  /// abandoned one holds its hash state and up to 64 KiB of head until then).
  std::deque<std::string> session_order_;
  static constexpr std::size_t max_sessions = 10000;
  std::map<std::string, std::shared_ptr<stored>> files_;
  std::uint64_t next_ = 1;
  std::string nonce_;
};

}  // namespace gemini::emulator::detail
