// The emulator's I/O layer: Asio accept loop, one coroutine per connection, Beast HTTP/1.1.
#include <gemini/emulator/server.hpp>

#include "emulator/service.hpp"
#include "emulator/text.hpp"
#include "transport/tls_stream.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <set>
#include <thread>

namespace gemini::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using detail::json::object;

namespace {

constexpr auto handshake_timeout = std::chrono::seconds(10);
constexpr auto write_timeout = std::chrono::seconds(30);
/// Most bytes of adjacent stream frames sent in one write (four TLS records).
constexpr std::size_t coalesce_limit = 64 * 1024;

/// What the server knows about a live connection. `phase` is written and `close()` called on the
/// connection's strand only.
struct connection_base {
  using clock = std::chrono::steady_clock;

  explicit connection_base(asio::any_io_executor ex) : executor(std::move(ex)), watchdog(executor) {}
  virtual ~connection_base() = default;
  virtual void close() = 0;

  /// The connection is closed when `deadline` passes: set before each read and write, never while
  /// a request is served, a stream waits for its interaction or pauses (a fault, a paced stream). One timer per connection watches
  /// it (server::impl::watch), re-armed only when it fires or the deadline moves earlier, so that
  /// no timer is armed and cancelled (a posted completion, often a system call) per request, as
  /// the stream's own per-operation timeouts would. Strand only, like `close()`.
  void expires_after(clock::duration d) { set_deadline(clock::now() + d); }
  void expires_never() { deadline = clock::time_point::max(); }
  void set_deadline(clock::time_point t) {
    deadline = t;
    if (t < watchdog.expiry()) watchdog.cancel();  // the watch re-arms for the earlier deadline
  }

  asio::any_io_executor executor;
  asio::steady_timer watchdog;
  clock::time_point deadline = clock::time_point::max();
  bool session_over = false;
  std::uint64_t id = 0;
  enum phase_t { idle, serving, writing };
  /// idle: waiting for a request; serving: a request is read and its reply not yet started
  /// (delays happen here); writing: the reply is being sent.
  std::atomic<int> phase{idle};
  std::atomic<bool> idle_closed{false};  ///< closed (or to close) by close_idle_connections()
  std::atomic<bool> reset_on_close{false};  ///< a `reset` fault: close with RST, not FIN
};

// The library's TLS stream, also the client's: 8 % fewer instructions per create (callgrind,
// 99,700 -> 91,300) than asio::ssl::stream over beast::tcp_stream (no BIO pair, engine,
// error-queue clearing or Beast timer layer), and no Asio buffers per connection. The API's
// semantics stay the emulator's own; its tests drive it with asio::ssl::stream as the client.
using tls_stream = gemini::detail::tls_stream;
using plain_stream = tcp::socket;

template <class Stream>
struct connection final : connection_base {
  template <class... Args>
  explicit connection(asio::any_io_executor ex, Args&&... args)
      : connection_base(std::move(ex)), stream(std::forward<Args>(args)...) {}
  void close() override {
    beast::error_code ec;
    tcp::socket& sock = beast::get_lowest_layer(stream);
    if (reset_on_close)
      sock.set_option(asio::socket_base::linger(true, 0), ec);  // close() then sends RST
    else
      sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }
  Stream stream;
};

/// Reads a request straight into the service's form: names lower-cased as they arrive, no
/// Beast field list in between (an allocation per field, then a copy of each into the request).
/// Limits, framing and errors are basic_parser's, as with request_parser.
class request_reader final : public http::basic_parser<true> {
 public:
  explicit request_reader(std::uint64_t body_limit) {
    this->body_limit(body_limit);
    request.headers.reserve(8);  // what a client sends; more grow the list
  }

  detail::http_request request;
  unsigned version = 11;

 private:
  void on_request_impl(http::verb, beast::string_view method, beast::string_view target, int v,
                       beast::error_code&) override {
    request.method.assign(method.data(), method.size());
    request.target.assign(target.data(), target.size());
    version = static_cast<unsigned>(v);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = http::error::bad_method;  // never called for a request parser
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value, beast::error_code&) override {
    request.headers.emplace_back(detail::ascii_lower(name), std::string(value.data(), value.size()));
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) override {
    if (length) request.body.reserve(static_cast<std::size_t>(*length));  // within body_limit already
  }
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    request.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(beast::error_code&) override {}
};

/// Bodies up to this size are copied behind the head and leave with it in one write (one TLS
/// record for a small answer); larger ones are written from where they are.
constexpr std::size_t inline_body_limit = 16 * 1024;

/// The head of a whole (not streamed) response, written by hand: no Beast field list (an
/// allocation per field) is built for it. It is what Beast would write for the same message; of
/// two headers of one name the last wins, as with fields::set. The service's extra headers never
/// name a field written here (Server, Content-Type, Cache-Control, Connection, Content-Length).
/// A truncated reply announces its whole length.
std::string response_head(const detail::http_reply& reply, unsigned version, bool close_after) {
  std::string out;
  out.reserve(256 + std::min(reply.body.size(), inline_body_limit));
  out += version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out += std::to_string(reply.status);
  out += ' ';
  const auto reason = http::obsolete_reason(http::int_to_status(reply.status));
  out.append(reason.data(), reason.size());
  out += "\r\nServer: gemini-emulator\r\nContent-Type: ";
  out += reply.content_type;
  out += "\r\n";
  if (reply.content_type == "text/event-stream") out += "Cache-Control: no-cache\r\n";
  for (auto h = reply.headers.begin(); h != reply.headers.end(); ++h) {
    const auto same_name = [&](const auto& later) { return beast::iequals(later.first, h->first); };
    if (std::any_of(std::next(h), reply.headers.end(), same_name)) continue;
    out += h->first;
    out += ": ";
    out += h->second;
    out += "\r\n";
  }
  if (version >= 11 && close_after) out += "Connection: close\r\n";
  if (version < 11 && !close_after) out += "Connection: keep-alive\r\n";
  out += "Content-Length: ";
  out += std::to_string(reply.body.size());
  out += "\r\n\r\n";
  return out;
}

}  // namespace

struct server::impl {
  explicit impl(options o) : opts(std::move(o)), svc(opts), ssl_ctx(ssl::context::tls_server) {}

  options opts;
  detail::service svc;
  ssl::context ssl_ctx;
  std::string cert_pem;

  // Connection registry: guarded by reg_mu; reg_cv signals a removal.
  std::mutex reg_mu;
  std::condition_variable reg_cv;
  std::map<std::uint64_t, std::weak_ptr<connection_base>> live;
  std::uint64_t next_conn = 1;

  std::atomic<std::uint64_t> accepted{0}, open{0}, max_open{0}, handshakes{0}, resumed{0}, requests{0};

  // With one thread to run it (0 means 1), the hint lets Asio keep the handlers that thread posts
  // for itself in a queue of its own, without the scheduler's lock; otherwise Asio's default.
  asio::io_context ioc{opts.threads <= 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT};
  tcp::acceptor acceptor{ioc};
  // The accept loop and stop()'s close of the acceptor run here, never at once (TSan).
  asio::strand<asio::io_context::executor_type> accept_strand = asio::make_strand(ioc);
  std::uint16_t bound_port = 0;
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  bool stopped = false;

  // Removes a connection from the registry when its coroutine ends (or its frame is destroyed).
  struct registration {
    impl* self;
    std::uint64_t id;
    ~registration() {
      {
        std::lock_guard lock(self->reg_mu);
        self->live.erase(id);
        --self->open;
      }
      self->reg_cv.notify_all();
    }
  };

  std::uint64_t register_connection(const std::shared_ptr<connection_base>& c) {
    std::lock_guard lock(reg_mu);
    const auto id = next_conn++;
    c->id = id;
    live.emplace(id, c);
    const auto now_open = ++open;
    auto prev = max_open.load();
    while (now_open > prev && !max_open.compare_exchange_weak(prev, now_open)) {
    }
    return id;
  }

  /// Closes `c` once its deadline passes (connection_base::set_deadline); ends with the session.
  static asio::awaitable<void> watch(std::shared_ptr<connection_base> c) {
    while (!c->session_over) {
      c->watchdog.expires_at(c->deadline);
      auto wait_op = c->watchdog.async_wait(asio::as_tuple(asio::use_awaitable));
      co_await std::move(wait_op);
      if (!c->session_over && connection_base::clock::now() >= c->deadline) {
        c->close();  // the session's pending operation fails and it ends
        break;
      }
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto strand = asio::make_strand(ioc);
      auto op = acceptor.async_accept(strand, asio::as_tuple(asio::use_awaitable));
      auto [ec, sock] = co_await std::move(op);
      if (ec) {
        if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
        continue;
      }
      ++accepted;
      // Small writes (one per SSE event) must leave at once, not wait for Nagle's ACK.
      beast::error_code nd_ec;
      sock.set_option(tcp::no_delay(true), nd_ec);
      asio::any_io_executor ex = strand;
      if (opts.tls) {
        auto c = std::make_shared<connection<tls_stream>>(ex, std::move(sock), ssl_ctx,
                                                          gemini::detail::tls_role::server);
        auto session = run_session(c);
        asio::co_spawn(ex, std::move(session), asio::detached);
      } else {
        auto c = std::make_shared<connection<plain_stream>>(ex, std::move(sock));
        auto session = run_session(c);
        asio::co_spawn(ex, std::move(session), asio::detached);
      }
    }
  }

  template <class Stream>
  asio::awaitable<void> run_session(std::shared_ptr<connection<Stream>> c) {
    registration reg{this, register_connection(c)};
    // However the session ends (even with its frame destroyed unrun), its watch ends with it.
    struct end_watch {
      connection_base& c;
      ~end_watch() {
        c.session_over = true;
        c.watchdog.cancel();
      }
    } watch_guard{*c};
    auto& stream = c->stream;
    c->expires_after(handshake_timeout);
    auto watcher = watch(c);
    asio::co_spawn(c->executor, std::move(watcher), asio::detached);

    std::string_view cipher;  // OpenSSL's static name of the suite; none over plain HTTP
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      auto op = stream.async_handshake(asio::as_tuple(asio::use_awaitable));
      auto [ec, none] = co_await std::move(op);
      (void)none;
      if (ec) {
        c->close();
        co_return;
      }
      ++handshakes;
      if (SSL_session_reused(stream.native_handle())) ++resumed;
      cipher = SSL_get_cipher_name(stream.native_handle());
    }

    beast::flat_buffer buffer;
    for (;;) {
      c->phase = connection_base::idle;
      c->expires_after(opts.idle_timeout);
      request_reader reader(opts.body_limit);
      auto read_op = http::async_read(stream, buffer, reader, asio::as_tuple(asio::use_awaitable));
      auto [rec, bytes] = co_await std::move(read_op);
      (void)bytes;
      if (rec) break;
      c->phase = connection_base::serving;
      ++requests;
      c->expires_never();

      detail::http_request req = std::move(reader.request);
      req.tls_cipher = cipher;
      const bool keep_alive = reader.keep_alive();
      const unsigned version = reader.version;

      detail::http_reply reply;
      try {
        reply = svc.handle(req);
      } catch (const std::exception& e) {
        reply = detail::flat_error(500, "api_error", std::string("emulator internal error: ") + e.what());
      }
      svc.requests.record(std::move(req), reply.status);

      if (reply.reset) c->reset_on_close = true;
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(c->executor);
        timer.expires_after(reply.delay);
        auto wait_op = timer.async_wait(asio::as_tuple(asio::use_awaitable));
        co_await std::move(wait_op);
      }
      if (reply.close_before) break;
      if (reply.interim && version >= 11) {  // HTTP/1.0 has no interim responses
        std::string interim = "HTTP/1.1 " + std::to_string(*reply.interim) + " " +
                              std::string(http::obsolete_reason(http::int_to_status(*reply.interim))) + "\r\n";
        if (*reply.interim == 103) interim += "Link: </emulator/hint.css>; rel=preload; as=style\r\n";
        interim += "\r\n";
        c->expires_after(write_timeout);
        auto interim_op = asio::async_write(stream, asio::buffer(interim), asio::as_tuple(asio::use_awaitable));
        auto [iec, ibytes] = co_await std::move(interim_op);
        (void)ibytes;
        if (iec) break;
      }

      if (reply.stream) {
        // A stream may wait for its interaction for long: close_idle_connections() spares it.
        auto op = write_stream(*c, reply, version, keep_alive);
        const bool again = co_await std::move(op);
        if (!again || c->idle_closed) break;
        continue;
      }

      const bool close_after = reply.close_after || !keep_alive || reply.truncate_at.has_value();
      std::string head = response_head(reply, version, close_after);
      std::string_view body = reply.body;
      if (reply.truncate_at) body = body.substr(0, *reply.truncate_at);
      if (body.size() <= inline_body_limit) {
        head += body;
        body = {};
      }
      const std::array<asio::const_buffer, 2> response{asio::buffer(head), asio::buffer(body)};
      c->phase = connection_base::writing;
      c->expires_after(write_timeout);
      auto write_op = asio::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
      auto [wec, written] = co_await std::move(write_op);
      (void)written;
      if (wec || reply.truncate_at || c->idle_closed) break;
      if (close_after) {
        if constexpr (std::is_same_v<Stream, tls_stream>) {
          c->expires_after(std::chrono::seconds(2));
          auto shut_op = stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
          co_await std::move(shut_op);
        }
        break;
      }
    }
    c->close();
  }

  enum class emitted { ok, closed };

  /// Writes `data` as HTTP chunks (or raw bytes when not chunked) of at most `max` bytes each
  /// (0 = all at once), each its own write, the chunks with the fault's extension. With the
  /// fault's cut_after_bytes, closes the connection abruptly once `sent` reaches it.
  template <class Stream>
  asio::awaitable<emitted> emit(connection<Stream>& c, std::string_view data, std::size_t max, bool chunked,
                                const detail::stream_fault& f, std::size_t& sent) {
    bool cut = false;
    if (const auto& cut_bytes = f.cut_after_bytes; cut_bytes && sent + data.size() >= *cut_bytes) {
      data = data.substr(0, *cut_bytes - std::min(sent, *cut_bytes));
      cut = true;
    }
    while (!data.empty()) {
      const std::size_t n = max ? std::min(max, data.size()) : data.size();
      const auto piece = asio::const_buffer(data.data(), n);
      c.expires_after(write_timeout);
      boost::system::error_code ec;
      if (chunked) {
        auto chunk = http::make_chunk(piece, f.chunk_extension);
        auto op = asio::async_write(c.stream, chunk, asio::as_tuple(asio::use_awaitable));
        auto [wec, written] = co_await std::move(op);
        (void)written;
        ec = wec;
      } else {
        auto op = asio::async_write(c.stream, piece, asio::as_tuple(asio::use_awaitable));
        auto [wec, written] = co_await std::move(op);
        (void)written;
        ec = wec;
      }
      if (ec) {
        c.close();
        co_return emitted::closed;
      }
      sent += n;
      data.remove_prefix(n);
    }
    if (cut) {
      c.close();  // abrupt: no last chunk, no TLS close_notify
      co_return emitted::closed;
    }
    co_return emitted::ok;
  }

  template <class Stream>
  asio::awaitable<void> pause(connection<Stream>& c, std::chrono::milliseconds d) {
    c.expires_never();  // a pause is not a stalled write; the next write sets a deadline again
    asio::steady_timer timer(c.executor);
    timer.expires_after(d);
    auto op = timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(op);
  }

  /// Writes a streamed reply event by event from the interaction's log, following it live until
  /// it ends. Returns whether the connection can serve another request.
  template <class Stream>
  asio::awaitable<bool> write_stream(connection<Stream>& c, const detail::http_reply& reply, unsigned version,
                                     bool keep_alive) {
    const detail::stream_reply& sr = *reply.stream;
    const detail::stream_fault& f = sr.fault;
    const bool chunked = version >= 11;
    // end-after-events=0 announces an empty body in the head (Content-Length: 0), so that the
    // head arrives with the end of the response, as a client may meet it in one read.
    const bool empty_body = f.end_after_events == std::size_t{0};
    const bool close_after = !keep_alive || (!chunked && !empty_body) || reply.close_after || f.refusal ||
                             f.cut_after_events.has_value() || f.cut_after_bytes.has_value();

    http::response<http::empty_body> res;
    res.version(version);
    res.result(reply.status);
    res.set(http::field::server, "gemini-emulator");
    res.set(http::field::content_type, reply.content_type);
    res.set(http::field::cache_control, "no-cache");
    for (const auto& [k, v] : reply.headers) res.set(k, v);
    res.keep_alive(!close_after);
    if (empty_body)
      res.content_length(0);
    else if (chunked)
      res.chunked(true);
    http::response_serializer<http::empty_body> ser(res);
    c.expires_after(write_timeout);
    auto header_op = http::async_write_header(c.stream, ser, asio::as_tuple(asio::use_awaitable));
    auto [hec, hbytes] = co_await std::move(header_op);
    (void)hbytes;
    if (hec) co_return false;
    if (empty_body) {
      auto end_op = end_response(c, close_after);
      co_return co_await std::move(end_op);
    }
    if (f.cut_after_events == std::size_t{0}) {  // the head, then nothing: no event is written
      c.close();
      co_return false;
    }

    // Wake-ups when the log grows: the log holds only a weak reference to this frame's timer and
    // executor (nothing of the io_context may outlive it in the service), and the cancel runs on
    // this connection's strand (so it cannot slip in before the wait starts).
    struct wake_state {
      explicit wake_state(const asio::any_io_executor& e) : ex(e), timer(e) {}
      asio::any_io_executor ex;
      asio::steady_timer timer;
    };
    auto wake_owner = std::make_shared<wake_state>(c.executor);
    asio::steady_timer* wake = &wake_owner->timer;
    std::weak_ptr<wake_state> weak = wake_owner;
    const std::function<void()> waiter = [weak] {
      if (auto w = weak.lock()) {
        asio::post(w->ex, [weak] {
          if (auto alive = weak.lock()) alive->timer.cancel();
        });
      }
    };

    const std::size_t after = f.after_events.value_or(f.refusal ? 2 : 3);
    // Without per-event behaviour (faults, pacing) the frames at hand go out in one write, as a
    // busy server's would: one TLS record and one system call per batch instead of per event.
    const bool coalesce = !f.any() && f.inject.empty() && sr.write_interval.count() == 0;
    std::size_t pos = sr.from, events = 0, sent = 0;
    bool stalled = false;
    // The log keeps a waiter until it grows or ends: one registration per wait, however many
    // times the safety net below wakes this reader before then.
    bool waiter_registered = false;
    const std::function<void()> no_waiter;
    enum class ending { normal, error, refusal, early } how = ending::normal;
    std::vector<const detail::log_frame*> batch;
    std::string joined;
    for (bool ended = false; !ended && how == ending::normal;) {
      batch.clear();
      ended = sr.log->read(pos, batch, waiter_registered ? no_waiter : waiter);
      waiter_registered = batch.empty() && !ended;
      if (batch.empty() && !ended) {
        c.expires_never();
        wake->expires_after(std::chrono::seconds(1));  // wake-ups come from the log; this is a safety net
        auto wait_op = wake->async_wait(asio::as_tuple(asio::use_awaitable));
        co_await std::move(wait_op);
        continue;
      }
      if (coalesce) {
        // Up to coalesce_limit bytes a write (never one huge write of a whole finished log).
        // Frames adjacent in the log's storage go out as they lie, without a copy; a run cut short
        // by the end of a storage block (the log's first blocks are small) is joined with what
        // follows in a buffer reserved once, so a short stream is still one write.
        for (std::size_t i = 0; i < batch.size();) {
          const char* start = batch[i]->bytes.data();
          std::size_t size = batch[i]->bytes.size();
          std::size_t n = 1;
          auto fits = [&](std::size_t k, std::size_t so_far) {
            return i + k < batch.size() && so_far + batch[i + k]->bytes.size() <= coalesce_limit;
          };
          for (; fits(n, size) && batch[i + n]->bytes.data() == start + size; ++n) size += batch[i + n]->bytes.size();
          std::string_view out(start, size);
          if (size < coalesce_limit / 2 && fits(n, size)) {
            joined.reserve(coalesce_limit);
            joined.assign(out);
            for (; fits(n, joined.size()); ++n) joined += batch[i + n]->bytes;
            out = joined;
          }
          i += n;
          pos += n;
          events += n;
          auto op = emit(c, out, sr.chunk_bytes, chunked, f, sent);
          if (co_await std::move(op) == emitted::closed) co_return false;
        }
        continue;
      }
      for (const auto* frame : batch) {
        const detail::log_frame& fr = *frame;
        ++pos;
        if (f.no_terminal && fr.name == "interaction.completed") continue;
        if (events == after) {
          if (f.stall && !stalled) {
            stalled = true;
            auto op = pause(c, *f.stall);
            co_await std::move(op);
          }
          if (f.error_event) how = ending::error;
          if (f.refusal) how = ending::refusal;
          if (how != ending::normal) break;
        }
        if (events > 0 && sr.write_interval.count() > 0) {
          auto op = pause(c, sr.write_interval);
          co_await std::move(op);
        }
        const bool at_fault = (f.malformed || f.misindex) && events == after;
        const bool faulted = !f.inject.empty() || at_fault;
        const std::string bytes = faulted ? detail::faulted_frame(f, fr.bytes, at_fault) : std::string();
        auto op = emit(c, faulted ? std::string_view(bytes) : std::string_view(fr.bytes), sr.chunk_bytes, chunked, f,
                       sent);
        if (co_await std::move(op) == emitted::closed) co_return false;
        ++events;
        if (f.cut_after_events && events >= *f.cut_after_events) {
          c.close();
          co_return false;
        }
        if (f.end_after_events && events >= *f.end_after_events) {
          how = ending::early;  // at once, not when the model writes the next event
          break;
        }
      }
    }
    // A log that ended before the fault's position still gets the fault.
    if (how == ending::normal && f.refusal) how = ending::refusal;
    if (how == ending::normal && f.error_event) how = ending::error;

    std::string tail;
    if (how == ending::refusal) {
      object err{{"code", "prohibited_content"},
                 {"message", f.message.value_or("The response was blocked because it may contain prohibited content.")}};
      tail = detail::json::serialize(object{{"error", std::move(err)}}) + "\n";
    } else if (how != ending::early) {
      if (how == ending::error) {
        object err{{"code", *f.error_event}, {"message", f.message.value_or("Injected stream error (emulator).")}};
        tail = "event: error\ndata: " +
               detail::json::serialize(object{{"error", std::move(err)}, {"event_type", "error"}}) + "\n\n";
      }
      tail += "event: done\ndata: [DONE]\n\n";
    }
    auto tail_op = emit(c, tail, sr.chunk_bytes, chunked, f, sent);
    if (co_await std::move(tail_op) == emitted::closed) co_return false;
    if (chunked) {
      c.expires_after(write_timeout);
      auto last_op = asio::async_write(c.stream, http::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
      auto [lec, lbytes] = co_await std::move(last_op);
      (void)lbytes;
      if (lec) co_return false;
    }
    auto end_op = end_response(c, close_after);
    co_return co_await std::move(end_op);
  }

  /// After the last byte of a streamed reply: whether the connection serves another request.
  template <class Stream>
  asio::awaitable<bool> end_response(connection<Stream>& c, bool close_after) {
    if (!close_after) co_return true;
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      c.expires_after(std::chrono::seconds(2));
      auto shut_op = c.stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
      co_await std::move(shut_op);
    }
    co_return false;
  }

  void close_idle() {
    std::vector<std::shared_ptr<connection_base>> targets;
    {
      std::lock_guard lock(reg_mu);
      for (auto& [id, w] : live)
        if (auto c = w.lock()) targets.push_back(std::move(c));
    }
    // Each target closes on its own strand unless it is serving a request.
    auto remaining = std::make_shared<std::size_t>(targets.size());
    for (auto& c : targets) {
      auto closer = [this, c, remaining] {
        // A reply being written finishes first (the session sees idle_closed and closes);
        // a connection serving a request is spared.
        const int phase = c->phase;
        if (phase == connection_base::idle) {
          c->idle_closed = true;
          c->close();
        } else if (phase == connection_base::writing) {
          c->idle_closed = true;
        }
        {
          std::lock_guard lock(reg_mu);
          --*remaining;
        }
        reg_cv.notify_all();
      };
      asio::post(c->executor, std::move(closer));
    }
    // Wait until every closer ran and every connection it closed left the registry.
    std::unique_lock lock(reg_mu);
    reg_cv.wait(lock, [&] {
      if (stopped) return true;
      if (*remaining != 0) return false;
      for (const auto& t : targets)
        if (t->idle_closed && live.count(t->id)) return false;
      return true;
    });
  }

  void stop() {
    std::lock_guard guard(stop_mu);
    if (stopped) return;
    {
      std::lock_guard lock(reg_mu);
      stopped = true;
    }
    reg_cv.notify_all();
    asio::post(accept_strand, [this] {
      beast::error_code ec;
      acceptor.close(ec);
    });
    ioc.stop();
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
};

server::server(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
  auto& o = impl_->opts;
  if (o.threads == 0) o.threads = 1;
  if (o.tls) {
    if (!o.cert) o.cert = make_self_signed_certificate({"localhost", "127.0.0.1"});
    impl_->cert_pem = o.cert->cert_pem;
    auto& ctx = impl_->ssl_ctx;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain(asio::buffer(o.cert->cert_pem));
    ctx.use_private_key(asio::buffer(o.cert->key_pem), ssl::context::pem);
    if (!o.tls_resumption) {
      SSL_CTX_set_num_tickets(ctx.native_handle(), 0);  // TLS 1.3: no NewSessionTicket
      SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_TICKET);
      SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_OFF);
    }
  }
  impl_->svc.schedule = [this](std::chrono::milliseconds delay, std::function<void()> fn) {
    auto timer = std::make_shared<asio::steady_timer>(impl_->ioc, delay);
    timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) fn();
    });
  };
  impl_->svc.start_clock();  // options::clock_rate
  impl_->svc.stats_json = [this] {
    const auto s = stats();
    object j;
    j["connections_accepted"] = s.connections_accepted;
    j["connections_open"] = s.connections_open;
    j["max_connections_open"] = s.max_connections_open;
    j["tls_handshakes"] = s.tls_handshakes;
    j["tls_resumed"] = s.tls_resumed;
    j["requests"] = s.requests;
    j["api_requests"] = s.api_requests;
    j["faults_injected"] = s.faults_injected;
    j["interactions_stored"] = s.interactions_stored;
    j["event_logs_held"] = s.event_logs_held;
    j["interactions_evicted"] = s.interactions_evicted;
    j["virtual_ms"] = virtual_time().count();
    return j;
  };

  tcp::endpoint ep(asio::ip::make_address(o.host), o.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(ep);
  acc.listen(asio::socket_base::max_listen_connections);
  impl_->bound_port = acc.local_endpoint().port();

  auto loop = impl_->accept_loop();
  asio::co_spawn(impl_->accept_strand, std::move(loop), asio::detached);
  for (unsigned i = 0; i < o.threads; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

server::~server() { stop(); }

std::uint16_t server::port() const { return impl_->bound_port; }

std::string server::base_url() const {
  std::string host = impl_->opts.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(impl_->opts.tls ? "https://" : "http://") + host + ":" + std::to_string(port());
}

const std::string& server::ca_pem() const { return impl_->cert_pem; }

void server::advance(std::chrono::milliseconds d) { impl_->svc.advance(d); }

std::chrono::milliseconds server::virtual_time() const { return impl_->svc.virtual_time(); }

statistics server::stats() const {
  statistics s;
  s.connections_accepted = impl_->accepted.load();
  s.connections_open = impl_->open.load();
  s.max_connections_open = impl_->max_open.load();
  s.tls_handshakes = impl_->handshakes.load();
  s.tls_resumed = impl_->resumed.load();
  s.requests = impl_->requests.load();
  s.api_requests = impl_->svc.api_requests.load();
  s.faults_injected = impl_->svc.faults_injected.load();
  s.interactions_stored = impl_->svc.stored();
  s.event_logs_held = impl_->svc.logs_held();
  s.interactions_evicted = impl_->svc.evicted();
  return s;
}

void server::close_idle_connections() { impl_->close_idle(); }

void server::add_fault_rule(const std::string& rule) { impl_->svc.add_fault_rule(rule); }

void server::clear_fault_rules() { impl_->svc.clear_fault_rules(); }

std::vector<logged_request> server::request_log() const { return impl_->svc.requests.snapshot(); }

void server::clear_request_log() { impl_->svc.requests.clear(); }

void server::stop() { impl_->stop(); }

}  // namespace gemini::emulator
