// Fault rules with `probability=` and `seed=`: a seeded random schedule of faults (the soak run,
// bench/soak.cpp, uses it), driven through the sans-io service.
#include "emulator/service.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace detail = gemini::emulator::detail;

namespace {

// The statuses of n creates through a fresh service with `rule`.
std::vector<unsigned> statuses(const std::string& rule, int n) {
  gemini::emulator::options opts;
  opts.tls = false;
  opts.fault_rules = {rule};
  detail::service svc(opts);
  detail::http_request req;
  req.method = "POST";
  req.target = "/v1beta/interactions";
  req.headers.emplace_back("x-goog-api-key", "k");
  req.headers.emplace_back("content-type", "application/json");
  req.body = R"({"model":"gemini-3.5-flash","input":"hi","store":false})";
  std::vector<unsigned> out;
  for (int i = 0; i < n; ++i) out.push_back(svc.handle(req).status);
  BOOST_TEST(svc.faults_injected.load() == static_cast<std::uint64_t>(std::count(out.begin(), out.end(), 503u)));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_fault_probability)

BOOST_AUTO_TEST_CASE(seeded_schedule_is_reproducible_and_near_the_rate) {
  const auto a = statuses("route=create;probability=0.3;seed=5;status=503", 400);
  const auto b = statuses("route=create;probability=0.3;seed=5;status=503", 400);
  const auto c = statuses("route=create;probability=0.3;seed=6;status=503", 400);
  BOOST_TEST(a == b);
  BOOST_TEST(a != c);
  const auto faulted = std::count(a.begin(), a.end(), 503u);
  BOOST_TEST(faulted > 80);   // expected 120; the bounds are 4 standard deviations away
  BOOST_TEST(faulted < 160);
  BOOST_TEST(std::count(a.begin(), a.end(), 200u) == 400 - faulted);
}

BOOST_AUTO_TEST_CASE(bounds_and_window) {
  const auto never = statuses("route=create;probability=0;status=503", 50);
  BOOST_TEST(std::count(never.begin(), never.end(), 503u) == 0);
  const auto always = statuses("route=create;probability=1;status=503", 20);
  BOOST_TEST(std::count(always.begin(), always.end(), 503u) == 20);
  // The window (skip / times) still applies: only requests 11..20 may be faulted.
  const auto windowed = statuses("route=create;skip=10;times=10;probability=0.5;status=503", 40);
  for (std::size_t i = 0; i < windowed.size(); ++i)
    if (i < 10 || i >= 20) BOOST_TEST(windowed[i] == 200u);
  BOOST_CHECK_THROW(detail::parse_fault_rule("probability=1.5;status=503"), std::invalid_argument);
  BOOST_CHECK_THROW(detail::parse_fault_rule("probability=-0.1;status=503"), std::invalid_argument);
  BOOST_CHECK_THROW(detail::parse_fault_rule("probability=x;status=503"), std::invalid_argument);
  BOOST_CHECK_THROW(detail::parse_fault_rule("seed=-1;status=503"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// Inputs the fuzz target test/fuzz/fuzz_emulator.cpp found (their files are in
// test/fuzz/corpus/emulator/regression-*).
BOOST_AUTO_TEST_SUITE(emulator_fuzz_regressions)

BOOST_AUTO_TEST_CASE(error_bodies_stay_valid_json_when_they_echo_invalid_utf8) {
  gemini::emulator::options opts;
  opts.tls = false;
  detail::service svc(opts);
  detail::http_request req;
  req.method = "POST";
  req.target = "/emulator/faults";
  req.body = "route=create;times=1;\xF3tatus=503";
  const auto reply = svc.handle(req);
  BOOST_TEST(reply.status == 400u);
  boost::system::error_code ec;
  const auto body = boost::json::parse(reply.body, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(std::string(body.at("error").at("message").as_string()).find("\xEF\xBF\xBDtatus") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_id_suffix_that_is_not_utf8_is_refused) {
  gemini::emulator::options opts;
  opts.tls = false;
  detail::service svc(opts);
  detail::http_request req;
  req.method = "POST";
  req.target = "/v1beta/interactions";
  req.headers.emplace_back("x-goog-api-key", "k");
  req.headers.emplace_back("x-emulator-id-suffix", "\xA4\xA4" "abc");
  req.body = R"({"model":"gemini-3.5-flash","input":"hi","stream":true})";
  const auto refused = svc.handle(req);
  BOOST_TEST(refused.status == 400u);
  BOOST_TEST(!refused.stream.has_value());
  BOOST_TEST(svc.stored() == 0u);
  std::erase_if(req.headers, [](const auto& h) { return h.first == "x-emulator-id-suffix"; });
  req.headers.emplace_back("x-emulator-id-suffix", "/a b?\xC3\xA9");   // UTF-8 is kept verbatim
  BOOST_TEST(svc.handle(req).status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
