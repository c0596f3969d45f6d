#include "transport/connection.hpp"

#include "transport/deadline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/beast/http/parser.hpp>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>

namespace gemini::detail {

namespace {

std::variant<tcp::socket, tls_stream> make_stream(const asio::any_io_executor& ex, asio::ssl::context* tls_context)
{
    if (tls_context)
        return std::variant<tcp::socket, tls_stream>(std::in_place_index<1>, ex, *tls_context);
    return std::variant<tcp::socket, tls_stream>(std::in_place_index<0>, ex);
}

} // namespace

asio::awaitable<std::size_t> connection::write(const outgoing_request& req)
{
    // One buffer, hence one TLS record and one system call, unless the body is large.
    if (req.rest().empty())
        return visit_stream([&](auto& s) { return asio::async_write(s, asio::buffer(req.bytes()), exchange_io()); });
    const std::array<asio::const_buffer, 2> parts{asio::buffer(req.bytes()), asio::buffer(req.rest())};
    return visit_stream([&](auto& s) { return asio::async_write(s, parts, exchange_io()); });
}

bool connection::write_now(const outgoing_request& req)
{
    if (!req.rest().empty() || req.bytes().size() > write_now_limit)
        return false;
    error_code ec;
    visit_stream([&](auto& s) { asio::write(s, asio::buffer(req.bytes()), ec); });
    if (ec)
    {
        close();
        throw boost::system::system_error(ec);
    }
    return true;
}

connection::connection(const asio::any_io_executor& ex, asio::ssl::context* tls_context)
    : stream_(make_stream(ex, tls_context)), deadline_timer_(ex)
{
}

tcp::socket& connection::socket() noexcept
{
    if (auto* tls = std::get_if<tls_stream>(&stream_))
        return tls->next_layer();
    return std::get<tcp::socket>(stream_);
}

// One CONNECT exchange on the fresh socket. Failures to talk to the proxy at all stay
// system errors (connect_failed, retried like a refused connection); an answer that says no,
// or is not HTTP, is proxy_failed.
asio::awaitable<void> connection::open_tunnel(const proxy_endpoint& proxy, const target& where)
{
    auto req = make_connect_request(proxy, where);
    auto send = http::async_write(socket(), req, asio::use_awaitable);
    co_await std::move(send);

    http::response_parser<http::empty_body> parser;
    parser.skip(true);   // a 2xx answer to CONNECT has no body: what follows is the tunnel
    boost::beast::flat_buffer head;
    auto receive = http::async_read_header(socket(), head, parser, asio::as_tuple(asio::use_awaitable));
    auto [ec, ignored] = co_await std::move(receive);
    if (ec)
    {
        const bool closed = ec == http::error::end_of_stream || ec == http::error::partial_message;
        if (ec.category() == http::make_error_code(http::error::bad_version).category() && !closed)
            throw proxy_malformed(proxy, where, "invalid HTTP (" + ec.message() + ")");
        throw boost::system::system_error(ec);
    }
    const auto& res = parser.get();
    if (res.result_int() / 100 != 2)
        throw proxy_refused(proxy, where, res.result_int(), res.reason());
    // Bytes after the answer would have to come from the service before our ClientHello.
    if (head.size() != 0)
        throw proxy_malformed(proxy, where, "data followed the 2xx answer before the TLS handshake");
}

asio::awaitable<void> connection::open(const tcp::resolver::results_type& endpoints, const target& where,
                                       const proxy_endpoint* proxy, clock::time_point connect_deadline,
                                       clock::time_point handshake_deadline,
                                       std::shared_ptr<tls_session_cache> sessions)
{
    auto connect = asio::async_connect(socket(), endpoints, asio::use_awaitable);
    auto connect_bounded = with_deadline(std::move(connect), connect_deadline, proxy ? "connecting to the proxy" : "connect");
    co_await std::move(connect_bounded);
    socket().set_option(tcp::no_delay(true));
    // For read_some_body_now and write_now, which must never wait; Asio's asynchronous
    // operations do not depend on it.
    socket().non_blocking(true);
    if (proxy)
    {
        auto tunnel = open_tunnel(*proxy, where);
        auto tunnel_bounded = with_deadline(std::move(tunnel), connect_deadline, "opening the tunnel through the proxy");
        co_await std::move(tunnel_bounded);
    }

    // Beast reads what the buffer has room for, and at least 512 bytes: room for a usual
    // answer spares it a second read (and OpenSSL a second call) per answer.
    buffer_.reserve(initial_read_room);
    auto* tls = std::get_if<tls_stream>(&stream_);
    if (!tls)
        co_return;
    // SNI takes DNS names only; certificates for IP literals are still checked by the
    // host-name verifier against IP SANs.
    if (!where.host_is_ip && !SSL_set_tlsext_host_name(tls->native_handle(), where.host.c_str()))
        throw boost::system::system_error(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    // A context may ask OpenSSL to free its 17 KiB record buffers whenever they empty (Asio's
    // own stream did), which is an allocation and a release of each per record (a twentieth
    // of a unary request's instructions). They stay while the connection works; a stream
    // waiting for data and release_buffers() free them.
    release_tls_buffers_when_empty(false);
    // The peer's certificate is checked, whatever the context says, with the context's
    // verify callback (a user's, say), and OpenSSL checks that it names the host.
    SSL* ssl = tls->native_handle();
    SSL_set_verify(ssl, SSL_VERIFY_PEER, SSL_CTX_get_verify_callback(SSL_get_SSL_CTX(ssl)));
    const bool named = where.host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), where.host.c_str()) == 1
                                        : SSL_set1_host(ssl, where.host.c_str()) == 1;
    if (!named)
        throw boost::system::system_error(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    if (sessions)
    {
        sessions_ = std::move(sessions);
        sessions_->attach(tls->native_handle());
    }
    auto handshake = tls->async_handshake(asio::use_awaitable);
    auto handshake_bounded = with_deadline(std::move(handshake), handshake_deadline, "TLS handshake");
    co_await std::move(handshake_bounded);
    resumed_ = SSL_session_reused(tls->native_handle()) == 1;
    touch();
}

bool connection::still_open_while_idle() noexcept
{
    if (buffer_.size() != 0)
        return false;
    if (auto* tls = std::get_if<tls_stream>(&stream_); tls && tls->holds_unread())
        return false;
    auto& sock = socket();
    if (!sock.is_open())
        return false;
    char probe;
    const auto n = ::recv(sock.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    // 0: orderly shutdown; >0: bytes nobody asked for (close_notify, garbage); <0 with EAGAIN:
    // nothing pending, which is what a healthy idle keep-alive connection looks like.
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

namespace {

// SSL_free_buffers refuses while a record is pending only from these releases on; before them
// it could free a read buffer still in use (CVE-2024-4741). Older libraries keep the buffers.
bool free_buffers_is_safe() noexcept
{
    static const bool safe = [] {
        const unsigned long v = OpenSSL_version_num();   // 0xMNN00PP0
        const unsigned long minor = (v >> 20) & 0xff, patch = (v >> 4) & 0xff;
        if ((v >> 28) != 3)
            return (v >> 28) > 3;
        switch (minor)
        {
        case 0: return patch >= 14;
        case 1: return patch >= 6;
        case 2: return patch >= 2;
        case 3: return patch >= 1;
        default: return true;
        }
    }();
    return safe;
}

} // namespace

void connection::reserve_read_room(std::size_t n)
{
    buffer_.reserve(std::min(buffer_.size() + std::min<std::size_t>(n, SSL3_RT_MAX_PLAIN_LENGTH), buffer_.max_size()));
}

void connection::release_buffers() noexcept
{
    // Shrunk to what it holds, empty or not: a few bytes received but not yet parsed kept all
    // the room a stream's reads had grown it to, 16 KiB (idle streams measured 19 to 31 KiB
    // each, as the records of their first events happened to arrive).
    buffer_.shrink_to_fit();
    if (auto* tls = std::get_if<tls_stream>(&stream_))
    {
        tls->release_buffers();
        if (free_buffers_is_safe())
            SSL_free_buffers(tls->native_handle());   // refuses while a record is pending: fine
    }
}

void connection::release_tls_buffers_when_empty(bool on) noexcept
{
    if (auto* tls = std::get_if<tls_stream>(&stream_))
    {
        if (on)
            SSL_set_mode(tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
        else
            SSL_clear_mode(tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    }
}

void connection::close() noexcept
{
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
}

} // namespace gemini::detail
