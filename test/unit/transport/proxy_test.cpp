// The proxy rules without I/O: URL parsing, NO_PROXY matching, precedence of options over the
// environment, the CONNECT request and the text of proxy errors.

#include "transport/proxy.hpp"

#include <boost/beast/http/write.hpp>
#include <boost/test/unit_test.hpp>

#include <sstream>

using namespace gemini::detail;

namespace {

target https_target(std::string url) { return target::parse(url); }

std::string serialized(const boost::beast::http::request<boost::beast::http::empty_body>& req)
{
    std::ostringstream out;
    out << req;
    return out.str();
}

gemini::errc parse_error(std::string_view url)
{
    try
    {
        parse_proxy_url(url, "test");
    }
    catch (const gemini::error& e)
    {
        return static_cast<gemini::errc>(e.code().value());
    }
    return gemini::errc{};
}

} // namespace

BOOST_AUTO_TEST_SUITE(proxy_rules)

BOOST_AUTO_TEST_CASE(proxy_urls)
{
    auto p = parse_proxy_url("http://proxy.corp:3128", "test");
    BOOST_TEST(p.host == "proxy.corp");
    BOOST_TEST(p.port == "3128");
    BOOST_TEST(p.authorization.empty());
    BOOST_TEST(p.display() == "proxy.corp:3128");

    p = parse_proxy_url("proxy.corp", "test");   // no scheme: http, curl's default port
    BOOST_TEST(p.host == "proxy.corp");
    BOOST_TEST(p.port == "1080");

    p = parse_proxy_url("http://[::1]:8080/", "test");
    BOOST_TEST(p.host == "::1");
    BOOST_TEST(p.display() == "[::1]:8080");

    // Percent-decoded credentials: "Aladdin:open sesame" is the RFC 7617 example.
    p = parse_proxy_url("http://Aladdin:open%20sesame@127.0.0.1:3128", "test");
    BOOST_TEST(p.authorization == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    BOOST_TEST(p.display() == "127.0.0.1:3128");
    p = parse_proxy_url("http://us%40er:p%3Ass@h:1", "test");   // user "us@er", password "p:ss"
    BOOST_TEST(p.authorization == "Basic dXNAZXI6cDpzcw==");

    BOOST_TEST((parse_error("https://proxy.corp:443") == gemini::errc::invalid_argument));
    BOOST_TEST((parse_error("socks5://proxy.corp:1080") == gemini::errc::invalid_argument));
    BOOST_TEST((parse_error("http://proxy.corp:3128/path") == gemini::errc::invalid_argument));
    BOOST_TEST((parse_error("http://:3128") == gemini::errc::invalid_argument));
    BOOST_TEST((parse_error("http://proxy.corp:0") == gemini::errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(invalid_proxy_url_errors_never_quote_the_password)
{
    for (const char* url : {"http://user:s3cr3t-pw@proxy%zz:1", "https://user:s3cr3t-pw@proxy:1",
                            "ftp://user:s3cr3t-pw@proxy:1", "http://user:s3cr3t-pw@proxy:1/x"})
    {
        try
        {
            parse_proxy_url(url, "HTTPS_PROXY");
            BOOST_FAIL("accepted " << url);
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::invalid_argument);
            BOOST_TEST(std::string(e.what()).find("s3cr3t") == std::string::npos, e.what());
            BOOST_TEST(std::string(e.what()).find("HTTPS_PROXY") != std::string::npos, e.what());
        }
    }
}

BOOST_AUTO_TEST_CASE(no_proxy_names_and_suffixes)
{
    BOOST_TEST(no_proxy_matches("*", "anything.example", "443"));
    BOOST_TEST(!no_proxy_matches("", "example.com", "443"));
    BOOST_TEST(!no_proxy_matches(" , ,", "example.com", "443"));

    BOOST_TEST(no_proxy_matches("example.com", "example.com", "443"));
    BOOST_TEST(no_proxy_matches("example.com", "api.example.com", "443"));
    BOOST_TEST(no_proxy_matches(".example.com", "example.com", "443"));
    BOOST_TEST(no_proxy_matches(".example.com", "a.b.example.com", "443"));
    BOOST_TEST(no_proxy_matches("*.example.com", "api.example.com", "443"));
    BOOST_TEST(no_proxy_matches("EXAMPLE.com", "Api.Example.COM.", "443"));
    BOOST_TEST(!no_proxy_matches("example.com", "notexample.com", "443"));
    BOOST_TEST(!no_proxy_matches("example.com", "example.com.evil", "443"));
    BOOST_TEST(!no_proxy_matches("ample.com", "www.example.com", "443"));

    BOOST_TEST(no_proxy_matches("intranet, localhost ,.corp", "svc.corp", "443"));
    BOOST_TEST(no_proxy_matches("intranet localhost", "localhost", "443"));   // white space separates too

    BOOST_TEST(no_proxy_matches("example.com:8443", "api.example.com", "8443"));
    BOOST_TEST(!no_proxy_matches("example.com:8443", "api.example.com", "443"));
}

BOOST_AUTO_TEST_CASE(no_proxy_ip_literals_and_ranges)
{
    BOOST_TEST(no_proxy_matches("127.0.0.1", "127.0.0.1", "443"));
    BOOST_TEST(!no_proxy_matches("127.0.0.1", "127.0.0.2", "443"));
    BOOST_TEST(!no_proxy_matches("127.0.0.1", "localhost", "443"));   // names are not resolved
    BOOST_TEST(!no_proxy_matches("0.1", "127.0.0.1", "443"));          // no textual suffix match for IPs
    BOOST_TEST(no_proxy_matches("127.0.0.1:8443", "127.0.0.1", "8443"));
    BOOST_TEST(!no_proxy_matches("127.0.0.1:8443", "127.0.0.1", "443"));

    BOOST_TEST(no_proxy_matches("::1", "::1", "443"));
    BOOST_TEST(no_proxy_matches("[::1]", "::1", "443"));
    BOOST_TEST(no_proxy_matches("[::1]:8443", "::1", "8443"));
    BOOST_TEST(!no_proxy_matches("[::1]:8443", "::1", "443"));

    BOOST_TEST(no_proxy_matches("10.0.0.0/8", "10.20.30.40", "443"));
    BOOST_TEST(!no_proxy_matches("10.0.0.0/8", "11.0.0.1", "443"));
    BOOST_TEST(!no_proxy_matches("10.0.0.0/8", "ten.example", "443"));
    BOOST_TEST(no_proxy_matches("fd00::/8", "fd12::1", "443"));
    BOOST_TEST(!no_proxy_matches("fd00::/8", "fe80::1", "443"));
}

BOOST_AUTO_TEST_CASE(option_wins_over_environment)
{
    const auto remote = https_target("https://generativelanguage.googleapis.com");
    proxy_environment env;
    env.https_proxy = "http://env-proxy:3128";
    env.https_proxy_name = "https_proxy";

    auto chosen = select_proxy(remote, std::nullopt, std::nullopt, env);
    BOOST_REQUIRE(chosen.has_value());
    BOOST_TEST(chosen->host == "env-proxy");

    chosen = select_proxy(remote, std::string("http://option-proxy:8080"), std::nullopt, env);
    BOOST_REQUIRE(chosen.has_value());
    BOOST_TEST(chosen->host == "option-proxy");

    BOOST_TEST(!select_proxy(remote, std::string(), std::nullopt, env).has_value());   // "": no proxy
    BOOST_TEST(!select_proxy(remote, std::nullopt, std::nullopt, proxy_environment{}).has_value());
}

BOOST_AUTO_TEST_CASE(no_proxy_precedence)
{
    const auto remote = https_target("https://generativelanguage.googleapis.com");
    proxy_environment env;
    env.https_proxy = "http://env-proxy:3128";
    env.no_proxy = ".googleapis.com";

    BOOST_TEST(!select_proxy(remote, std::nullopt, std::nullopt, env).has_value());
    // NO_PROXY from the environment also exempts hosts from an explicit proxy...
    BOOST_TEST(!select_proxy(remote, std::string("http://p:1"), std::nullopt, env).has_value());
    // ...unless the option's own list replaces it ("" proxies every host).
    BOOST_TEST(select_proxy(remote, std::string("http://p:1"), std::string(), env).has_value());
    BOOST_TEST(select_proxy(remote, std::nullopt, std::string("other.example"), env).has_value());
}

BOOST_AUTO_TEST_CASE(loopback_and_plain_http)
{
    proxy_environment env;
    env.https_proxy = "http://env-proxy:3128";
    for (const char* url : {"https://127.0.0.1:8443", "https://localhost:8443", "https://[::1]:8443"})
    {
        const auto local = https_target(url);
        BOOST_TEST(!select_proxy(local, std::nullopt, std::nullopt, env).has_value(), url);   // environment: direct
        BOOST_TEST(select_proxy(local, std::string("http://p:1"), std::string(), env).has_value(), url);   // explicit: proxied
    }
    const auto plain = https_target("http://127.0.0.1:8080");
    BOOST_TEST(!select_proxy(plain, std::string("http://p:1"), std::string(), env).has_value());
}

BOOST_AUTO_TEST_CASE(invalid_environment_proxy_is_an_error_when_used)
{
    proxy_environment env;
    env.https_proxy = "https://tls-proxy:443";
    env.https_proxy_name = "HTTPS_PROXY";
    BOOST_CHECK_THROW(select_proxy(https_target("https://api.example"), std::nullopt, std::nullopt, env),
                      gemini::error);
    // Not used for loopback, so not an error there.
    BOOST_TEST(!select_proxy(https_target("https://127.0.0.1:1"), std::nullopt, std::nullopt, env).has_value());
}

BOOST_AUTO_TEST_CASE(connect_request)
{
    auto p = parse_proxy_url("http://user:pass@proxy:3128", "test");
    auto text = serialized(make_connect_request(p, https_target("https://api.example.com")));
    BOOST_TEST(text.starts_with("CONNECT api.example.com:443 HTTP/1.1\r\n"), text);
    BOOST_TEST(text.find("Host: api.example.com:443\r\n") != std::string::npos, text);
    BOOST_TEST(text.find("Proxy-Authorization: Basic dXNlcjpwYXNz\r\n") != std::string::npos, text);

    p = parse_proxy_url("http://proxy:3128", "test");
    text = serialized(make_connect_request(p, https_target("https://[::1]:8443/prefix")));
    BOOST_TEST(text.starts_with("CONNECT [::1]:8443 HTTP/1.1\r\n"), text);
    BOOST_TEST(text.find("Proxy-Authorization") == std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(refusal_text)
{
    const auto where = https_target("https://api.example.com");
    auto with_credentials = parse_proxy_url("http://user:hunter2-secret@proxy:3128", "test");
    auto e = proxy_refused(with_credentials, where, 407, "Proxy Authentication Required");
    BOOST_TEST(e.code() == gemini::errc::proxy_failed);
    BOOST_TEST(e.http_status() == 407u);
    const std::string text = e.what();
    BOOST_TEST(text.find("407") != std::string::npos, text);
    BOOST_TEST(text.find("authentication required") != std::string::npos, text);
    BOOST_TEST(text.find("proxy:3128") != std::string::npos, text);
    BOOST_TEST(text.find("api.example.com:443") != std::string::npos, text);
    BOOST_TEST(text.find("hunter2") == std::string::npos, text);
    BOOST_TEST(text.find(with_credentials.authorization.substr(6)) == std::string::npos, text);

    auto forbidden = proxy_refused(parse_proxy_url("http://proxy:3128", "test"), where, 403, "Forbidden\r\nX: y");
    BOOST_TEST(forbidden.http_status() == 403u);
    BOOST_TEST(std::string(forbidden.what()).find('\n') == std::string::npos);
    BOOST_TEST(gemini::is_transport_error(forbidden.code()));
}

BOOST_AUTO_TEST_SUITE_END()
