// connection::write_now against a plain loopback peer: a small request goes out whole without
// waiting, a large one is left to the asynchronous write, and a socket that cannot take a
// request whole closes the connection with the failure rather than leave part of it sent.
#include "transport/connection.hpp"

#include "common/run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

namespace asio = boost::asio;
using gemini::detail::connection;
using gemini::detail::outgoing_request;
using tcp = asio::ip::tcp;

namespace {

/// A request whose wire bytes are exactly `size` long; `body` holds its body.
outgoing_request request_of_size(std::size_t size, std::string& body)
{
    // The head is fixed but for the Content-Length digits: pick the body length whose digits
    // make the total come out right.
    const std::string fixed = "POST /v1beta/interactions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \r\n\r\n";
    for (std::size_t digits = 1; digits < 8; ++digits)
    {
        const std::size_t length = size - fixed.size() - digits;
        if (std::to_string(length).size() != digits)
            continue;
        body.assign(length, 'x');
        outgoing_request req(boost::beast::http::verb::post, "/v1beta/interactions");
        req.add_header("Host", "127.0.0.1");
        req.finish(body);
        BOOST_REQUIRE_EQUAL(req.bytes().size(), size);
        return req;
    }
    throw std::logic_error("no body length gives that size");
}

/// Runs `test(connection&, tcp::socket& peer)` on a plain connection to a loopback acceptor.
template <class Test>
void with_plain_connection(Test test)
{
    asio::io_context ctx;
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = std::to_string(acceptor.local_endpoint().port());
    auto body = [&]() -> asio::awaitable<void> {
        tcp::resolver resolver(ctx);
        auto resolve = resolver.async_resolve("127.0.0.1", port, asio::use_awaitable);
        const auto endpoints = co_await std::move(resolve);
        gemini::detail::target where;
        where.tls = false;
        where.host = "127.0.0.1";
        where.port = port;
        where.host_header = "127.0.0.1:" + port;
        where.host_is_ip = true;
        connection conn(ctx.get_executor(), nullptr);
        const auto deadline = connection::clock::now() + std::chrono::seconds(30);
        auto open = conn.open(endpoints, where, nullptr, deadline, deadline);
        co_await std::move(open);
        auto accept = acceptor.async_accept(asio::use_awaitable);
        tcp::socket peer = co_await std::move(accept);
        auto run = test(conn, peer);
        co_await std::move(run);
    };
    gemini::test::run(ctx, body());
}

} // namespace

BOOST_AUTO_TEST_SUITE(transport_connection_write_now)

BOOST_AUTO_TEST_CASE(a_small_request_goes_out_whole_at_once)
{
    with_plain_connection([](connection& conn, tcp::socket& peer) -> asio::awaitable<void> {
        std::string body;
        const auto req = request_of_size(connection::write_now_limit, body);
        BOOST_TEST(conn.write_now(req));
        std::string got(req.bytes().size(), '\0');
        auto read = asio::async_read(peer, asio::buffer(got), asio::use_awaitable);
        co_await std::move(read);
        BOOST_TEST(got == req.bytes());
        BOOST_TEST(conn.is_open());
    });
}

BOOST_AUTO_TEST_CASE(a_larger_request_is_left_to_the_asynchronous_write)
{
    with_plain_connection([](connection& conn, tcp::socket& peer) -> asio::awaitable<void> {
        std::string body;
        const auto req = request_of_size(connection::write_now_limit + 1, body);
        BOOST_TEST(!conn.write_now(req));
        BOOST_TEST(peer.available() == 0u);
        BOOST_TEST(conn.is_open());
        co_return;
    });
}

BOOST_AUTO_TEST_CASE(a_socket_that_cannot_take_a_request_whole_closes_the_connection)
{
    // The peer reads nothing, so the kernel's buffers fill; the write that finds them full
    // must not leave a partial request behind on an open connection.
    with_plain_connection([](connection& conn, tcp::socket&) -> asio::awaitable<void> {
        std::string body;
        const auto req = request_of_size(connection::write_now_limit, body);
        int accepted = 0;
        boost::system::error_code failure;
        for (; accepted < 100000; ++accepted)
        {
            try
            {
                conn.write_now(req);
            }
            catch (const boost::system::system_error& e)
            {
                failure = e.code();
                break;
            }
        }
        BOOST_TEST(accepted > 0);
        BOOST_TEST(failure == asio::error::would_block);
        BOOST_TEST(!conn.is_open());
        co_return;
    });
}

BOOST_AUTO_TEST_SUITE_END()
