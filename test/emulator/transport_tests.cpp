// Fault injection, connection statistics, idle handling, certificates and plain HTTP.
#include "emulator/test_client.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

using namespace emu_test;
namespace emu = gemini::emulator;

BOOST_AUTO_TEST_SUITE(emulator_faults)

BOOST_AUTO_TEST_CASE(header_fault_rpc_shape_with_retry_hints) {
  emu::server srv;
  client c(srv);
  auto r = c.post("/v1beta/interactions", model_request("hi"),
                  {{"x-emulator-fault", "status=503;shape=rpc;retry-after=2;retry-delay=2;retry-after-ms=1500"}});
  BOOST_TEST(r.status == 503u);
  BOOST_TEST(r.content_type == "application/json");
  BOOST_TEST(r.header("Retry-After") == "2");
  BOOST_TEST(r.header("retry-after-ms") == "1500");
  auto e = r.obj().at("error").as_object();
  BOOST_TEST(e.at("code").as_int64() == 503);
  BOOST_TEST(e.at("status").as_string() == "UNAVAILABLE");
  const auto& d = e.at("details").as_array().at(0).as_object();
  BOOST_TEST(d.at("@type").as_string() == "type.googleapis.com/google.rpc.RetryInfo");
  BOOST_TEST(d.at("retryDelay").as_string() == "2s");
  BOOST_TEST(srv.stats().interactions_stored == 0u);  // the request never reached the service
  BOOST_TEST(srv.stats().faults_injected == 1u);
}

BOOST_AUTO_TEST_CASE(header_fault_flat_shape) {
  emu::server srv;
  client c(srv);
  auto r = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "status=429"}});
  BOOST_TEST(r.status == 429u);
  BOOST_TEST(error_code_of(r) == "rate_limit_exceeded");
  auto q = c.post("/v1beta/interactions", model_request("hi"),
                  {{"x-emulator-fault", "status=429;code=quota_exceeded;message=daily limit"}});
  BOOST_TEST(error_code_of(q) == "quota_exceeded");
  BOOST_TEST(q.obj().at("error").at("message").as_string() == "daily limit");
  auto bad = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "status=abc"}});
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(error_code_of(bad) == "invalid_request");
}

BOOST_AUTO_TEST_CASE(counting_rules_apply_per_server) {
  emu::options o;
  o.fault_rules = {"route=create;times=2;status=503"};
  emu::server srv(o);
  client c(srv);
  BOOST_TEST(c.post("/v1beta/interactions", model_request("1")).status == 503u);
  BOOST_TEST(c.get("/v1beta/interactions/v1_x").status == 404u);  // other routes untouched
  BOOST_TEST(c.post("/v1/interactions", model_request("2")).status == 503u);
  BOOST_TEST(c.post("/v1beta/interactions", model_request("3")).status == 200u);
  BOOST_TEST(c.post("/v1beta/interactions", model_request("4")).status == 200u);

  emu::server other(o);  // a second server counts on its own
  client c2(other);
  BOOST_TEST(c2.post("/v1beta/interactions", model_request("1")).status == 503u);

  srv.add_fault_rule("method=GET;path=/v1beta/interactions/*;skip=1;times=1;status=500;shape=rpc");
  BOOST_TEST(c.get("/v1beta/interactions/v1_x").status == 404u);
  BOOST_TEST(c.get("/v1beta/interactions/v1_x").status == 500u);
  BOOST_TEST(c.get("/v1beta/interactions/v1_x").status == 404u);

  // Control endpoint adds a rule; DELETE clears them all.
  BOOST_TEST(c.request(http::verb::post, "/emulator/faults", "route=delete;status=501", {}, false).status == 200u);
  BOOST_TEST(c.request(http::verb::delete_, "/v1beta/interactions/v1_x").status == 501u);
  BOOST_TEST(c.request(http::verb::post, "/emulator/faults", "bogus=1", {}, false).status == 400u);
  BOOST_TEST(c.request(http::verb::delete_, "/emulator/faults", "", {}, false).status == 200u);
  BOOST_TEST(c.request(http::verb::delete_, "/v1beta/interactions/v1_x").status == 404u);

  BOOST_CHECK_THROW(srv.add_fault_rule("route=nowhere;status=500"), std::invalid_argument);
  emu::options bad;
  bad.fault_rules = {"times=1"};
  BOOST_CHECK_THROW(emu::server{bad}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(close_truncate_malformed_content_type) {
  emu::server srv;
  client c(srv);
  auto closed = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "close"}});
  BOOST_TEST(closed.ec.failed());
  BOOST_TEST(srv.stats().interactions_stored == 0u);
  // close=after: the request runs, then the connection closes unanswered.
  auto lost = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "close=after"}});
  BOOST_TEST(lost.ec.failed());
  BOOST_TEST(srv.stats().interactions_stored == 1u);
  BOOST_TEST(c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "close=later"}}).status == 400u);

  auto cut = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "truncate"}});
  BOOST_TEST((cut.ec == http::error::partial_message || cut.ec == ssl::error::stream_truncated));
  auto cut10 = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "status=503;truncate=10"}});
  BOOST_TEST((cut10.ec == http::error::partial_message || cut10.ec == ssl::error::stream_truncated));

  auto junk = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "malformed"}});
  BOOST_TEST(junk.status == 200u);
  boost::system::error_code ec;
  json::parse(junk.body, ec);
  BOOST_TEST(ec.failed());

  auto html = c.post("/v1beta/interactions", model_request("hi"),
                     {{"x-emulator-fault", "status=502;content-type=text/html"}});
  BOOST_TEST(html.status == 502u);
  BOOST_TEST(html.content_type == "text/html");
  BOOST_TEST(c.connected());
}

BOOST_AUTO_TEST_CASE(delay_is_real_time) {
  emu::server srv;
  client c(srv);
  const auto start = std::chrono::steady_clock::now();
  auto r = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "delay-ms=80"}});
  BOOST_TEST(r.status == 200u);  // delay alone: a normal answer, late
  BOOST_TEST((std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(80)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_connections)

BOOST_AUTO_TEST_CASE(statistics_and_keep_alive) {
  emu::server srv;
  {
    client a(srv), b(srv);
    for (int i = 0; i < 3; ++i) BOOST_TEST(a.post("/v1beta/interactions", model_request("x")).status == 200u);
    BOOST_TEST(b.get("/v1beta/interactions/v1_none").status == 404u);
    auto s = srv.stats();
    BOOST_TEST(s.connections_accepted == 2u);
    BOOST_TEST(s.connections_open == 2u);
    BOOST_TEST(s.max_connections_open == 2u);
    BOOST_TEST(s.tls_handshakes == 2u);
    BOOST_TEST(s.requests == 4u);
    BOOST_TEST(s.interactions_stored == 3u);
    auto j = a.request(http::verb::get, "/emulator/stats", "", {}, false);
    BOOST_TEST(j.obj().at("requests").to_number<int>() == 5);
  }
}

BOOST_AUTO_TEST_CASE(close_idle_connections_closes_keep_alive) {
  emu::server srv;
  client c(srv);
  BOOST_TEST(c.post("/v1beta/interactions", model_request("x")).status == 200u);
  BOOST_TEST(srv.stats().connections_open == 1u);
  srv.close_idle_connections();
  BOOST_TEST(srv.stats().connections_open == 0u);
  BOOST_TEST(c.wait_for_close().failed());
  BOOST_TEST(c.post("/v1beta/interactions", model_request("y")).status == 200u);
  BOOST_TEST(srv.stats().connections_accepted == 2u);
  srv.close_idle_connections();  // twice is fine
  srv.close_idle_connections();
  BOOST_TEST(srv.stats().connections_open == 0u);
}

BOOST_AUTO_TEST_CASE(close_idle_spares_busy_connections) {
  emu::server srv;
  client slow(srv);
  // A request that is being served (delayed 300 ms) is not closed by close_idle_connections.
  std::thread t([&] {
    auto r = slow.post("/v1beta/interactions", model_request("slow"), {{"x-emulator-fault", "delay-ms=300"}});
    BOOST_TEST(r.status == 200u);
  });
  while (srv.stats().requests == 0) std::this_thread::yield();
  srv.close_idle_connections();
  t.join();
  BOOST_TEST(srv.stats().connections_open == 1u);
}

BOOST_AUTO_TEST_CASE(idle_timeout_closes) {
  emu::options o;
  o.idle_timeout = std::chrono::milliseconds(50);
  emu::server srv(o);
  client c(srv);
  BOOST_TEST(c.post("/v1beta/interactions", model_request("x")).status == 200u);
  BOOST_TEST((c.wait_for_close(std::chrono::seconds(5)) != beast::error::timeout));
  BOOST_TEST(srv.stats().connections_open <= 1u);
}

BOOST_AUTO_TEST_CASE(connection_close_request) {
  emu::server srv;
  client c(srv);
  auto r = c.request(http::verb::post, "/v1beta/interactions", json::serialize(model_request("x")),
                     {{"Connection", "close"}});
  BOOST_TEST(r.status == 200u);
  BOOST_TEST(!c.connected());
}

BOOST_AUTO_TEST_CASE(plain_http) {
  emu::options o;
  o.tls = false;
  o.threads = 1;
  emu::server srv(o);
  BOOST_TEST(srv.base_url() == "http://127.0.0.1:" + std::to_string(srv.port()));
  BOOST_TEST(srv.ca_pem().empty());
  client c(srv, "k", false);
  BOOST_TEST(c.post("/v1/interactions", model_request("x")).status == 200u);
  BOOST_TEST(srv.stats().tls_handshakes == 0u);
  auto cut = c.post("/v1/interactions", model_request("x"), {{"x-emulator-fault", "truncate=5"}});
  BOOST_TEST((cut.ec == http::error::partial_message));
}

BOOST_AUTO_TEST_CASE(stop_is_idempotent) {
  emu::server srv;
  client c(srv);
  BOOST_TEST(c.post("/v1/interactions", model_request("x")).status == 200u);
  srv.stop();
  srv.stop();
  srv.close_idle_connections();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_certificate)

BOOST_AUTO_TEST_CASE(san_entries_and_no_key_in_ca_pem) {
  auto cert = emu::make_self_signed_certificate({"localhost", "127.0.0.1", "::1", "emu.test"});
  BOOST_TEST(cert.cert_pem.find("BEGIN CERTIFICATE") != std::string::npos);
  BOOST_TEST(cert.key_pem.find("PRIVATE KEY") != std::string::npos);
  BIO* bio = BIO_new_mem_buf(cert.cert_pem.data(), static_cast<int>(cert.cert_pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  BOOST_TEST_REQUIRE(x != nullptr);
  BOOST_TEST(X509_check_host(x, "localhost", 0, 0, nullptr) == 1);
  BOOST_TEST(X509_check_host(x, "emu.test", 0, 0, nullptr) == 1);
  BOOST_TEST(X509_check_host(x, "other.test", 0, 0, nullptr) == 0);
  BOOST_TEST(X509_check_ip_asc(x, "127.0.0.1", 0) == 1);
  BOOST_TEST(X509_check_ip_asc(x, "::1", 0) == 1);
  X509_free(x);

  emu::options o;
  o.cert = cert;
  emu::server srv(o);
  BOOST_TEST(srv.ca_pem() == cert.cert_pem);
  BOOST_TEST(srv.ca_pem().find("PRIVATE") == std::string::npos);
  client c(srv);
  BOOST_TEST(c.post("/v1beta/interactions", model_request("x")).status == 200u);
}

BOOST_AUTO_TEST_CASE(expired_certificate_is_rejected_by_a_verifying_client) {
  emu::options o;
  o.cert = emu::make_self_signed_certificate({"localhost", "127.0.0.1"}, true);
  emu::server srv(o);
  client c(srv);
  auto r = c.post("/v1beta/interactions", model_request("x"));
  BOOST_TEST(r.ec.failed());
  BOOST_TEST(srv.stats().tls_handshakes == 0u);
}

// The server's request reader (no Beast field list): a chunked body and header names in any
// case are read as a plain request's, and a body over the limit closes the connection.
BOOST_AUTO_TEST_CASE(chunked_bodies_mixed_case_names_and_the_body_limit) {
  emu::options o;
  o.tls = false;
  o.threads = 1;
  o.body_limit = 4096;
  emu::server srv(o);
  const auto exchange = [&](const std::string& raw) {
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect({asio::ip::make_address("127.0.0.1"), srv.port()});
    asio::write(s, asio::buffer(raw));
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(s, buf, res, ec);
    return std::make_pair(ec, res);
  };
  const std::string body = json::serialize(model_request("in two chunks"));
  const std::size_t half = body.size() / 2;
  const auto hex = [](std::size_t n) {
    char out[17];
    std::snprintf(out, sizeof out, "%zx", n);
    return std::string(out);
  };
  const std::string chunked = "POST /v1beta/interactions HTTP/1.1\r\nHost: localhost\r\nX-Goog-Api-Key: k\r\n"
                              "Content-Type: application/json\r\nX-Emulator-ID-Suffix: _Mixed\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n" +
                              hex(half) + "\r\n" + body.substr(0, half) + "\r\n" + hex(body.size() - half) + "\r\n" +
                              body.substr(half) + "\r\n0\r\n\r\n";
  const auto [ec, res] = exchange(chunked);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(res.result_int() == 200u, res.body());
  const auto answer = json::parse(res.body()).as_object();
  const std::string id(answer.at("id").as_string());
  BOOST_TEST(id.size() > 6u);
  BOOST_TEST(id.substr(id.size() - 6) == "_Mixed", id);
  BOOST_TEST(std::string(res.body()).find("in two chunks") != std::string::npos);

  const std::string big = "{\"model\":\"gemini-3.5-flash\",\"input\":\"" + std::string(5000, 'a') + "\"}";
  const std::string over = "POST /v1beta/interactions HTTP/1.1\r\nHost: localhost\r\nx-goog-api-key: k\r\n"
                           "Content-Type: application/json\r\nContent-Length: " +
                           std::to_string(big.size()) + "\r\n\r\n" + big;
  const auto [over_ec, over_res] = exchange(over);
  BOOST_TEST(over_ec.failed());  // closed unanswered
  BOOST_TEST(srv.stats().interactions_stored == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
