// The request as the client writes it: request line, header block and Content-Length framed as
// Beast's serializer would, header text that cannot add lines of its own, large bodies not copied.
#include "transport/outgoing_request.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

namespace http = boost::beast::http;
using gemini::detail::outgoing_request;

namespace {

/// The bytes a server would receive, read back with Beast's parser.
http::request<http::string_body> received(const outgoing_request& req)
{
    const std::string wire = std::string(req.bytes()) + std::string(req.rest());
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    boost::system::error_code ec;
    const auto used = parser.put(boost::asio::buffer(wire), ec);
    BOOST_REQUIRE(!ec);
    BOOST_REQUIRE(parser.is_done());
    BOOST_TEST(used == wire.size());
    return parser.release();
}

} // namespace

BOOST_AUTO_TEST_SUITE(transport_outgoing_request)

BOOST_AUTO_TEST_CASE(a_post_with_its_body_in_one_buffer)
{
    outgoing_request req(http::verb::post, "/v1beta/interactions");
    BOOST_TEST(req.add_header("Host", "example.com:8443"));
    BOOST_TEST(req.add_header("x-goog-api-key", "k"));
    req.finish(R"({"model":"m"})");
    BOOST_TEST(req.rest().empty());
    BOOST_TEST(req.bytes() == "POST /v1beta/interactions HTTP/1.1\r\nHost: example.com:8443\r\nx-goog-api-key: k\r\n"
                              "Content-Length: 13\r\n\r\n{\"model\":\"m\"}");
    const auto got = received(req);
    BOOST_TEST(got.body() == R"({"model":"m"})");
    BOOST_TEST(got.keep_alive());
}

BOOST_AUTO_TEST_CASE(content_length_as_beast_would_set_it)
{
    // No body: none on GET and DELETE, 0 on POST (a POST without one would be refused by proxies).
    for (const auto verb : {http::verb::get, http::verb::delete_})
    {
        outgoing_request req(verb, "/x");
        req.finish({});
        BOOST_TEST(std::string(req.bytes()).find("Content-Length") == std::string::npos);
        BOOST_TEST(received(req).method() == verb);
    }
    outgoing_request post(http::verb::post, "/x/cancel");
    post.finish({});
    BOOST_TEST(post.bytes().ends_with("\r\nContent-Length: 0\r\n\r\n"));
}

BOOST_AUTO_TEST_CASE(a_large_body_is_sent_from_where_it_is)
{
    const std::string body(outgoing_request::max_inline_body + 1, 'b');
    outgoing_request req(http::verb::post, "/upload");
    req.finish(body);
    BOOST_TEST(static_cast<const void*>(req.rest().data()) == static_cast<const void*>(body.data()));
    BOOST_TEST(req.rest().size() == body.size());
    BOOST_TEST(req.bytes().ends_with("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
    BOOST_TEST(received(req).body() == body);

    const std::string fits(outgoing_request::max_inline_body, 'f');
    outgoing_request inline_req(http::verb::post, "/upload");
    inline_req.finish(fits);
    BOOST_TEST(inline_req.rest().empty());
}

BOOST_AUTO_TEST_CASE(header_text_cannot_add_lines_of_its_own)
{
    outgoing_request req(http::verb::get, "/x");
    BOOST_TEST(!req.add_header("x-a", "v\r\nx-injected: 1"));
    BOOST_TEST(!req.add_header("x-a", "v\n"));
    BOOST_TEST(!req.add_header("x-a", std::string("v\0", 2)));
    BOOST_TEST(!req.add_header("x-a", "v\x7f"));
    BOOST_TEST(!req.add_header("x a", "v"));
    BOOST_TEST(!req.add_header("x:a", "v"));
    BOOST_TEST(!req.add_header("", "v"));
    BOOST_TEST(!req.add_header("x\xc3\xa9", "v"));
    // Tabs, UTF-8 and the token punctuation are fine.
    BOOST_TEST(req.add_header("x-Tok!#$%&'*+.^_`|~9", "a\tb caf\xc3\xa9"));
    req.finish({});
    const auto got = received(req);
    BOOST_TEST(got["x-Tok!#$%&'*+.^_`|~9"] == "a\tb caf\xc3\xa9");
    BOOST_TEST(std::distance(got.begin(), got.end()) == 1);
}

// Values are checked eight bytes at a time: a forbidden byte is found at every position of a
// long value, and tabs, bytes above 0x7F and 0x20 itself pass wherever they are.
BOOST_AUTO_TEST_CASE(a_forbidden_byte_is_found_anywhere_in_a_long_value)
{
    const std::string base(40, 'a');
    for (std::size_t at = 0; at < base.size(); ++at)
        for (const char bad : {'\r', '\n', '\0', '\x1f', '\x7f'})
        {
            std::string value = base;
            value[at] = bad;
            outgoing_request req(http::verb::get, "/x");
            BOOST_TEST(!req.add_header("x-a", value), "byte " << int(bad) << " at " << at);
        }
    std::string fine = base;
    for (std::size_t at = 1; at < fine.size(); at += 3)   // not first: received values are trimmed
        fine[at] = "\t\x80\xff \x7e"[at % 5];
    outgoing_request req(http::verb::get, "/x");
    BOOST_TEST(req.add_header("x-a", fine));
    req.finish({});
    BOOST_TEST(received(req)["x-a"] == fine);
}

BOOST_AUTO_TEST_CASE(moving_keeps_the_bytes_and_empties_the_source)
{
    outgoing_request a(http::verb::post, "/x");
    a.add_header("x-goog-api-key", "secret");
    a.finish("{}");
    const std::string expected(a.bytes());
    outgoing_request b(std::move(a));
    BOOST_TEST(b.bytes() == expected);
    BOOST_TEST(a.bytes().empty());   // NOLINT(bugprone-use-after-move): outgoing_request empties its source
    outgoing_request c(http::verb::get, "/y");
    c = std::move(b);
    BOOST_TEST(c.bytes() == expected);
}

BOOST_AUTO_TEST_SUITE_END()
