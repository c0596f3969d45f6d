// The fault items the fault matrix needs beyond the basic ones: abortive closes (reset),
// oversized bodies and events (pad), invalid UTF-8 (bad-utf8), a broken stream event
// (malformed on a stream).
#include "emulator/service.hpp"
#include "emulator/test_client.hpp"

#include <boost/test/unit_test.hpp>

using namespace emu_test;
namespace emu = gemini::emulator;
namespace detail = gemini::emulator::detail;

namespace {

json::object streamed(std::string input) {
  auto r = model_request(std::move(input));
  r["stream"] = true;
  return r;
}

bool valid_json(std::string_view text) {
  boost::system::error_code ec;
  json::parse(text, ec);
  return !ec;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_fault_injection)

BOOST_AUTO_TEST_CASE(items_parse_and_inject) {
  const auto f = detail::parse_fault("pad=4;bad-utf8;reset");
  BOOST_TEST(f.reset);
  BOOST_TEST(f.pad.value_or(0) == 4u);
  BOOST_TEST(f.bad_utf8);
  BOOST_TEST(detail::injected_member(detail::parse_fault("pad=3")) == "\"padding\":\"xxx\"");
  BOOST_TEST(detail::inject_member("{\"a\":1}", "\"p\":2") == "{\"p\":2,\"a\":1}");
  BOOST_TEST(detail::inject_member("{}", "\"p\":2") == "{\"p\":2}");
  BOOST_TEST(detail::inject_member("{}", "") == "{}");
  detail::stream_fault sf;
  sf.inject = "\"p\":1";
  BOOST_TEST(detail::faulted_frame(sf, "event: x\ndata: {\"a\":1}\n\n", false) == "event: x\ndata: {\"p\":1,\"a\":1}\n\n");
  BOOST_TEST(detail::faulted_frame(sf, "event: x\ndata: {}\n\n", true) == "event: x\ndata: {\"p\":1}\n\n");
  sf.malformed = true;
  BOOST_TEST(detail::faulted_frame(sf, "event: x\ndata: {}\n\n", true) == "event: x\ndata: <<malformed{\"p\":1}\n\n");
  BOOST_CHECK_THROW(detail::parse_fault("reset=1"), std::invalid_argument);
  BOOST_CHECK_THROW(detail::parse_fault("pad"), std::invalid_argument);
  BOOST_CHECK_NO_THROW(detail::parse_fault_rule("route=create;malformed;after-events=2"));
  detail::stream_fault misindexed;
  misindexed.misindex = true;
  BOOST_TEST(detail::faulted_frame(misindexed, "data: {\"index\":3,\"event_type\":\"step.stop\"}\n\n", true) ==
             "data: {\"index\":99993,\"event_type\":\"step.stop\"}\n\n");
  BOOST_TEST(detail::faulted_frame(misindexed, "data: {\"index\":3}\n\n", false) == "data: {\"index\":3}\n\n");
  BOOST_TEST(detail::faulted_frame(misindexed, "data: {}\n\n", true) == "data: {}\n\n");
  BOOST_TEST(detail::parse_fault_rule("route=create;misindex;after-events=7").what.stream.misindex);
  BOOST_CHECK_THROW(detail::parse_fault("misindex=1"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pad_and_bad_utf8_on_unary_bodies) {
  emu::server srv;
  client c(srv);
  auto padded = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "pad=5000"}});
  BOOST_TEST(padded.status == 200u);
  BOOST_TEST(padded.body.size() > 5000u);
  BOOST_TEST(valid_json(padded.body));

  auto bad = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "bad-utf8"}});
  BOOST_TEST(bad.status == 200u);
  BOOST_TEST(bad.body.find("\xC3\x28") != std::string::npos);
  BOOST_TEST(!valid_json(bad.body));   // Boost.JSON validates UTF-8
}

BOOST_AUTO_TEST_CASE(interim_responses_come_first) {
  emu::server srv;
  client c(srv);
  // The test client reads one message: the interim one, with no body. The answer follows it.
  auto early = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "interim=103"}});
  BOOST_TEST(early.status == 103u);
  BOOST_TEST(early.header(http::field::link).find("rel=preload") != std::string::npos);
  BOOST_TEST(early.body.empty());
  for (const char* bad : {"interim=101", "interim=200", "interim=99", "interim"})
    BOOST_CHECK_THROW(detail::parse_fault(bad), std::invalid_argument);
  BOOST_TEST(detail::parse_fault("interim=100").interim.value_or(0) == 100u);
}

BOOST_AUTO_TEST_CASE(reset_closes_with_rst) {
  emu::server srv;
  client c(srv);
  auto r = c.post("/v1beta/interactions", model_request("hi"), {{"x-emulator-fault", "close;reset"}});
  BOOST_TEST(r.ec == boost::asio::error::connection_reset, r.ec.message());
  BOOST_TEST(srv.stats().interactions_stored == 0u);
}

BOOST_AUTO_TEST_CASE(stream_events_padded_or_broken) {
  emu::server srv;
  {
    client c(srv);
    BOOST_TEST_REQUIRE(c.begin_stream_post("/v1beta/interactions", streamed("hi"), {{"x-emulator-fault", "pad=100"}}) ==
                       200u);
    auto events = c.read_events();
    BOOST_TEST_REQUIRE(events.size() > 3u);
    for (const auto& e : events)
      if (e.data != "[DONE]") {
        BOOST_TEST(e.data.find("\"padding\":\"" + std::string(100, 'x') + "\"") != std::string::npos);
        BOOST_TEST(valid_json(e.data));
      }
  }
  {
    client c(srv);
    BOOST_TEST_REQUIRE(c.begin_stream_post("/v1beta/interactions", streamed("hi"),
                                           {{"x-emulator-fault", "malformed;after-events=1"}}) == 200u);
    auto events = c.read_events();
    BOOST_TEST_REQUIRE(events.size() > 2u);
    BOOST_TEST(valid_json(events[0].data));
    BOOST_TEST(!valid_json(events[1].data));
    BOOST_TEST(valid_json(events[2].data));
  }
}

BOOST_AUTO_TEST_SUITE_END()
