#include "transport/connection.hpp"

#include "transport/deadline.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>

namespace gemini::detail {

namespace {

std::variant<tcp::socket, asio::ssl::stream<tcp::socket>> make_stream(const asio::any_io_executor& ex,
                                                                      asio::ssl::context* tls_context)
{
    if (tls_context)
        return std::variant<tcp::socket, asio::ssl::stream<tcp::socket>>(
            std::in_place_index<1>, ex, *tls_context);
    return std::variant<tcp::socket, asio::ssl::stream<tcp::socket>>(std::in_place_index<0>, ex);
}

} // namespace

connection::connection(const asio::any_io_executor& ex, asio::ssl::context* tls_context)
    : stream_(make_stream(ex, tls_context))
{
}

tcp::socket& connection::socket() noexcept
{
    if (auto* tls = std::get_if<asio::ssl::stream<tcp::socket>>(&stream_))
        return tls->next_layer();
    return std::get<tcp::socket>(stream_);
}

asio::awaitable<void> connection::open(const tcp::resolver::results_type& endpoints, const target& where,
                                       clock::time_point connect_deadline, clock::time_point handshake_deadline)
{
    auto connect = asio::async_connect(socket(), endpoints, asio::use_awaitable);
    auto connect_bounded = with_deadline(std::move(connect), connect_deadline, "connect");
    co_await std::move(connect_bounded);
    socket().set_option(tcp::no_delay(true));

    auto* tls = std::get_if<asio::ssl::stream<tcp::socket>>(&stream_);
    if (!tls)
        co_return;
    // SNI takes DNS names only; certificates for IP literals are still checked by the
    // host-name verifier against IP SANs.
    if (!where.host_is_ip && !SSL_set_tlsext_host_name(tls->native_handle(), where.host.c_str()))
        throw boost::system::system_error(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    tls->set_verify_mode(asio::ssl::verify_peer);
    tls->set_verify_callback(asio::ssl::host_name_verification(where.host));
    auto handshake = tls->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    auto handshake_bounded = with_deadline(std::move(handshake), handshake_deadline, "TLS handshake");
    co_await std::move(handshake_bounded);
    touch();
}

bool connection::still_open_while_idle() noexcept
{
    if (buffer_.size() != 0)
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

void connection::close() noexcept
{
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
}

} // namespace gemini::detail
