// The emulator's background features in raw JSON: the Deep Research agent's stages on the
// virtual clock, a clock that follows real time, background outcomes, and decode-limit hops
// with their continuation_token (both request forms of spec 13, streamed hops too).
#include "emulator/test_client.hpp"

#include <boost/test/unit_test.hpp>

using namespace emu_test;
namespace emu = gemini::emulator;

namespace {

const std::string interactions = "/v1beta/interactions";

json::object research_request(std::string input) {
  return json::object{{"agent", "deep-research-preview-04-2026"},
                      {"input", std::move(input)},
                      {"background", true},
                      {"agent_config", json::object{{"type", "deep-research"}, {"thinking_summaries", "auto"}}}};
}

std::vector<std::string> statuses(const std::vector<sse_event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (e.type() == "interaction.status_update") out.emplace_back(e.obj().at("status").as_string());
  return out;
}

std::string status_of(client& c, const std::string& id) {
  return std::string(c.get(interactions + "/" + id).obj().at("status").as_string());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_agents_and_hops)

BOOST_AUTO_TEST_CASE(deep_research_runs_in_four_stages_of_virtual_time) {
  emu::server srv;
  client c(srv);
  auto r = c.post(interactions, research_request("Why is the sky blue?"));
  BOOST_TEST_REQUIRE(r.status == 200u);
  BOOST_TEST(r.obj().at("status") == "queued");
  const std::string id(r.obj().at("id").as_string());
  srv.advance(std::chrono::milliseconds(14999));
  BOOST_TEST(status_of(c, id) == "queued");
  srv.advance(std::chrono::milliseconds(1));  // a quarter of the default 60 s
  BOOST_TEST(status_of(c, id) == "in_progress");
  srv.advance(std::chrono::seconds(44));
  BOOST_TEST(status_of(c, id) == "in_progress");
  srv.advance(std::chrono::seconds(1));
  auto done = c.get(interactions + "/" + id).obj();
  BOOST_TEST(done.at("status") == "completed");
  BOOST_TEST((step_types(done) ==
              std::vector<std::string>{"user_input", "thought", "thought", "thought", "model_output"}));
  BOOST_TEST(output_text(done).find("Question: Why is the sky blue?") != std::string::npos);
  BOOST_TEST(done.at("steps").as_array().at(1).as_object().contains("summary"));
  BOOST_TEST(done.contains("usage"));
}

BOOST_AUTO_TEST_CASE(clock_rate_runs_the_clock_and_wakes_followers) {
  emu::options o;
  o.clock_rate = 1000;  // a virtual minute in about 60 ms
  emu::server srv(o);
  client c(srv), follower(srv);
  auto r = c.post(interactions, research_request("Follow me"));
  const std::string id(r.obj().at("id").as_string());
  BOOST_TEST_REQUIRE(follower.begin_stream(http::verb::get, interactions + "/" + id + "?stream=true") == 200u);
  auto events = follower.read_events();
  BOOST_TEST(follower.stream_complete());
  BOOST_TEST((statuses(events) == std::vector<std::string>{"queued", "in_progress"}));
  BOOST_TEST(events.at(events.size() - 2).type() == "interaction.completed");
  BOOST_TEST(srv.virtual_time() >= std::chrono::seconds(60));
}

BOOST_AUTO_TEST_CASE(background_outcome_and_duration_headers) {
  emu::server srv;
  client c(srv);
  auto req = model_request("fail slowly");
  req["background"] = true;
  auto r = c.post(interactions, req, {{"x-emulator-background-outcome", "budget_exceeded"}, {"x-emulator-background-ms", "5000"}});
  const std::string id(r.obj().at("id").as_string());
  srv.advance(std::chrono::milliseconds(4999));
  BOOST_TEST(status_of(c, id) == "in_progress");
  srv.advance(std::chrono::milliseconds(1));
  auto done = c.get(interactions + "/" + id).obj();
  BOOST_TEST(done.at("status") == "budget_exceeded");
  BOOST_TEST(done.at("errors").as_array().at(0).at("code") == "budget_exceeded");
  BOOST_TEST((step_types(done) == std::vector<std::string>{"user_input", "thought"}));

  auto bad = c.post(interactions, req, {{"x-emulator-background-outcome", "exploded"}});
  BOOST_TEST(bad.status == 400u);
}

BOOST_AUTO_TEST_CASE(hops_in_both_forms_concatenate_to_the_whole_answer) {
  emu::server srv;
  client c(srv);
  const client::headers words{{"x-emulator-output-words", "10"}};
  const std::string whole = output_text(c.post(interactions, model_request("long"), words).obj());

  for (bool store : {true, false}) {
    BOOST_TEST_CONTEXT("store " << store) {
      auto req = model_request("long");
      if (!store) req["store"] = false;
      auto limited = words;
      limited.emplace_back("x-emulator-decode-limit-words", "4");
      auto hop = c.post(interactions, req, limited).obj();
      std::string text = output_text(hop);
      BOOST_TEST(text.size() > 0u);
      BOOST_TEST(text.back() == ' ');  // the space after the 4th word stays with this hop
      std::size_t hops = 1;
      while (hop.at("status") == "requires_continuation") {
        json::object next{{"model", "gemini-3.5-flash"}, {"continuation_token", hop.at("continuation_token")}};
        if (store) {
          next["previous_interaction_id"] = hop.at("id");
        } else {
          next["store"] = false;
          next["input"] = "long";
        }
        auto reply = c.post(interactions, next);
        BOOST_TEST_REQUIRE(reply.status == 200u);
        hop = reply.obj();
        BOOST_TEST(hop.at("usage").at("total_thought_tokens").to_number<int>() == 0);
        text += output_text(hop);
        ++hops;
      }
      BOOST_TEST(hops == 3u);
      BOOST_TEST(text == whole);
      BOOST_TEST(hop.at("status") == "completed");
      BOOST_TEST(!hop.contains("continuation_token"));
    }
  }
}

BOOST_AUTO_TEST_CASE(continuation_tokens_expire_beyond_the_store_limit) {
  // Each token holds the rest of its answer; store:false hops are in no store to be evicted
  // with, so the tokens are bounded on their own, oldest first.
  emu::options opts;
  opts.max_stored_interactions = 2;
  emu::server srv(opts);
  client c(srv);
  const client::headers limited{{"x-emulator-output-words", "10"}, {"x-emulator-decode-limit-words", "4"}};
  std::vector<std::string> tokens;
  for (int i = 0; i < 3; ++i) {
    auto req = model_request("long");
    req["store"] = false;
    auto hop = c.post(interactions, req, limited).obj();
    tokens.emplace_back(hop.at("continuation_token").as_string());
  }
  auto next = [&](const std::string& token) {
    json::object body{{"model", "gemini-3.5-flash"}, {"continuation_token", token}, {"store", false}, {"input", "long"}};
    return c.post(interactions, body);
  };
  auto expired = next(tokens[0]);
  BOOST_TEST(expired.status == 400u);
  BOOST_TEST(expired.body.find("Unknown or expired continuation_token") != std::string::npos, expired.body);
  BOOST_TEST(next(tokens[2]).status == 200u);
}

BOOST_AUTO_TEST_CASE(a_streamed_hop_ends_with_its_token) {
  emu::server srv;
  client c(srv);
  auto req = model_request("stream the first hop");
  req["stream"] = true;
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, req,
                                         {{"x-emulator-output-words", "9"}, {"x-emulator-decode-limit-words", "3"}}) ==
                     200u);
  auto events = c.read_events();
  const auto completed = events.at(events.size() - 2).obj().at("interaction").as_object();
  BOOST_TEST(completed.at("status") == "requires_continuation");
  const std::string token(completed.at("continuation_token").as_string());
  BOOST_TEST(token.rfind("ct_", 0) == 0u);
  const std::string id(completed.at("id").as_string());
  auto stored = c.get(interactions + "/" + id).obj();
  BOOST_TEST(stored.at("status") == "requires_continuation");
  BOOST_TEST(std::string(stored.at("continuation_token").as_string()) == token);

  // The stored form names the issuer; anything else is refused.
  auto wrong = c.post(interactions, json::object{{"model", "gemini-3.5-flash"}, {"continuation_token", token},
                                                 {"previous_interaction_id", "v1_other"}});
  BOOST_TEST(wrong.status == 404u);  // unknown previous interaction
  auto with_input = c.post(interactions, json::object{{"model", "gemini-3.5-flash"}, {"continuation_token", token},
                                                      {"previous_interaction_id", id}, {"input", "again"}});
  BOOST_TEST(with_input.status == 400u);
  auto other_model = c.post(interactions, json::object{{"model", "gemini-other"}, {"continuation_token", token},
                                                       {"previous_interaction_id", id}});
  BOOST_TEST(other_model.status == 400u);
}

BOOST_AUTO_TEST_SUITE_END()
