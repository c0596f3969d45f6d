// A response as the client reads it: status, every header field in the order received
// (repeated names kept), the body with the chunked coding removed, the body limit enforced, and
// whether the connection may carry another request; a stream's body through lent windows.
#include "common/feed_parser.hpp"
#include "transport/reply_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

namespace http = boost::beast::http;
using gemini::detail::reply_parser;

namespace {

boost::system::error_code feed(reply_parser& parser, std::string_view wire, std::size_t step)
{
    return gemini::test::feed_parser(parser, wire, [step] { return step; });
}

} // namespace

BOOST_AUTO_TEST_SUITE(transport_reply_parser)

BOOST_AUTO_TEST_CASE(status_fields_and_a_sized_body_whatever_the_pieces)
{
    const std::string_view wire = "HTTP/1.1 429 Too Many Requests\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Retry-After: 3\r\n"
                                  "Vary: Origin\r\n"
                                  "vary: X-Origin\r\n"
                                  "Content-Length: 17\r\n"
                                  "\r\n"
                                  "{\"error\":{\"x\":1}}";
    for (const std::size_t step : {std::size_t{1}, std::size_t{7}, wire.size()})
    {
        reply_parser parser(1024);
        parser.eager(true);
        BOOST_TEST_REQUIRE(!feed(parser, wire, step));
        BOOST_TEST_REQUIRE(parser.is_done());
        BOOST_TEST(parser.info().status == 429u);
        BOOST_TEST_REQUIRE(parser.info().headers.size() == 5u);
        BOOST_TEST(parser.info().headers[2].first == "Vary");
        BOOST_TEST(parser.info().headers[3].first == "vary");
        BOOST_TEST(parser.info().headers[3].second == "X-Origin");
        BOOST_TEST(parser.info().header("retry-after") == "3");
        BOOST_TEST(parser.body() == R"({"error":{"x":1}})");
        BOOST_TEST(parser.keep_alive());
    }
}

BOOST_AUTO_TEST_CASE(a_chunked_body_is_joined_and_close_is_seen)
{
    const std::string_view wire = "HTTP/1.1 200 OK\r\n"
                                  "Transfer-Encoding: chunked\r\n"
                                  "Connection: close\r\n"
                                  "\r\n"
                                  "5;ext=1\r\nhello\r\n"
                                  "6\r\n world\r\n"
                                  "0\r\n\r\n";
    reply_parser parser(1024);
    parser.eager(true);
    BOOST_TEST_REQUIRE(!feed(parser, wire, 3));
    BOOST_TEST_REQUIRE(parser.is_done());
    BOOST_TEST(parser.body() == "hello world");
    BOOST_TEST(!parser.keep_alive());
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_fails_declared_or_chunked)
{
    {
        reply_parser parser(16);
        const auto ec = feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n", 64);
        BOOST_TEST(ec == make_error_code(http::error::body_limit));
    }
    {
        reply_parser parser(16);
        parser.eager(true);
        const auto ec = feed(parser,
                             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n",
                             64);
        BOOST_TEST(ec == make_error_code(http::error::body_limit));
        BOOST_TEST(parser.body().size() <= 16u);
    }
    {
        reply_parser parser(16);
        parser.eager(true);
        BOOST_TEST(!feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n0123456789abcdef", 64));
        BOOST_TEST(parser.body().size() == 16u);
    }
}

// A body that runs until the connection closes: complete at the end of input, limited like the
// others, and the connection cannot carry another request (whatever the header says).
BOOST_AUTO_TEST_CASE(a_body_until_close_ends_the_connection)
{
    const std::string_view wire = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nabc";
    {
        reply_parser parser(16);
        parser.eager(true);
        BOOST_TEST_REQUIRE(!feed(parser, wire, 4));
        BOOST_TEST_REQUIRE(parser.is_done());
        BOOST_TEST(parser.body() == "abc");
        BOOST_TEST(!parser.keep_alive());
    }
    {
        reply_parser parser(2);
        parser.eager(true);
        BOOST_TEST(feed(parser, wire, 64) == make_error_code(http::error::body_limit));
    }
}

// 204 and 304 answers have no body, whatever Content-Length says; the connection stays usable.
BOOST_AUTO_TEST_CASE(no_content_has_no_body)
{
    for (const std::string_view status : {"204 No Content", "304 Not Modified"})
    {
        const std::string wire = "HTTP/1.1 " + std::string(status) + "\r\nContent-Length: 5\r\n\r\n";
        reply_parser parser(1024);
        parser.eager(true);
        BOOST_TEST_REQUIRE(!feed(parser, wire, 7));
        BOOST_TEST_REQUIRE(parser.is_done());
        BOOST_TEST(parser.body().empty());
        BOOST_TEST(parser.keep_alive());
    }
}

// A stream's body goes into the windows its reader lends, whatever their size and however the
// bytes arrive; it has no limit as a whole, and with no window lent the read stops, losing
// nothing. The header is collected as for a whole response.
BOOST_AUTO_TEST_CASE(a_windowed_body_fills_the_windows_lent)
{
    const std::string_view wire = "HTTP/1.1 200 OK\r\n"
                                  "Content-Type: text/event-stream\r\n"
                                  "Transfer-Encoding: chunked\r\n"
                                  "\r\n"
                                  "e\r\ndata: {\"a\":1}\n\r\n"
                                  "15\r\n\ndata: {\"b\":22}\n\ndata\r\n"
                                  "a\r\n: [DONE]\n\n\r\n"
                                  "0\r\n\r\n";
    const std::string_view expected = "data: {\"a\":1}\n\ndata: {\"b\":22}\n\ndata: [DONE]\n\n";
    for (const std::size_t window : {std::size_t{1}, std::size_t{5}, std::size_t{4096}})
        for (const std::size_t step : {std::size_t{1}, std::size_t{9}, wire.size()})
        {
            reply_parser parser(reply_parser::windowed);
            parser.eager(true);
            std::string chunk(window, '\0');
            std::string body;
            const auto take = [&] {
                body.append(chunk.data(), window - parser.window_left());
                parser.lend_window(chunk.data(), window);
                return true;
            };
            parser.lend_window(chunk.data(), window);
            BOOST_TEST_REQUIRE(!gemini::test::feed_parser(parser, wire, [step] { return step; }, take));
            BOOST_TEST_REQUIRE(parser.is_done());
            take();
            BOOST_TEST(body == expected);
            BOOST_TEST(parser.body().empty());
            BOOST_TEST(parser.info().status == 200u);
            BOOST_TEST(parser.info().header("content-type") == "text/event-stream");
            BOOST_TEST(parser.keep_alive());
        }
}

BOOST_AUTO_TEST_CASE(a_windowed_body_waits_for_a_window)
{
    const std::string_view wire = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef";
    reply_parser parser(reply_parser::windowed);   // not eager: the first put stops after the header
    boost::system::error_code ec;
    const std::size_t head = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST_REQUIRE(parser.is_header_done());
    std::string_view rest = wire.substr(head);
    BOOST_TEST_REQUIRE(rest == "abcdef");
    BOOST_TEST(parser.put(boost::asio::buffer(rest.data(), rest.size()), ec) == 0u);
    BOOST_TEST(ec == make_error_code(http::error::need_buffer));
    char window[4];
    parser.lend_window(window, sizeof window);
    const std::size_t first = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    BOOST_TEST(first == 4u);
    BOOST_TEST(ec == make_error_code(http::error::need_buffer));
    BOOST_TEST(std::string_view(window, 4) == "abcd");
    rest.remove_prefix(first);
    parser.lend_window(window, sizeof window);
    BOOST_TEST(parser.put(boost::asio::buffer(rest.data(), rest.size()), ec) == 2u);
    BOOST_TEST(!ec);
    BOOST_TEST(parser.is_done());
    BOOST_TEST(parser.window_left() == 2u);
    BOOST_TEST(std::string_view(window, 2) == "ef");
}

BOOST_AUTO_TEST_SUITE_END()
