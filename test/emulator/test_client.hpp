// A small raw Beast HTTP/1.1 client for the emulator's own tests: synchronous calls built on
// async operations with deadlines, TLS verified against the emulator's certificate.
#pragma once

#include <gemini/emulator.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace emu_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;

struct reply {
  boost::system::error_code ec;  ///< transport error (then the rest is empty)
  unsigned status = 0;
  std::string content_type;
  std::string body;
  http::response<http::string_body> raw;

  json::value json() const { return json::parse(body); }
  json::object obj() const { return json::parse(body).as_object(); }
  std::string header(http::field f) const { return std::string(raw[f]); }
  std::string header(std::string_view f) const { return std::string(raw[f]); }
};

/// One SSE block as received; `stray` holds a non-SSE line (e.g. a bare JSON refusal).
struct sse_event {
  std::string name;
  std::string data;
  std::string stray;
  std::chrono::steady_clock::time_point at;

  json::object obj() const { return json::parse(data).as_object(); }
  std::string type() const { return data.empty() || data == "[DONE]" ? name : std::string(obj().at("event_type").as_string()); }
  std::string event_id() const {
    if (data.empty() || data == "[DONE]") return {};
    auto o = obj();
    return o.contains("event_id") ? std::string(o.at("event_id").as_string()) : std::string();
  }
};

/// The `type` of every step of an interaction, in order.
inline std::vector<std::string> step_types(const json::object& interaction) {
  std::vector<std::string> out;
  for (const auto& s : interaction.at("steps").as_array()) out.emplace_back(s.at("type").as_string());
  return out;
}

class client {
 public:
  using headers = std::vector<std::pair<std::string, std::string>>;

  explicit client(const gemini::emulator::server& srv, std::string api_key = "test-key", bool tls = true)
      : port_(srv.port()), api_key_(std::move(api_key)), tls_(tls), ctx_(ssl::context::tls_client) {
    if (tls_) {
      ctx_.add_certificate_authority(asio::buffer(srv.ca_pem()));
      ctx_.set_verify_mode(ssl::verify_peer);
    }
  }

  /// Connects (TCP + TLS handshake) unless connected; returns the error, if any.
  boost::system::error_code connect() {
    if (connected_) return {};
    boost::system::error_code result;
    if (tls_) {
      tls_stream_ = std::make_unique<ssl::stream<beast::tcp_stream>>(ioc_, ctx_);
      auto& low = beast::get_lowest_layer(*tls_stream_);
      low.expires_after(std::chrono::seconds(10));
      result = run([&](auto done) { low.async_connect(endpoint(), [done](auto ec) mutable { done(ec); }); });
      if (!result) {
        SSL_set_tlsext_host_name(tls_stream_->native_handle(), "localhost");
        tls_stream_->set_verify_callback(ssl::host_name_verification("localhost"));
        result = run([&](auto done) {
          tls_stream_->async_handshake(ssl::stream_base::client, [done](auto ec) mutable { done(ec); });
        });
      }
    } else {
      plain_ = std::make_unique<beast::tcp_stream>(ioc_);
      plain_->expires_after(std::chrono::seconds(10));
      result = run([&](auto done) { plain_->async_connect(endpoint(), [done](auto ec) mutable { done(ec); }); });
    }
    connected_ = !result;
    return result;
  }

  reply request(http::verb method, const std::string& target, const std::string& body = {},
                const headers& extra = {}, bool auth = true) {
    reply out;
    if (auto ec = connect()) {
      out.ec = ec;
      return out;
    }
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (auth && !api_key_.empty()) req.set("x-goog-api-key", api_key_);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : extra) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    out.ec = tls_ ? exchange(*tls_stream_, req, parser) : exchange(*plain_, req, parser);
    if (out.ec) {
      disconnect();
      return out;
    }
    out.raw = parser.release();
    out.status = out.raw.result_int();
    out.content_type = std::string(out.raw[http::field::content_type]);
    out.body = out.raw.body();
    if (!out.raw.keep_alive()) disconnect();
    return out;
  }

  reply post(const std::string& target, const json::value& body, const headers& extra = {}) {
    return request(http::verb::post, target, json::serialize(body), extra);
  }
  reply get(const std::string& target, const headers& extra = {}) {
    return request(http::verb::get, target, {}, extra);
  }

  /// Waits for the server to close the connection; returns the read error (eof expected).
  boost::system::error_code wait_for_close(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    char byte;
    boost::system::error_code ec;
    if (tls_) {
      beast::get_lowest_layer(*tls_stream_).expires_after(limit);
      ec = run([&](auto done) {
        tls_stream_->async_read_some(asio::buffer(&byte, 1), [done](auto e, std::size_t) mutable { done(e); });
      });
    } else {
      plain_->expires_after(limit);
      ec = run([&](auto done) {
        plain_->async_read_some(asio::buffer(&byte, 1), [done](auto e, std::size_t) mutable { done(e); });
      });
    }
    disconnect();
    return ec;
  }

  // ---- streamed responses, read event by event ----

  /// Sends a request and reads the response header; the body is then read with next_event().
  /// Returns the status (0 on a transport error, see stream_error()).
  unsigned begin_stream(http::verb method, const std::string& target, const std::string& body = {},
                        const headers& extra = {}) {
    pending_.clear();
    chunk_sizes_.clear();
    stream_ec_ = {};
    stream_done_ = false;
    body_bytes_ = 0;
    if (auto ec = connect()) {
      stream_ec_ = ec;
      stream_done_ = true;
      return 0;
    }
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (!api_key_.empty()) req.set("x-goog-api-key", api_key_);
    req.set(http::field::accept, "text/event-stream");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : extra) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    sparser_.emplace();
    sparser_->body_limit(boost::none);
    on_chunk_ = [this](std::uint64_t size, std::string_view, boost::system::error_code&) {
      if (size) chunk_sizes_.push_back(static_cast<std::size_t>(size));
    };
    sparser_->on_chunk_header(on_chunk_);
    auto ec = tls_ ? start_stream(*tls_stream_, req) : start_stream(*plain_, req);
    if (ec) {
      stream_ec_ = ec;
      stream_done_ = true;
      disconnect();
      return 0;
    }
    stream_header_ = sparser_->get().base();
    if (sparser_->is_done()) finish_stream();
    return stream_header_.result_int();
  }

  unsigned begin_stream_post(const std::string& target, const json::value& body, const headers& extra = {}) {
    return begin_stream(http::verb::post, target, json::serialize(body), extra);
  }

  /// The next SSE block (including the `done` sentinel); nothing once the body ended or failed.
  std::optional<sse_event> next_event() {
    for (;;) {
      if (auto p = pending_.find("\n\n"); p != std::string::npos) {
        auto block = pending_.substr(0, p);
        pending_.erase(0, p + 2);
        return parse_block(block);
      }
      if (stream_done_) {
        if (pending_.empty()) return std::nullopt;
        auto block = std::move(pending_);
        pending_.clear();
        return parse_block(block);
      }
      char tmp[4096];
      auto& b = sparser_->get().body();
      b.data = tmp;
      b.size = sizeof tmp;
      auto& s = sparser_;
      auto read_some = [&](auto& stream) {
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(20));
        return run([&](auto done) {
          http::async_read_some(stream, buffer_, *s, [done](auto e, std::size_t) mutable { done(e); });
        });
      };
      auto ec = tls_ ? read_some(*tls_stream_) : read_some(*plain_);
      if (ec == http::error::need_buffer) ec = {};
      pending_.append(tmp, sizeof tmp - b.size);
      body_bytes_ += sizeof tmp - b.size;
      if (ec) {
        stream_ec_ = ec;
        stream_done_ = true;
        disconnect();
      } else if (sparser_->is_done()) {
        finish_stream();
      }
    }
  }

  /// Reads the rest of the stream.
  std::vector<sse_event> read_events() {
    std::vector<sse_event> out;
    while (auto e = next_event()) out.push_back(std::move(*e));
    return out;
  }

  const http::response_header<>& stream_header() const { return stream_header_; }
  boost::system::error_code stream_error() const { return stream_ec_; }
  bool stream_complete() const { return stream_done_ && !stream_ec_; }
  const std::vector<std::size_t>& chunk_sizes() const { return chunk_sizes_; }
  std::size_t body_bytes() const { return body_bytes_; }

  void disconnect() {
    tls_stream_.reset();
    plain_.reset();
    buffer_.consume(buffer_.size());
    connected_ = false;
  }
  bool connected() const { return connected_; }

 private:
  tcp::endpoint endpoint() const { return {asio::ip::make_address("127.0.0.1"), port_}; }

  template <class Start>
  boost::system::error_code run(Start&& start) {
    boost::system::error_code result = asio::error::would_block;
    start([&result](boost::system::error_code ec) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  template <class Stream>
  boost::system::error_code exchange(Stream& s, http::request<http::string_body>& req,
                                     http::response_parser<http::string_body>& parser) {
    beast::get_lowest_layer(s).expires_after(std::chrono::seconds(20));
    auto ec = run([&](auto done) { http::async_write(s, req, [done](auto e, std::size_t) mutable { done(e); }); });
    if (ec) return ec;
    return run([&](auto done) {
      http::async_read(s, buffer_, parser, [done](auto e, std::size_t) mutable { done(e); });
    });
  }

  template <class Stream>
  boost::system::error_code start_stream(Stream& s, http::request<http::string_body>& req) {
    beast::get_lowest_layer(s).expires_after(std::chrono::seconds(20));
    auto ec = run([&](auto done) { http::async_write(s, req, [done](auto e, std::size_t) mutable { done(e); }); });
    if (ec) return ec;
    return run([&](auto done) {
      http::async_read_header(s, buffer_, *sparser_, [done](auto e, std::size_t) mutable { done(e); });
    });
  }

  void finish_stream() {
    stream_done_ = true;
    if (!sparser_->keep_alive()) disconnect();
  }

  static sse_event parse_block(const std::string& block) {
    sse_event e;
    e.at = std::chrono::steady_clock::now();
    std::size_t start = 0;
    while (start < block.size()) {
      auto nl = block.find('\n', start);
      if (nl == std::string::npos) nl = block.size();
      const auto line = block.substr(start, nl - start);
      start = nl + 1;
      if (line.rfind("event: ", 0) == 0) e.name = line.substr(7);
      else if (line.rfind("data: ", 0) == 0) e.data += line.substr(6);
      else if (!line.empty()) e.stray += line;
    }
    return e;
  }

  asio::io_context ioc_;
  std::uint16_t port_;
  std::string api_key_;
  bool tls_;
  ssl::context ctx_;
  std::unique_ptr<ssl::stream<beast::tcp_stream>> tls_stream_;
  std::unique_ptr<beast::tcp_stream> plain_;
  beast::flat_buffer buffer_;
  bool connected_ = false;

  std::optional<http::response_parser<http::buffer_body>> sparser_;
  std::function<void(std::uint64_t, std::string_view, boost::system::error_code&)> on_chunk_;
  http::response_header<> stream_header_;
  std::string pending_;
  std::vector<std::size_t> chunk_sizes_;
  std::size_t body_bytes_ = 0;
  boost::system::error_code stream_ec_;
  bool stream_done_ = false;
};

inline json::object model_request(std::string input) {
  return json::object{{"model", "gemini-3.5-flash"}, {"input", std::move(input)}};
}

/// The text of the last model_output step.
inline std::string output_text(const json::object& interaction) {
  std::string text;
  for (const auto& s : interaction.at("steps").as_array())
    if (s.as_object().at("type").as_string() == "model_output")
      text = std::string(s.at("content").as_array().at(0).at("text").as_string());
  return text;
}

inline std::string error_code_of(const reply& r) {
  auto e = r.obj().at("error").as_object();
  return e.at("code").is_string() ? std::string(e.at("code").as_string()) : std::to_string(e.at("code").to_number<int>());
}

}  // namespace emu_test
