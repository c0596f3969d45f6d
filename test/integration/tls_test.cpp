// Certificates the client must refuse, and plain HTTP rules.

#include "common/scoped_env.hpp"
#include "integration/fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;

namespace {

gemini::error_code create_once(emulator_fixture& f, gemini::client& c, gemini::diagnostics* diag = nullptr)
{
    gemini::error_code result;
    f.run([&]() -> asio::awaitable<void> {
        gemini::request_options ro;
        ro.diagnostics_out = diag;
        auto op = c.async_create({.model = "m", .input = "x"}, ro, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(op);
        result = ec;
    }());
    return result;
}

// A create on a connection that the server closes after answering ("connection: close"), so
// that the next call opens a new one.
void create_on_a_closing_connection(emulator_fixture& f, gemini::client& c)
{
    f.run([&]() -> asio::awaitable<void> {
        gemini::request_options ro;
        ro.headers = {{"connection", "close"}};
        auto op = c.create({.model = "m", .input = "x"}, ro);
        auto answer = co_await std::move(op);
        BOOST_TEST(!answer.output_text().empty());
    }());
}

} // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(new_connections_resume_the_hosts_tls_session)
{
    emulator_fixture f;
    auto c = f.make_client();
    for (int i = 0; i < 3; ++i)
        create_on_a_closing_connection(f, c);
    BOOST_TEST(f.server.stats().tls_handshakes == 3u);
    BOOST_TEST(f.server.stats().tls_resumed == 2u);   // the first one had nothing to resume
    BOOST_TEST(c.pool_statistics().created_total == 3u);
    BOOST_TEST(c.pool_statistics().resumed_total == 2u);
}

BOOST_AUTO_TEST_CASE(the_client_offers_aes_128_gcm_first)
{
    emulator_fixture f;
    auto c = f.make_client();
    BOOST_TEST(!create_once(f, c));
    const auto log = f.server.request_log();
    BOOST_REQUIRE(!log.empty());
    BOOST_TEST(log.back().tls_cipher == "TLS_AES_128_GCM_SHA256");   // OpenSSL's own order: AES-256
}

BOOST_AUTO_TEST_CASE(tls_session_resumption_can_be_turned_off)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.pool.tls_session_resumption = false;
    auto c = f.make_client(settings);
    for (int i = 0; i < 2; ++i)
        create_on_a_closing_connection(f, c);
    BOOST_TEST(f.server.stats().tls_handshakes == 2u);
    BOOST_TEST(f.server.stats().tls_resumed == 0u);
    BOOST_TEST(c.pool_statistics().resumed_total == 0u);
}

BOOST_AUTO_TEST_CASE(untrusted_self_signed_certificate_is_refused)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.ca_pem.clear();
    auto c = f.make_client(settings);
    gemini::diagnostics diag;
    BOOST_TEST(create_once(f, c, &diag) == gemini::errc::tls_failed);
    BOOST_TEST(gemini::is_transport_error(make_error_code(gemini::errc::tls_failed)));
    BOOST_TEST(diag.library_message.find("TLS handshake") != std::string::npos);
    BOOST_TEST(f.server.stats().api_requests == 0u);
}

BOOST_AUTO_TEST_CASE(host_name_mismatch_is_refused)
{
    gemini::emulator::options opts;
    opts.cert = gemini::emulator::make_self_signed_certificate({"api.example.test"});
    emulator_fixture f(opts);
    auto c = f.make_client();   // trusts the certificate, but it does not name 127.0.0.1
    BOOST_TEST(create_once(f, c) == gemini::errc::tls_failed);
    BOOST_TEST(f.server.stats().api_requests == 0u);
}

BOOST_AUTO_TEST_CASE(expired_certificate_is_refused)
{
    gemini::emulator::options opts;
    opts.cert = gemini::emulator::make_self_signed_certificate({"localhost", "127.0.0.1"}, true);
    emulator_fixture f(opts);
    auto c = f.make_client();
    BOOST_TEST(create_once(f, c) == gemini::errc::tls_failed);
}

BOOST_AUTO_TEST_CASE(localhost_name_is_verified_with_sni)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.base_url = "https://localhost:" + std::to_string(f.server.port());
    auto c = f.make_client(settings);
    BOOST_TEST(!create_once(f, c));
}

BOOST_AUTO_TEST_CASE(plain_http_only_to_loopback)
{
    gemini::emulator::options opts;
    opts.tls = false;
    emulator_fixture f(opts);
    auto c = f.make_client();
    BOOST_TEST(!create_once(f, c));

    auto remote = f.client_settings();
    remote.base_url = "http://example.com";
    try
    {
        gemini::client refused(f.ioc.get_executor(), remote);
        BOOST_FAIL("plain HTTP to a remote host was accepted");
    }
    catch (const gemini::error& e)
    {
        BOOST_TEST(e.code() == gemini::errc::insecure_transport);
    }
}

BOOST_AUTO_TEST_CASE(connection_refused_is_a_connect_failure)
{
    std::uint16_t port;
    {
        gemini::emulator::server closed_soon;
        port = closed_soon.port();
    }
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.base_url = "https://127.0.0.1:" + std::to_string(port);
    auto c = f.make_client(settings);
    BOOST_TEST(create_once(f, c) == gemini::errc::connect_failed);
    BOOST_TEST(c.pool_statistics().open == 0u);
}

// The system's CA file (SSL_CERT_FILE here) is trusted as before, but read when a verification
// first needs it, not when the client is made: a client made while the file does not exist
// trusts what it holds once it does, and one whose file is still missing is refused cleanly.
BOOST_AUTO_TEST_CASE(the_system_ca_file_is_read_when_a_verification_first_needs_it)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.ca_pem.clear();
    const auto dir = std::filesystem::temp_directory_path();
    const auto later = dir / ("gemini-ca-later-" + std::to_string(::getpid()) + ".pem");
    const auto never = dir / ("gemini-ca-never-" + std::to_string(::getpid()) + ".pem");
    std::filesystem::remove(later);
    std::filesystem::remove(never);
    std::optional<gemini::client> trusting, refused;
    {
        gemini::test::scoped_env file("SSL_CERT_FILE", later.string());
        trusting.emplace(f.ioc.get_executor(), settings);
    }
    {
        gemini::test::scoped_env file("SSL_CERT_FILE", never.string());
        refused.emplace(f.ioc.get_executor(), settings);
    }
    {
        std::ofstream out(later);
        out << f.server.ca_pem();
    }
    BOOST_TEST(!create_once(f, *trusting));
    gemini::diagnostics diag;
    BOOST_TEST(create_once(f, *refused, &diag) == gemini::errc::tls_failed);
    BOOST_TEST(diag.library_message.find("TLS handshake") != std::string::npos, diag.library_message);
    BOOST_TEST(f.server.stats().api_requests == 1u);
    std::filesystem::remove(later);
}

BOOST_AUTO_TEST_SUITE_END()
