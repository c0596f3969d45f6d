// The emulator's request log and the request extensions for chat and function-calling tests:
// x-emulator-extra-step, unknown steps in stateless histories, calls chained from results.
#include "emulator/test_client.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace emu_test;
namespace emu = gemini::emulator;

namespace {

constexpr const char* extra = R"({"type":"future_step","zeta":1,"alpha":{"b":2,"a":1}})";

json::object weather_request(std::string input) {
  auto r = model_request(std::move(input));
  r["tools"] = json::parse(R"([{"type":"function","name":"lookup","parameters":{"type":"object"}}])");
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_request_log)

BOOST_AUTO_TEST_CASE(logs_requests_without_credentials) {
  emu::server srv;
  client c(srv, "secret-key-123");
  auto r = c.post("/v1beta/interactions?key=secret-key-123&x=1", model_request("Hello"), {{"X-Custom", "yes"}});
  BOOST_TEST(r.status == 200u);
  auto bad = c.post("/v1beta/interactions", json::object{{"model", "m"}});  // no input: 400
  BOOST_TEST(bad.status == 400u);
  c.get("/emulator/stats");  // control: not logged

  auto log = srv.request_log();
  BOOST_REQUIRE(log.size() == 2u);
  BOOST_TEST(log[0].sequence == 1u);
  BOOST_TEST(log[1].sequence == 2u);
  BOOST_TEST(log[0].method == "POST");
  BOOST_TEST(log[0].target == "/v1beta/interactions?key=***&x=1");
  BOOST_TEST(log[0].body == json::serialize(model_request("Hello")));
  BOOST_TEST(log[0].status == 200u);
  BOOST_TEST(log[1].status == 400u);
  BOOST_TEST((log[0].time <= log[1].time));
  bool custom = false;
  for (const auto& [name, value] : log[0].headers) {
    BOOST_TEST(name != "x-goog-api-key");
    BOOST_TEST(name != "authorization");
    BOOST_TEST(value.find("secret-key-123") == std::string::npos);
    custom = custom || (name == "x-custom" && value == "yes");
  }
  BOOST_TEST(custom);
  srv.clear_request_log();
  BOOST_TEST(srv.request_log().empty());
}

BOOST_AUTO_TEST_CASE(logged_headers_keep_the_order_sent) {
  emu::server srv;
  client c(srv);
  c.post("/v1beta/interactions", model_request("Hello"), {{"X-Zeta", "1"}, {"X-Alpha", "2"}});
  const auto log = srv.request_log();
  BOOST_REQUIRE(log.size() == 1u);
  std::vector<std::string> names;
  for (const auto& [name, value] : log[0].headers) names.push_back(name);
  BOOST_REQUIRE(!names.empty());
  BOOST_TEST(names.front() == "host");  // the test client's first field; sorted, it came after content-*
  const auto zeta = std::find(names.begin(), names.end(), "x-zeta");
  const auto alpha = std::find(names.begin(), names.end(), "x-alpha");
  BOOST_REQUIRE((zeta != names.end() && alpha != names.end()));
  BOOST_TEST((zeta < alpha));
}

BOOST_AUTO_TEST_CASE(log_is_bounded_or_off) {
  emu::options bounded;
  bounded.request_log_limit = 2;
  emu::server srv(bounded);
  client c(srv);
  for (int i = 0; i < 3; ++i) c.post("/v1beta/interactions", model_request("n" + std::to_string(i)));
  auto log = srv.request_log();
  BOOST_REQUIRE(log.size() == 2u);
  BOOST_TEST(log[0].sequence == 2u);
  BOOST_TEST(log[1].body.find("n2") != std::string::npos);

  emu::options off;
  off.request_log_limit = 0;
  emu::server quiet(off);
  client q(quiet);
  q.post("/v1beta/interactions", model_request("x"));
  BOOST_TEST(quiet.request_log().empty());
}

BOOST_AUTO_TEST_CASE(extra_step_is_generated_verbatim_and_replays) {
  emu::server srv;
  client c(srv);
  auto r = c.post("/v1beta/interactions", model_request("Hi"), {{"x-emulator-extra-step", extra}});
  BOOST_TEST_REQUIRE(r.status == 200u);
  BOOST_TEST(r.body.find(extra) != std::string::npos);  // key order kept
  auto o = r.obj();
  const auto& steps = o.at("steps").as_array();
  BOOST_REQUIRE(steps.size() == 3u);
  BOOST_TEST(steps[1].at("type").as_string() == "future_step");

  // A stateless replay with the unknown step equals the stored chain; without it, it differs.
  auto chained = model_request("Next");
  chained["previous_interaction_id"] = o.at("id");
  auto stored = c.post("/v1beta/interactions", chained).obj();
  json::array history{json::parse(R"({"type":"user_input","content":[{"type":"text","text":"Hi"}]})")};
  for (const auto& s : steps) history.push_back(s);
  history.push_back(json::parse(R"({"type":"user_input","content":[{"type":"text","text":"Next"}]})"));
  auto replay = model_request("");
  replay["input"] = history;
  replay["store"] = false;
  auto same = c.post("/v1beta/interactions", replay);
  BOOST_TEST_REQUIRE(same.status == 200u);
  BOOST_TEST(output_text(same.obj()) == output_text(stored));
  history.erase(history.begin() + 2);
  replay["input"] = history;
  BOOST_TEST(output_text(c.post("/v1beta/interactions", replay).obj()) != output_text(stored));

  // Streamed: step.start carries the whole step.
  BOOST_TEST_REQUIRE(c.begin_stream_post("/v1beta/interactions", [] {
    auto s = model_request("Hi");
    s["stream"] = true;
    return s;
  }(), {{"x-emulator-extra-step", extra}}) == 200u);
  bool seen = false;
  for (const auto& e : c.read_events())
    if (e.type() == "step.start" && e.obj().at("step").at("type").as_string() == "future_step") {
      seen = true;
      BOOST_TEST(json::serialize(e.obj().at("step")) == extra);
    }
  BOOST_TEST(seen);

  for (const char* bad : {"[1]", R"({"no":"type"})", R"({"type":"thought"})", "not json"})
    BOOST_TEST(c.post("/v1beta/interactions", model_request("Hi"), {{"x-emulator-extra-step", bad}}).status == 400u, bad);
}

BOOST_AUTO_TEST_CASE(an_extra_step_with_any_content_streams) {
  // Its content blocks are the test's JSON: a stream's plan read them as objects unchecked, and
  // a number among them crashed the emulator.
  emu::server srv;
  client c(srv);
  const std::string odd = R"({"type":"custom","content":[1,null,"x",{"type":"text","text":"a b c"}]})";
  auto s = model_request("Hi");
  s["stream"] = true;
  BOOST_TEST_REQUIRE(c.begin_stream_post("/v1beta/interactions", s, {{"x-emulator-extra-step", odd}}) == 200u);
  bool seen = false;
  for (const auto& e : c.read_events())
    if (e.type() == "step.start" && e.obj().at("step").at("type").as_string() == "custom") seen = true;
  BOOST_TEST(seen);
  BOOST_TEST(c.stream_complete());
}

BOOST_AUTO_TEST_CASE(results_that_ask_for_calls_chain_rounds) {
  emu::server srv;
  client c(srv);
  auto first = c.post("/v1beta/interactions", weather_request(R"(call lookup {"q":1})")).obj();
  BOOST_TEST(first.at("status").as_string() == "requires_action");
  const auto& call = first.at("steps").at(1).as_object();
  auto answer = [&](const json::object& prev, const json::object& call, std::string result) {
    auto req = weather_request("");
    req["previous_interaction_id"] = prev.at("id");
    req["input"] = json::array{json::object{{"type", "function_result"}, {"call_id", call.at("id")},
                                            {"name", "lookup"}, {"result", result}}};
    return c.post("/v1beta/interactions", req).obj();
  };
  auto second = answer(first, call, R"(not yet, call lookup {"q":2})");
  BOOST_TEST(second.at("status").as_string() == "requires_action");
  const auto& call2 = second.at("steps").at(1).as_object();
  BOOST_TEST(call2.at("arguments").at("q").as_int64() == 2);
  BOOST_TEST(call2.at("id") != call.at("id"));
  auto third = answer(second, call2, "done");
  BOOST_TEST(third.at("status").as_string() == "completed");
  BOOST_TEST(output_text(third).find("Function lookup returned: done.") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stateless_history_with_unknown_steps_calls_and_signatures) {
  emu::server srv;
  client c(srv);
  auto req = weather_request("");
  req["store"] = false;
  req["input"] = json::parse(R"([
    {"type":"user_input","content":[{"type":"text","text":"call lookup {}"}]},
    {"type":"thought","signature":"c2ln"},
    {"type":"future_step","zeta":1},
    {"type":"function_call","id":"fc_1","name":"lookup","arguments":{}},
    {"type":"function_result","call_id":"fc_1","name":"lookup","result":{"ok":true},"is_error":false}])");
  auto r = c.post("/v1beta/interactions", req);
  BOOST_TEST_REQUIRE(r.status == 200u, r.body);
  BOOST_TEST(output_text(r.obj()).find("Function lookup returned: {\"ok\":true}.") != std::string::npos);
  // A replayed thought without its signature is rejected (spec 8.3).
  req["input"].as_array()[1].as_object().erase("signature");
  BOOST_TEST(c.post("/v1beta/interactions", req).status == 400u);
}

BOOST_AUTO_TEST_CASE(store_false_may_extend_a_stored_chain_but_is_not_kept) {
  emu::server srv;
  client c(srv);
  auto first = c.post("/v1beta/interactions", model_request("Remember 7.")).obj();
  auto req = model_request("What did I say?");
  req["previous_interaction_id"] = first.at("id");
  req["store"] = false;
  auto r = c.post("/v1beta/interactions", req);
  BOOST_TEST_REQUIRE(r.status == 200u);
  BOOST_TEST(output_text(r.obj()).find("Turn 2.") == 0u);  // the stored history counts
  const std::string id(r.obj().at("id").as_string());
  BOOST_TEST(c.get("/v1beta/interactions/" + id).status == 404u);
  auto onto = model_request("And then?");
  onto["previous_interaction_id"] = id;
  BOOST_TEST(c.post("/v1beta/interactions", onto).status == 404u);  // nothing to chain onto
}

BOOST_AUTO_TEST_SUITE_END()
