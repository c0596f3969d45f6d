// The emulator's API surface through real TLS: routes, auth, validation, the model, background.
#include "emulator/test_client.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>

using namespace emu_test;
namespace emu = gemini::emulator;

namespace {

emu::options quick() {
  emu::options o;
  o.threads = 2;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_routes)

BOOST_AUTO_TEST_CASE(create_and_get_on_both_versions) {
  emu::server srv(quick());
  BOOST_TEST(srv.base_url() == "https://127.0.0.1:" + std::to_string(srv.port()));
  client c(srv);
  for (std::string v : {"v1beta", "v1"}) {
    auto r = c.post("/" + v + "/interactions", model_request("Name three primes."));
    BOOST_TEST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.content_type == "application/json");
    auto o = r.obj();
    const std::string id(o.at("id").as_string());
    BOOST_TEST(id.rfind("v1_", 0) == 0);
    BOOST_TEST(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               std::string::npos);
    BOOST_TEST(o.at("object").as_string() == "interaction");
    BOOST_TEST(o.at("model").as_string() == "gemini-3.5-flash");
    BOOST_TEST(o.at("status").as_string() == "completed");
    static const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
    BOOST_TEST(std::regex_match(std::string(o.at("created").as_string()), rfc3339));
    BOOST_TEST(std::regex_match(std::string(o.at("updated").as_string()), rfc3339));
    BOOST_TEST((step_types(o) == std::vector<std::string>{"thought", "model_output"}));
    BOOST_TEST(!o.at("steps").at(0).at("signature").as_string().empty());
    BOOST_TEST(output_text(o).find("Turn 1. History digest ") == 0u);
    BOOST_TEST(output_text(o).find("You said: Name three primes.") != std::string::npos);
    const auto& u = o.at("usage").as_object();
    BOOST_TEST(u.at("total_tokens").to_number<int>() ==
               u.at("total_input_tokens").to_number<int>() + u.at("total_output_tokens").to_number<int>() +
                   u.at("total_thought_tokens").to_number<int>());

    auto g = c.get("/" + v + "/interactions/" + id + "?stream=false");
    BOOST_TEST_REQUIRE(g.status == 200u);
    auto go = g.obj();
    BOOST_TEST((step_types(go) == std::vector<std::string>{"user_input", "thought", "model_output"}));
    BOOST_TEST(!go.contains("input"));
    BOOST_TEST(output_text(go) == output_text(o));

    auto gi = c.get("/" + v + "/interactions/" + id + "?include_input=true");
    BOOST_TEST(gi.obj().at("input").as_string() == "Name three primes.");
  }
  BOOST_TEST(srv.stats().connections_accepted == 1u);  // keep-alive
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods_are_rpc_404) {
  emu::server srv(quick());
  client c(srv);
  auto check = [&](http::verb m, const std::string& target) {
    auto r = c.request(m, target, m == http::verb::post ? "{}" : "");
    BOOST_TEST_CONTEXT(target) {
      BOOST_TEST(r.status == 404u);
      BOOST_TEST(r.content_type == "application/json");
      auto e = r.obj().at("error").as_object();
      BOOST_TEST(e.at("code").as_int64() == 404);
      BOOST_TEST(e.at("status").as_string() == "NOT_FOUND");
      BOOST_TEST(!e.at("message").as_string().empty());
    }
  };
  check(http::verb::get, "/v2/interactions/x");
  check(http::verb::get, "/v1beta/models");
  check(http::verb::post, "/v1beta/interactions/abc:cancel");
  check(http::verb::put, "/v1beta/interactions");
  check(http::verb::get, "/v1beta/interactions");
  check(http::verb::post, "/v1beta/interactions/abc");
  check(http::verb::get, "/");
}

BOOST_AUTO_TEST_CASE(delete_then_get_is_not_found) {
  emu::server srv(quick());
  client c(srv);
  const std::string id(c.post("/v1beta/interactions", model_request("hi")).obj().at("id").as_string());
  auto d = c.request(http::verb::delete_, "/v1beta/interactions/" + id);
  BOOST_TEST(d.status == 200u);
  BOOST_TEST(d.body == "{}");
  auto g = c.get("/v1beta/interactions/" + id);
  BOOST_TEST(g.status == 404u);
  BOOST_TEST(error_code_of(g) == "not_found");
  BOOST_TEST(c.request(http::verb::delete_, "/v1beta/interactions/" + id).status == 404u);
}

BOOST_AUTO_TEST_CASE(store_false_is_not_retrievable) {
  emu::server srv(quick());
  client c(srv);
  auto body = model_request("ephemeral");
  body["store"] = false;
  auto r = c.post("/v1/interactions", body);
  BOOST_TEST_REQUIRE(r.status == 200u);
  const std::string id(r.obj().at("id").as_string());
  BOOST_TEST(c.get("/v1/interactions/" + id).status == 404u);
  BOOST_TEST(srv.stats().interactions_stored == 0u);
}

BOOST_AUTO_TEST_CASE(the_store_forgets_its_oldest_finished_interactions_beyond_its_bound) {
  auto o = quick();
  o.max_stored_interactions = 3;
  emu::server srv(o);
  client c(srv);
  auto slow = model_request("slow work");
  slow["background"] = true;
  const auto bg = c.post("/v1beta/interactions", slow);
  BOOST_TEST_REQUIRE(bg.status == 200u);
  const std::string running(bg.obj().at("id").as_string());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto r = c.post("/v1beta/interactions", model_request("answer " + std::to_string(i)));
    BOOST_TEST_REQUIRE(r.status == 200u);
    ids.emplace_back(r.obj().at("id").as_string());
  }
  // The running one, older than all, is passed over; the two oldest answers are forgotten.
  auto get = [&](const std::string& id) { return c.get("/v1beta/interactions/" + id); };
  for (int i : {0, 1}) {
    const auto g = get(ids[static_cast<std::size_t>(i)]);
    BOOST_TEST(g.status == 404u);
    BOOST_TEST(error_code_of(g) == "not_found");
  }
  BOOST_TEST(get(ids[2]).status == 200u);
  BOOST_TEST(get(ids[3]).status == 200u);
  BOOST_TEST(get(running).obj().at("status") == "in_progress");
  BOOST_TEST(srv.stats().interactions_stored == 3u);
  BOOST_TEST(srv.stats().interactions_evicted == 2u);
  // Continuing a forgotten one is refused as for any unknown id.
  auto follow = model_request("and then?");
  follow["previous_interaction_id"] = ids[0];
  BOOST_TEST(c.post("/v1beta/interactions", follow).status == 404u);

  // Once finished, the background one is the oldest finished: the next answer pushes it out.
  srv.advance(std::chrono::seconds(1));
  BOOST_TEST(get(running).obj().at("status") == "completed");
  BOOST_TEST(c.post("/v1beta/interactions", model_request("one more")).status == 200u);
  BOOST_TEST(get(running).status == 404u);
  BOOST_TEST(get(ids[2]).status == 200u);
  BOOST_TEST(srv.stats().interactions_evicted == 3u);
}

BOOST_AUTO_TEST_CASE(ids_needing_percent_encoding) {
  emu::server srv(quick());
  client c(srv);
  auto r = c.post("/v1beta/interactions", model_request("odd id"), {{"x-emulator-id-suffix", "/a b?c"}});
  BOOST_TEST_REQUIRE(r.status == 200u);
  const std::string id(r.obj().at("id").as_string());
  BOOST_TEST(id.substr(id.size() - 6) == "/a b?c");
  const std::string encoded = id.substr(0, id.size() - 6) + "%2Fa%20b%3Fc";
  auto g = c.get("/v1beta/interactions/" + encoded + "?include_input=true");
  BOOST_TEST(g.status == 200u);
  BOOST_TEST(g.obj().at("id").as_string() == id);
}

// The 15th id's encoded number ("...:15") followed by the suffix "w" spelled the 150th's
// ("...:150"): the suffix is set apart by a character the encoding never uses.
BOOST_AUTO_TEST_CASE(a_suffix_never_makes_an_id_another_one_has) {
  emu::server srv(quick());
  client c(srv);
  std::vector<std::string> ids;
  for (int n = 1; n <= 150; ++n) {
    auto r = c.post("/v1beta/interactions", model_request("turn " + std::to_string(n)),
                    n == 15 ? client::headers{{"x-emulator-id-suffix", "w"}} : client::headers{});
    BOOST_TEST_REQUIRE(r.status == 200u);
    ids.emplace_back(r.obj().at("id").as_string());
  }
  BOOST_TEST(ids[14] != ids[149]);
  BOOST_TEST(ids[14].ends_with("w"));
  BOOST_TEST(srv.stats().interactions_stored == 150u);
  for (int n : {15, 150}) {
    auto g = c.get("/v1beta/interactions/" + ids[static_cast<std::size_t>(n - 1)] + "?include_input=true");
    BOOST_TEST_REQUIRE(g.status == 200u);
    BOOST_TEST(g.obj().at("input").as_string() == "turn " + std::to_string(n));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_auth)

BOOST_AUTO_TEST_CASE(missing_credentials_are_401_flat) {
  emu::server srv(quick());
  client c(srv, "");
  auto r = c.post("/v1beta/interactions", model_request("hi"));
  BOOST_TEST(r.status == 401u);
  BOOST_TEST(r.content_type == "application/json");
  BOOST_TEST(error_code_of(r) == "authentication");
  auto empty_bearer = c.request(http::verb::post, "/v1beta/interactions", json::serialize(model_request("hi")),
                                {{"Authorization", "Bearer "}});
  BOOST_TEST(empty_bearer.status == 401u);
  auto bearer = c.request(http::verb::post, "/v1beta/interactions", json::serialize(model_request("hi")),
                          {{"Authorization", "Bearer ya29.token"}});
  BOOST_TEST(bearer.status == 200u);
  BOOST_TEST(c.get("/v1beta/interactions/nope?key=k").status == 404u);  // ?key= authenticates
}

BOOST_AUTO_TEST_CASE(configured_key_only) {
  auto o = quick();
  o.api_key = "s3cret-key";
  emu::server srv(o);
  client wrong(srv, "other-key");
  auto r = wrong.post("/v1beta/interactions", model_request("hi"));
  BOOST_TEST(r.status == 401u);
  BOOST_TEST(error_code_of(r) == "authentication");
  BOOST_TEST(r.body.find("other-key") == std::string::npos);
  client right(srv, "s3cret-key");
  BOOST_TEST(right.post("/v1beta/interactions", model_request("hi")).status == 200u);
  client bearer(srv, "");
  BOOST_TEST(bearer.request(http::verb::post, "/v1/interactions", json::serialize(model_request("hi")),
                            {{"Authorization", "Bearer s3cret-key"}})
                 .status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_validation)

BOOST_AUTO_TEST_CASE(codes) {
  emu::server srv(quick());
  client c(srv);
  auto expect = [&](const std::string& body, unsigned status, const std::string& code) {
    auto r = c.request(http::verb::post, "/v1beta/interactions", body);
    BOOST_TEST_CONTEXT(body) {
      BOOST_TEST(r.status == status);
      BOOST_TEST(r.content_type == "application/json");
      if (status != 200u) BOOST_TEST(error_code_of(r) == code);
    }
  };
  expect("{not json", 400, "invalid_request");
  expect("[1,2]", 400, "invalid_request");
  expect(R"({"model":"m","input":"hi","generation_config":{"temperature":2e400}})", 400, "invalid_request");
  expect(R"({"input":"hi"})", 400, "invalid_request");
  expect(R"({"model":"m","agent":"a","input":"hi"})", 400, "invalid_request");
  expect(R"({"model":"m","input":"hi","temperature":1})", 400, "parameter_unknown");
  expect(R"({"model":"m","input":"hi","presence_penalty":1})", 400, "parameter_unknown");
  expect(R"({"model":"m","input":"hi","generation_config":{"frequency_penalty":1}})", 400, "parameter_unknown");
  expect(R"({"model":"m","input":"hi","generation_config":{"presence_penalty":1}})", 400, "parameter_unknown");
  expect(R"({"model":"m","input":"hi","generation_config":{"top_k":3,"temperature":0.2,"seed":1}})", 200, "");
  expect(R"({"model":"m","input":"hi","response_mime_type":"text/plain","response_modalities":["text"],)"
         R"("cached_content":"c","safety_settings":[],"service_tier":"flex","labels":{"a":"b"}})",
         200, "");
  expect(R"({"model":"m","input":[{"role":"user","content":[{"type":"text","text":"hi"}]}]})", 400,
         "invalid_request");
  expect(R"({"model":"m","input":""})", 400, "invalid_request");
  expect(R"({"model":"m","input":[]})", 400, "invalid_request");
  expect(R"({"model":"m"})", 400, "invalid_request");
  expect(R"({"model":"m","input":"hi","previous_interaction_id":"v1_nope"})", 404, "not_found");
  expect(R"({"model":"m","input":"hi","background":true,"store":false})", 400, "invalid_request");
  expect(R"({"model":"m","input":[{"type":"user_input","content":"a"},{"type":"thought"},)"
         R"({"type":"user_input","content":"b"}]})",
         400, "invalid_request");  // thought replayed without signature
  expect(R"({"model":"m","input":[{"type":"text","text":"a"},{"type":"image","uri":"u","mime_type":"image/png"}]})",
         200, "");
  expect(R"({"agent":"deep-research-pro-preview-12-2025","input":"hi","agent_config":{"type":"deep-research"},)"
         R"("background":true})",
         200, "");
  // Deep Research runs in the background only, with its own agent_config type.
  expect(R"({"agent":"deep-research-pro-preview-12-2025","input":"hi"})", 400, "invalid_request");
  expect(R"({"agent":"deep-research-pro-preview-12-2025","input":"hi","background":true,)"
         R"("agent_config":{"type":"antigravity"}})",
         400, "invalid_request");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_model)

BOOST_AUTO_TEST_CASE(chaining_and_stateless_replay_agree) {
  emu::server srv(quick());
  client c(srv);
  auto t1 = c.post("/v1beta/interactions", model_request("My name is Ada."));
  BOOST_TEST_REQUIRE(t1.status == 200u);
  const std::string id1(t1.obj().at("id").as_string());

  auto second = model_request("What is my name?");
  second["previous_interaction_id"] = id1;
  auto t2 = c.post("/v1beta/interactions", second);
  BOOST_TEST_REQUIRE(t2.status == 200u);
  const auto text2 = output_text(t2.obj());
  BOOST_TEST(text2.find("Turn 2. ") == 0u);
  BOOST_TEST(t2.obj().at("previous_interaction_id").as_string() == id1);

  // Same question without history: a different turn and digest.
  auto alone = c.post("/v1beta/interactions", model_request("What is my name?"));
  BOOST_TEST(output_text(alone.obj()) != text2);
  BOOST_TEST(output_text(alone.obj()).find("Turn 1. ") == 0u);

  // Stateless replay of the stored timeline gives the stored chain's answer.
  json::array history = c.get("/v1beta/interactions/" + id1).obj().at("steps").as_array();
  history.push_back(json::object{{"type", "user_input"},
                                 {"content", json::array{json::object{{"type", "text"}, {"text", "What is my name?"}}}}});
  json::object replay{{"model", "gemini-3.5-flash"}, {"store", false}, {"input", history}};
  auto t2s = c.post("/v1beta/interactions", replay);
  BOOST_TEST_REQUIRE(t2s.status == 200u);
  BOOST_TEST(output_text(t2s.obj()) == text2);

  // A replay that drops the thought step is a different conversation.
  json::array broken;
  for (const auto& s : history)
    if (s.at("type").as_string() != "thought") broken.push_back(s);
  replay["input"] = broken;
  BOOST_TEST(output_text(c.post("/v1beta/interactions", replay).obj()) != text2);

  // Chaining onto the stored second turn continues: turn 3.
  auto third = model_request("And again?");
  third["previous_interaction_id"] = t2.obj().at("id");
  BOOST_TEST(output_text(c.post("/v1/interactions", third).obj()).find("Turn 3. ") == 0u);
}

BOOST_AUTO_TEST_CASE(answer_length_and_max_output_tokens) {
  emu::server srv(quick());
  client c(srv);
  auto r = c.post("/v1beta/interactions", model_request("hello"), {{"x-emulator-output-words", "40"}});
  // The answer is generated whole: a length beyond a million words is refused, not allocated.
  BOOST_TEST(c.post("/v1beta/interactions", model_request("hello"), {{"x-emulator-output-words", "1000001"}}).status == 400u);
  BOOST_TEST(c.post("/v1beta/interactions", model_request("hello"), {{"x-emulator-output-words", "01857006477"}}).status == 400u);
  auto words = [](const std::string& s) {
    std::size_t n = 0;
    bool in = false;
    for (char ch : s) {
      if (ch == ' ') in = false;
      else if (!in) {
        in = true;
        ++n;
      }
    }
    return n;
  };
  BOOST_TEST(words(output_text(r.obj())) == 40u);
  BOOST_TEST(r.obj().at("usage").at("total_output_tokens").to_number<int>() == 40);
  BOOST_TEST(r.obj().at("status").as_string() == "completed");

  auto limited = model_request("hello");
  limited["generation_config"] = json::object{{"max_output_tokens", 5}};
  auto l = c.post("/v1beta/interactions", limited, {{"x-emulator-output-words", "40"}});
  BOOST_TEST(l.obj().at("status").as_string() == "incomplete");
  BOOST_TEST(words(output_text(l.obj())) == 5u);
  BOOST_TEST(output_text(l.obj()) == output_text(r.obj()).substr(0, output_text(l.obj()).size()));

  // The service's field is an int32; beyond int64 it was a 500 (which clients retry).
  for (const char* n : {"2147483648", "9223372036854775808", "0", "-1"}) {
    auto out_of_range = model_request("hello");
    out_of_range["generation_config"] = json::object{{"max_output_tokens", json::parse(n)}};
    auto e = c.post("/v1beta/interactions", out_of_range);
    BOOST_TEST_CONTEXT(n) {
      BOOST_TEST(e.status == 400u);
      BOOST_TEST(error_code_of(e) == "invalid_request");
    }
  }
  auto largest = model_request("hello");
  largest["generation_config"] = json::object{{"max_output_tokens", 2147483647}};
  BOOST_TEST(c.post("/v1beta/interactions", largest).status == 200u);
}

BOOST_AUTO_TEST_CASE(function_call_round_trip) {
  emu::server srv(quick());
  client c(srv);
  json::array tools{json::object{{"type", "function"},
                                 {"name", "get_weather"},
                                 {"parameters", json::object{{"type", "object"}}}}};
  auto req = model_request(R"(Weather in Paris? call get_weather {"city":"Paris"})");
  req["tools"] = tools;
  auto r1 = c.post("/v1beta/interactions", req);
  BOOST_TEST_REQUIRE(r1.status == 200u);
  auto o1 = r1.obj();
  BOOST_TEST(o1.at("status").as_string() == "requires_action");
  BOOST_TEST((step_types(o1) == std::vector<std::string>{"thought", "function_call"}));
  const auto& call = o1.at("steps").at(1).as_object();
  BOOST_TEST(call.at("name").as_string() == "get_weather");
  BOOST_TEST(call.at("arguments").at("city").as_string() == "Paris");

  // Continuing without answering the call is rejected.
  auto skip = model_request("never mind");
  skip["previous_interaction_id"] = o1.at("id");
  BOOST_TEST(c.post("/v1beta/interactions", skip).status == 400u);

  json::object result{{"type", "function_result"},
                      {"call_id", call.at("id")},
                      {"name", "get_weather"},
                      {"result", R"({"temp_c": 18})"}};
  json::object turn2{{"model", "gemini-3.5-flash"},
                     {"previous_interaction_id", o1.at("id")},
                     {"tools", tools},
                     {"input", json::array{result}}};
  auto r2 = c.post("/v1beta/interactions", turn2);
  BOOST_TEST_REQUIRE(r2.status == 200u);
  BOOST_TEST(r2.obj().at("status").as_string() == "completed");
  BOOST_TEST(output_text(r2.obj()).find(R"(Function get_weather returned: {"temp_c": 18}.)") != std::string::npos);
  auto g = c.get("/v1beta/interactions/" + std::string(r2.obj().at("id").as_string()));
  BOOST_TEST((step_types(g.obj()) == std::vector<std::string>{"function_result", "thought", "model_output"}));

  // A result for an unknown call id.
  result["call_id"] = "fc_unknown";
  turn2["input"] = json::array{result};
  BOOST_TEST(c.post("/v1beta/interactions", turn2).status == 400u);

  // Header trigger.
  auto byheader = model_request("no trigger words");
  byheader["tools"] = tools;
  auto r3 = c.post("/v1beta/interactions", byheader, {{"x-emulator-function-call", "get_weather"}});
  BOOST_TEST(r3.obj().at("status").as_string() == "requires_action");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_background)

BOOST_AUTO_TEST_CASE(completes_on_virtual_time) {
  auto o = quick();
  o.background_duration = std::chrono::milliseconds(1000);
  emu::server srv(o);
  client c(srv);
  auto req = model_request("long job");
  req["background"] = true;
  auto r = c.post("/v1beta/interactions", req);
  BOOST_TEST_REQUIRE(r.status == 200u);
  BOOST_TEST(r.obj().at("status").as_string() == "in_progress");
  const std::string id(r.obj().at("id").as_string());
  auto path = "/v1beta/interactions/" + id;
  BOOST_TEST(c.get(path).obj().at("status").as_string() == "in_progress");

  auto chained = model_request("next");
  chained["previous_interaction_id"] = id;
  auto busy = c.post("/v1beta/interactions", chained);
  BOOST_TEST(busy.status == 400u);
  BOOST_TEST(error_code_of(busy) == "invalid_request");

  srv.advance(std::chrono::milliseconds(999));
  BOOST_TEST(c.get(path).obj().at("status").as_string() == "in_progress");
  auto adv = c.request(http::verb::post, "/emulator/clock/advance?ms=1", "", {}, false);
  BOOST_TEST(adv.status == 200u);
  auto done = c.get(path).obj();
  BOOST_TEST(done.at("status").as_string() == "completed");
  BOOST_TEST((step_types(done) == std::vector<std::string>{"user_input", "thought", "model_output"}));
  BOOST_TEST(c.post("/v1beta/interactions", chained).status == 200u);
  BOOST_TEST(srv.virtual_time().count() == 1000);
}

BOOST_AUTO_TEST_CASE(cancel_rules) {
  emu::server srv(quick());
  client c(srv);
  auto req = model_request("long job");
  req["background"] = true;
  const std::string id(c.post("/v1/interactions", req).obj().at("id").as_string());
  auto cancel = c.request(http::verb::post, "/v1/interactions/" + id + "/cancel");
  BOOST_TEST_REQUIRE(cancel.status == 200u);
  BOOST_TEST(cancel.obj().at("status").as_string() == "cancelled");
  srv.advance(std::chrono::hours(1));
  BOOST_TEST(c.get("/v1/interactions/" + id).obj().at("status").as_string() == "cancelled");
  auto again = c.request(http::verb::post, "/v1/interactions/" + id + "/cancel", "{}");
  BOOST_TEST(again.status == 400u);
  BOOST_TEST(error_code_of(again) == "invalid_request");

  const std::string id2(c.post("/v1/interactions", req).obj().at("id").as_string());
  BOOST_TEST(c.request(http::verb::post, "/v1/interactions/" + id2 + "/cancel", "{}").status == 200u);
  BOOST_TEST(c.request(http::verb::post, "/v1/interactions/" + id2 + "/cancel", "{oops").status == 400u);

  const std::string unary(c.post("/v1/interactions", model_request("quick")).obj().at("id").as_string());
  BOOST_TEST(c.request(http::verb::post, "/v1/interactions/" + unary + "/cancel").status == 400u);
  auto missing = c.request(http::verb::post, "/v1/interactions/v1_missing/cancel");
  BOOST_TEST(missing.status == 404u);
  BOOST_TEST(error_code_of(missing) == "not_found");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_streaming)

BOOST_AUTO_TEST_CASE(create_stream_and_resume) {
  emu::server srv(quick());
  client c(srv);
  auto req = model_request("stream please");
  req["stream"] = true;
  auto r = c.post("/v1beta/interactions", req, {{"Accept", "text/event-stream"}});
  BOOST_TEST_REQUIRE(r.status == 200u);
  BOOST_TEST(r.content_type == "text/event-stream");
  BOOST_TEST(r.body.rfind("event: interaction.created\ndata: ", 0) == 0u);
  const std::string tail = "event: done\ndata: [DONE]\n\n";
  BOOST_TEST(r.body.substr(r.body.size() - tail.size()) == tail);
  BOOST_TEST(r.body.find("event: interaction.completed") != std::string::npos);
  BOOST_TEST(r.body.find("\"thought_signature\"") != std::string::npos);
  // The id of the stream's interaction, from the created event.
  const auto first_data = r.body.substr(r.body.find("data: ") + 6, r.body.find('\n', r.body.find("data: ")) - r.body.find("data: ") - 6);
  const std::string id(json::parse(first_data).at("interaction").at("id").as_string());
  auto full = c.get("/v1beta/interactions/" + id + "?stream=true");
  BOOST_TEST(full.body == r.body);
  auto resumed = c.get("/v1beta/interactions/" + id + "?stream=true&last_event_id=evt_2");
  BOOST_TEST(resumed.body == r.body.substr(r.body.find("event: step.start")));
}

BOOST_AUTO_TEST_SUITE_END()
