// tls_stream against asio::ssl::stream as the peer (the implementation it replaces, here the
// server): handshake and host-name check, bytes both ways in sizes from one byte to many
// records (one record per SSL_write: partial writes), a receive buffer smaller than a record,
// the synchronous forms on a non-blocking socket, and the end of the stream with and without
// the peer's close_notify, which must give the errors asio::ssl::stream gives.
#include "transport/tls_stream.hpp"

#include "common/run.hpp"

#include <gemini/emulator/certificate.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string>

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using gemini::detail::tls_stream;
using tcp = asio::ip::tcp;

namespace {

/// The server's end of the handshake, which fails when the client refuses (the client's
/// error is what the tests check).
asio::awaitable<void> server_handshake(asio::ssl::stream<tcp::socket>& server)
{
    auto op = server.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    co_await std::move(op);
}

/// The server's close_notify; its wait for the client's answer never ends, nor needs to.
asio::awaitable<void> server_shutdown(asio::ssl::stream<tcp::socket>& server)
{
    auto op = server.async_shutdown(asio::as_tuple(asio::use_awaitable));
    co_await std::move(op);
}

/// A connected pair: our client stream and the reference server.
struct tls_pair
{
    // The contexts are complete before the streams exist: SSL_new copies the certificate.
    gemini::emulator::certificate pem = gemini::emulator::make_self_signed_certificate({"127.0.0.1"});
    asio::io_context ctx;
    asio::ssl::context client_tls = client_context(pem.cert_pem);
    asio::ssl::context server_tls = server_context(pem.cert_pem, pem.key_pem);
    tls_stream client{ctx.get_executor(), client_tls};
    asio::ssl::stream<tcp::socket> server{ctx, server_tls};

    static asio::ssl::context client_context(const std::string& cert)
    {
        asio::ssl::context c(asio::ssl::context::tls_client);
        c.add_certificate_authority(asio::buffer(cert));
        return c;
    }

    static asio::ssl::context server_context(const std::string& cert, const std::string& key)
    {
        asio::ssl::context c(asio::ssl::context::tls_server);
        c.use_certificate_chain(asio::buffer(cert));
        c.use_private_key(asio::buffer(key), asio::ssl::context::pem);
        return c;
    }

    /// Connects and handshakes both ends, the client checking the certificate names `host`.
    /// Connects the two sockets, no TLS yet.
    asio::awaitable<void> connect_tcp()
    {
        tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        auto connect_op = client.next_layer().async_connect(acceptor.local_endpoint(), asio::use_awaitable);
        auto accept_op = acceptor.async_accept(server.next_layer(), asio::use_awaitable);
        co_await std::move(connect_op);
        co_await std::move(accept_op);
    }

    asio::awaitable<void> connect(const char* host = "127.0.0.1")
    {
        auto tcp_op = connect_tcp();
        co_await std::move(tcp_op);
        client.next_layer().non_blocking(true);   // as connection::open leaves it
        SSL_set_verify(client.native_handle(), SSL_VERIFY_PEER, nullptr);
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(client.native_handle()), host);
        auto client_side = client.async_handshake(asio::use_awaitable);
        auto both = std::move(client_side) && server_handshake(server);
        co_await std::move(both);
    }
};

std::string pattern(std::size_t size)
{
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

/// Reads exactly `size` bytes from the client through buffers of `piece` bytes.
asio::awaitable<std::string> read_in_pieces(tls_stream& s, std::size_t size, std::size_t piece)
{
    std::string got;
    std::string chunk(piece, '\0');
    while (got.size() < size)
    {
        auto op = s.async_read_some(asio::buffer(chunk), asio::use_awaitable);
        const std::size_t n = co_await std::move(op);
        got.append(chunk, 0, n);
    }
    co_return got;
}

/// Connects the pair; the server then sends `answer`, which the client has yet to read.
asio::awaitable<void> connected_with_an_answer(tls_pair& p, const std::string& answer)
{
    auto connect = p.connect();
    co_await std::move(connect);
    auto send = asio::async_write(p.server, asio::buffer(answer), asio::use_awaitable);
    co_await std::move(send);
}

} // namespace

BOOST_AUTO_TEST_SUITE(transport_tls_stream)

BOOST_AUTO_TEST_CASE(bytes_cross_both_ways_in_every_size)
{
    tls_pair p;
    gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
        auto connect = p.connect();
        co_await std::move(connect);
        // One byte, one record, many records (partial writes of one record each),
        // each read back through buffers smaller than a record and larger than one.
        for (const std::size_t size : {std::size_t(1), std::size_t(700), std::size_t(16384), std::size_t(300000)})
        {
            const std::string out = pattern(size);
            std::string at_server(size, '\0');
            auto send = asio::async_write(p.client, asio::buffer(out), asio::use_awaitable);
            auto receive = asio::async_read(p.server, asio::buffer(at_server), asio::use_awaitable);
            auto both = std::move(send) && std::move(receive);
            co_await std::move(both);
            BOOST_TEST((at_server == out), "client to server, " << size << " bytes");

            for (const std::size_t piece : {std::size_t(100), std::size_t(4096)})
            {
                auto answer = asio::async_write(p.server, asio::buffer(out), asio::use_awaitable);
                auto take = read_in_pieces(p.client, size, piece);
                auto exchange = std::move(answer) && std::move(take);
                const auto [written, got] = co_await std::move(exchange);
                BOOST_TEST(written == size);
                BOOST_TEST((got == out), "server to client, " << size << " bytes in pieces of " << piece);
                BOOST_TEST(!p.client.holds_unread());
            }
        }
    }());
}

BOOST_AUTO_TEST_CASE(unread_bytes_are_seen_and_survive_released_buffers)
{
    tls_pair p;
    gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
        const std::string out = pattern(700);
        auto connect = connected_with_an_answer(p, out);
        co_await std::move(connect);
        std::string first(100, '\0');
        auto read_first = p.client.async_read_some(asio::buffer(first), asio::use_awaitable);
        const std::size_t n = co_await std::move(read_first);
        BOOST_TEST(n == 100u);
        BOOST_TEST(p.client.holds_unread());   // the record's rest, decrypted inside OpenSSL
        p.client.release_buffers();
        auto rest = read_in_pieces(p.client, 600, 600);
        const std::string tail = co_await std::move(rest);
        BOOST_TEST((first + tail == out));
        BOOST_TEST(!p.client.holds_unread());
        p.client.release_buffers();   // nothing held: the receive area goes, and comes back
        auto again = asio::async_write(p.server, asio::buffer(out), asio::use_awaitable);
        co_await std::move(again);
        auto whole = read_in_pieces(p.client, 700, 4096);
        const std::string again_read = co_await std::move(whole);
        BOOST_TEST((again_read == out));
    }());
}

BOOST_AUTO_TEST_CASE(an_error_left_in_the_thread_queue_fails_nothing)
{
    // OpenSSL's error queue is per thread and shared with all its other users (the
    // application's own OpenSSL calls, other connections), and SSL_get_error reads it to tell
    // "wants more data" from a failure: a stale entry must not fail a read that waits. The
    // stream clears the queue before each call when it is not empty. (The server's
    // asio::ssl::stream clears it too, on this same thread: hence no server I/O in between.)
    tls_pair p;
    gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
        auto connect = p.connect();
        co_await std::move(connect);
        // Nothing to read (or only the server's session tickets): OpenSSL wants more.
        ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);
        char buf[64];
        boost::system::error_code ec;
        BOOST_TEST(p.client.read_some(asio::buffer(buf), ec) == 0u);
        BOOST_TEST((ec == asio::error::would_block), ec.message());
        BOOST_TEST(ERR_peek_error() == 0u);
    }());
}

BOOST_AUTO_TEST_CASE(synchronous_forms_never_wait)
{
    tls_pair p;
    gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
        auto connect = p.connect();
        co_await std::move(connect);
        char buf[64];
        boost::system::error_code ec;
        BOOST_TEST(p.client.read_some(asio::buffer(buf), ec) == 0u);
        BOOST_TEST((ec == asio::error::would_block), ec.message());

        const std::string request = "a small request";
        BOOST_TEST(p.client.write_some(asio::buffer(request), ec) == request.size());
        BOOST_TEST(!ec, ec.message());
        std::string at_server(request.size(), '\0');
        auto receive = asio::async_read(p.server, asio::buffer(at_server), asio::use_awaitable);
        co_await std::move(receive);
        BOOST_TEST(at_server == request);

        auto answer = asio::async_write(p.server, asio::buffer(request), asio::use_awaitable);
        co_await std::move(answer);
        auto readable = p.client.next_layer().async_wait(tcp::socket::wait_read, asio::use_awaitable);
        co_await std::move(readable);
        const std::size_t n = p.client.read_some(asio::buffer(buf), ec);
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(std::string(buf, n) == request);
    }());
}

BOOST_AUTO_TEST_CASE(close_notify_ends_the_stream_and_a_bare_close_truncates_it)
{
    for (const bool notify : {true, false})
    {
        tls_pair p;
        gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
            auto connect = p.connect();
            co_await std::move(connect);
            if (notify)
            {
                auto ex = co_await asio::this_coro::executor;
                asio::co_spawn(ex, server_shutdown(p.server), asio::detached);
            }
            else
                p.server.next_layer().close();
            char buf[64];
            auto read = p.client.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            const auto [ec, n] = co_await std::move(read);
            BOOST_TEST(n == 0u);
            if (notify)
                BOOST_TEST((ec == asio::error::eof), ec.message());
            else
                BOOST_TEST((ec == asio::ssl::error::stream_truncated), ec.message());
            // A second read ends the same way at once (the peer waits for nothing more).
            auto again = p.client.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            const auto [ec2, n2] = co_await std::move(again);
            BOOST_TEST(n2 == 0u);
            BOOST_TEST((ec2 == ec), ec2.message());
            p.client.next_layer().close();
        }());
    }
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_address_is_refused)
{
    tls_pair p;
    gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto connect = asio::co_spawn(ex, p.connect("127.0.0.2"), asio::as_tuple(asio::use_awaitable));
        auto [failure] = co_await std::move(connect);
        BOOST_REQUIRE(failure);
        try
        {
            std::rethrow_exception(failure);
        }
        catch (const boost::system::system_error& e)
        {
            // What the pool reports as a TLS failure: OpenSSL's verification error.
            BOOST_TEST((e.code().category() == asio::error::get_ssl_category()), e.code().message());
            BOOST_TEST(e.code().message().find("certificate verify failed") != std::string::npos, e.code().message());
        }
        p.server.next_layer().close();
    }());
}

BOOST_AUTO_TEST_CASE(a_key_update_the_server_asks_for_is_answered_by_reads)
{
    // TLS 1.3: the server's KeyUpdate asks the client for one of its own, which the client's
    // read must send (a record written during a read); the server then reads the client's
    // next data under the new keys. Through the asynchronous read, then the synchronous one.
    for (const bool synchronous : {false, true})
    {
        tls_pair p;
        gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
            auto connect = p.connect();
            co_await std::move(connect);
            for (int round = 0; round < 2; ++round)
            {
                BOOST_REQUIRE(SSL_key_update(p.server.native_handle(), SSL_KEY_UPDATE_REQUESTED) == 1);
                const std::string down = pattern(300), up = pattern(200);
                auto answer = asio::async_write(p.server, asio::buffer(down), asio::use_awaitable);
                co_await std::move(answer);
                std::string got;
                if (synchronous)
                {
                    char buf[512];
                    while (got.size() < down.size())
                    {
                        auto readable = p.client.next_layer().async_wait(tcp::socket::wait_read, asio::use_awaitable);
                        co_await std::move(readable);
                        boost::system::error_code ec;
                        const std::size_t n = p.client.read_some(asio::buffer(buf), ec);
                        BOOST_REQUIRE(!ec || ec == asio::error::would_block);
                        got.append(buf, n);
                    }
                }
                else
                {
                    auto take = read_in_pieces(p.client, down.size(), 512);
                    got = co_await std::move(take);
                }
                BOOST_TEST((got == down), "round " << round << (synchronous ? ", synchronous" : ""));
                std::string at_server(up.size(), '\0');
                auto send = asio::async_write(p.client, asio::buffer(up), asio::use_awaitable);
                auto receive = asio::async_read(p.server, asio::buffer(at_server), asio::use_awaitable);
                auto both = std::move(send) && std::move(receive);
                co_await std::move(both);
                BOOST_TEST((at_server == up), "round " << round);
            }
        }());
    }
}

BOOST_AUTO_TEST_CASE(a_ready_result_is_handed_over_after_the_initiation)
{
    tls_pair p;
    gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
        const std::string out = pattern(700);
        auto connect = connected_with_an_answer(p, out);
        co_await std::move(connect);
        auto take = read_in_pieces(p.client, 100, 100);
        co_await std::move(take);
        BOOST_REQUIRE(p.client.holds_unread());   // the next read is ready at once
        char buf[100];
        std::size_t got = 0;
        bool called = false;
        p.client.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
            BOOST_TEST(!ec);
            got = n;
            called = true;
        });
        BOOST_TEST(!called);   // not inside the initiating call
        auto ex = co_await asio::this_coro::executor;
        auto after = asio::post(ex, asio::use_awaitable);   // queued behind the posted completion
        co_await std::move(after);
        BOOST_TEST(called);
        BOOST_TEST(got == 100u);
    }());
}

BOOST_AUTO_TEST_CASE(a_cancelled_handshake_ends_with_operation_aborted)
{
    tls_pair p;
    gemini::test::run(p.ctx, [&]() -> asio::awaitable<void> {
        auto tcp_op = p.connect_tcp();
        co_await std::move(tcp_op);
        asio::cancellation_signal cancel;
        std::optional<boost::system::error_code> result;
        p.client.async_handshake(asio::bind_cancellation_slot(
            cancel.slot(), [&](boost::system::error_code ec, std::size_t) { result = ec; }));
        // The server reads the ClientHello and answers nothing: the client waits, until cancelled.
        char hello[16];
        auto hello_op = p.server.next_layer().async_read_some(asio::buffer(hello), asio::use_awaitable);
        co_await std::move(hello_op);
        BOOST_TEST(!result.has_value());
        cancel.emit(asio::cancellation_type::terminal);
        auto ex = co_await asio::this_coro::executor;
        auto after = asio::post(ex, asio::use_awaitable);
        co_await std::move(after);
        BOOST_REQUIRE(result.has_value());
        BOOST_TEST((*result == asio::error::operation_aborted), result->message());
    }());
}

// The emulator's end: our stream as the server of asio::ssl::stream, bytes both ways, and its
// close_notify read by the client as the end of the stream (eof, not a truncation). Session
// resumption through it is tls_test's new_connections_resume_the_hosts_tls_session.
BOOST_AUTO_TEST_CASE(the_server_role_serves_an_asio_client_and_ends_with_close_notify)
{
    gemini::emulator::certificate pem = gemini::emulator::make_self_signed_certificate({"127.0.0.1"});
    asio::io_context ctx;
    asio::ssl::context client_tls = tls_pair::client_context(pem.cert_pem);
    asio::ssl::context server_tls = tls_pair::server_context(pem.cert_pem, pem.key_pem);
    gemini::test::run(ctx, [&]() -> asio::awaitable<void> {
        tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        asio::ssl::stream<tcp::socket> client{ctx, client_tls};
        auto connect_op = client.next_layer().async_connect(acceptor.local_endpoint(), asio::use_awaitable);
        auto accept_op = acceptor.async_accept(asio::use_awaitable);
        co_await std::move(connect_op);
        tcp::socket accepted = co_await std::move(accept_op);
        tls_stream server(std::move(accepted), server_tls, gemini::detail::tls_role::server);

        SSL_set_verify(client.native_handle(), SSL_VERIFY_PEER, nullptr);
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(client.native_handle()), "127.0.0.1");
        auto client_side = client.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
        auto server_side = server.async_handshake(asio::use_awaitable);
        auto both = std::move(client_side) && std::move(server_side);
        co_await std::move(both);

        for (const std::size_t size : {std::size_t(1), std::size_t(20000)})
        {
            const std::string out = pattern(size);
            std::string at_client(size, '\0');
            auto send = asio::async_write(server, asio::buffer(out), asio::use_awaitable);
            auto receive = asio::async_read(client, asio::buffer(at_client), asio::use_awaitable);
            auto there = std::move(send) && std::move(receive);
            co_await std::move(there);
            BOOST_TEST((at_client == out), "server to client, " << size << " bytes");

            auto answer = asio::async_write(client, asio::buffer(out), asio::use_awaitable);
            auto take = read_in_pieces(server, size, 4096);
            auto back = std::move(answer) && std::move(take);
            const auto [written, got] = co_await std::move(back);
            BOOST_TEST(written == size);
            BOOST_TEST((got == out), "client to server, " << size << " bytes");
        }

        auto shut = server.async_shutdown(asio::as_tuple(asio::use_awaitable));
        const auto [shut_ec, none] = co_await std::move(shut);
        BOOST_TEST(!shut_ec, shut_ec.message());
        BOOST_TEST(none == 0u);
        char buf[16];
        auto read = client.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        const auto [ec, n] = co_await std::move(read);
        BOOST_TEST(n == 0u);
        BOOST_TEST((ec == asio::error::eof), ec.message());
    }());
}

BOOST_AUTO_TEST_SUITE_END()
