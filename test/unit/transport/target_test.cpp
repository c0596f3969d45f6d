#include "transport/target.hpp"

#include <boost/test/unit_test.hpp>

using gemini::detail::target;

BOOST_AUTO_TEST_SUITE(transport_target)

BOOST_AUTO_TEST_CASE(https_defaults)
{
    auto t = target::parse("https://generativelanguage.googleapis.com");
    BOOST_TEST(t.tls);
    BOOST_TEST(t.host == "generativelanguage.googleapis.com");
    BOOST_TEST(t.port == "443");
    BOOST_TEST(t.host_header == "generativelanguage.googleapis.com");
    BOOST_TEST(t.base_path == "");
    BOOST_TEST(!t.host_is_ip);
}

BOOST_AUTO_TEST_CASE(port_path_prefix_and_ip_literals)
{
    auto t = target::parse("https://127.0.0.1:8443/proxy/");
    BOOST_TEST(t.port == "8443");
    BOOST_TEST(t.base_path == "/proxy");
    BOOST_TEST(t.host_is_ip);
    BOOST_TEST(t.host_header == "127.0.0.1:8443");

    auto v6 = target::parse("http://[::1]:9000");
    BOOST_TEST(v6.host == "::1");
    BOOST_TEST(!v6.tls);
    BOOST_TEST(v6.host_is_ip);
}

BOOST_AUTO_TEST_CASE(plain_http_only_to_loopback)
{
    BOOST_CHECK_NO_THROW(target::parse("http://localhost:8080"));
    BOOST_CHECK_NO_THROW(target::parse("http://127.0.0.5"));
    try
    {
        target::parse("http://10.0.0.1");
        BOOST_FAIL("accepted");
    }
    catch (const gemini::error& e)
    {
        BOOST_TEST(e.code() == gemini::errc::insecure_transport);
    }
}

BOOST_AUTO_TEST_CASE(rejects_unusable_urls)
{
    for (const char* bad : {"", "not a url", "ftp://host", "https://user:pw@host", "https://host/?q=1", "https://"})
    {
        BOOST_TEST_CONTEXT(bad)
        {
            BOOST_CHECK_THROW(target::parse(bad), gemini::error);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
