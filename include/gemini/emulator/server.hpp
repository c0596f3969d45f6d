// A faithful local fake of the Gemini Interactions API service (see docs/emulator.md).
#pragma once

#include <gemini/emulator/certificate.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gemini::emulator {

/// How an emulator instance behaves. Plain aggregate: every member has a usable default.
struct options {
  std::string host = "127.0.0.1";  ///< address to bind (an IP literal)
  std::uint16_t port = 0;          ///< 0 = any free port (see server::port())
  bool tls = true;                 ///< HTTPS (true) or plain HTTP (false)
  /// Issue TLS session tickets (and keep sessions) so that clients can resume; off, every
  /// handshake is a full one, as with a server that never resumes.
  bool tls_resumption = true;
  unsigned threads = 2;            ///< threads running the server's io_context (at least 1)
  /// When set, only this key (x-goog-api-key, `Authorization: Bearer`, or `?key=`) is accepted;
  /// otherwise any non-empty key or bearer token is.
  std::optional<std::string> api_key;
  /// Real-time delay before answering each create (simulated model latency).
  std::chrono::milliseconds latency{0};
  /// Virtual time a background interaction needs to finish (see server::advance()).
  std::chrono::milliseconds background_duration{1000};
  /// Virtual time a Deep Research agent run takes from queued to completed.
  std::chrono::milliseconds research_duration{60000};
  /// Virtual milliseconds by which the clock advances on its own per real millisecond (0: only
  /// advance() moves it). E.g. 1000 runs a one-minute research in 60 ms of real time.
  double clock_rate = 0;
  /// The server certificate; default: generated at start for localhost + 127.0.0.1.
  std::optional<certificate> cert;
  /// Keep-alive connections idle for longer than this are closed by the server.
  std::chrono::milliseconds idle_timeout{30000};
  /// Fault rules (syntax in docs/emulator.md), e.g. "route=create;times=2;status=503".
  /// Throws std::invalid_argument from the server constructor when a rule does not parse.
  std::vector<std::string> fault_rules;
  /// Default number of words of a model answer when the request does not ask for a length
  /// (0 = the bare answer sentence). See the `x-emulator-output-words` header.
  unsigned default_output_words = 0;
  /// Maximum accepted request body size in bytes.
  std::size_t body_limit = 32 * 1024 * 1024;
  /// Real time between the events of a streamed interaction (its generation speed; the
  /// interaction runs this long whether or not a client is connected). Per request:
  /// header `x-emulator-stream-interval-ms`.
  std::chrono::milliseconds stream_event_interval{0};
  /// Split each SSE event into writes of at most this many bytes (0 = one write per event).
  /// Per request: header `x-emulator-stream-chunk-bytes`.
  std::size_t stream_chunk_bytes = 0;
  /// Put `event_id` on every stream event, not only on `step.delta` events.
  bool event_ids_on_all_events = false;
  /// Virtual time (see server::advance()) an uploaded file stays PROCESSING before it is ACTIVE.
  std::chrono::milliseconds file_processing_duration{0};
  /// How many of the most recent API requests server::request_log() keeps (0 = no log).
  std::size_t request_log_limit = 1000;
  /// At most this many interactions are stored (0 = no bound): beyond it the oldest finished
  /// ones are forgotten, and a request naming one is answered 404 not_found, as the service
  /// answers for an interaction past its retention. Running ones are never forgotten. Without a
  /// bound, an emulator under a long load test would grow by every answer it ever gave.
  std::size_t max_stored_interactions = 100000;
};

/// One API request as the emulator received it (server::request_log()). Credentials are not
/// kept: no `x-goog-api-key` / `Authorization` header, and a `key=` query value reads `***`.
struct logged_request {
  std::uint64_t sequence = 0;                      ///< 1-based order of arrival
  std::chrono::system_clock::time_point time;      ///< when the request was answered
  std::string method;
  std::string target;                              ///< path and query
  std::vector<std::pair<std::string, std::string>> headers;  ///< lower-case names, in the order sent
  std::string body;                                ///< exactly as received
  unsigned status = 0;                             ///< HTTP status of the answer (200 for streams)
  /// The TLS cipher suite of the connection it came on, as OpenSSL names it
  /// ("TLS_AES_128_GCM_SHA256"); empty over plain HTTP.
  std::string tls_cipher;
};

/// Counters for tests that check connection reuse.
struct statistics {
  std::uint64_t connections_accepted = 0;  ///< TCP connections accepted since start
  std::uint64_t connections_open = 0;      ///< TCP connections open right now
  std::uint64_t max_connections_open = 0;  ///< highest value connections_open has reached
  std::uint64_t tls_handshakes = 0;        ///< successful TLS handshakes
  std::uint64_t tls_resumed = 0;           ///< of those, handshakes that resumed a session
  std::uint64_t requests = 0;              ///< HTTP requests read completely (all paths)
  std::uint64_t api_requests = 0;          ///< requests to /{v}/interactions... paths
  std::uint64_t faults_injected = 0;       ///< requests a fault (header or rule) applied to
  std::uint64_t interactions_stored = 0;   ///< interactions in the store right now
  /// Of those, how many hold their event log in memory: the running ones (and, for a moment, one
  /// being replayed). A finished stream's log is rebuilt, byte for byte, when it is streamed again.
  std::uint64_t event_logs_held = 0;
  /// Finished interactions forgotten to keep the store within options::max_stored_interactions.
  std::uint64_t interactions_evicted = 0;
};

/// An emulator instance: binds in the constructor and serves on its own threads until
/// stop() or destruction. All member functions are thread-safe.
class server {
 public:
  /// Binds `opts.host:opts.port` and starts serving. Throws on bind or certificate errors and
  /// std::invalid_argument for an unparsable fault rule.
  explicit server(options opts = {});
  ~server();  ///< stop() and join
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The bound port (the ephemeral one chosen when options::port was 0).
  std::uint16_t port() const;
  /// "https://HOST:PORT" ("http://" when tls is false), no trailing slash.
  std::string base_url() const;
  /// The certificate PEM a client must trust (no private key); empty when tls is false.
  const std::string& ca_pem() const;

  /// Advances the virtual clock; background interactions whose time has come complete.
  void advance(std::chrono::milliseconds d);
  /// The virtual clock: time advanced since start.
  std::chrono::milliseconds virtual_time() const;

  /// A snapshot of the connection and request counters.
  statistics stats() const;

  /// Closes (server side) every keep-alive connection that is not busy with a request and
  /// returns after those connections are closed.
  void close_idle_connections();

  /// Adds a fault rule at run time (same syntax as options::fault_rules); its counters start
  /// at zero. Throws std::invalid_argument when it does not parse.
  void add_fault_rule(const std::string& rule);
  /// Removes every fault rule.
  void clear_fault_rules();

  /// The most recent API requests (control endpoints excluded), oldest first; bounded by
  /// options::request_log_limit.
  std::vector<logged_request> request_log() const;
  void clear_request_log();

  /// Stops accepting, closes every connection and joins the threads. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gemini::emulator
