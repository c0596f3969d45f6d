// A whole response as the client reads it: status, every header field in the order received
// (repeated names kept), the body with the chunked coding removed, the body limit enforced, and
// whether the connection may carry another request.
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

BOOST_AUTO_TEST_SUITE_END()
