// Streaming through real TLS: events written one by one, the stored event log, resume, live
// following of running interactions, pacing and stream faults.
#include "emulator/test_client.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <set>
#include <thread>

using namespace emu_test;
namespace emu = gemini::emulator;

namespace {

const std::string interactions = "/v1beta/interactions";

json::object stream_request(std::string input) {
  auto r = model_request(std::move(input));
  r["stream"] = true;
  return r;
}

json::object weather_request(std::string input) {
  auto r = model_request(std::move(input));
  r["tools"] = json::array{json::object{{"type", "function"}, {"name", "get_weather"}}};
  return r;
}

/// What a client reconstructs from the events: steps by index, final status and usage.
struct folded {
  std::string id;
  json::array steps;
  std::string status;
  json::value usage;
  bool completed = false;
  bool done = false;
};

folded fold(const std::vector<sse_event>& events) {
  folded out;
  std::map<std::size_t, std::string> args;
  for (const auto& e : events) {
    if (e.data == "[DONE]") {
      out.done = true;
      continue;
    }
    if (e.data.empty()) continue;
    const auto o = e.obj();
    const std::string type(o.at("event_type").as_string());
    if (type == "interaction.created") {
      out.id = std::string(o.at("interaction").at("id").as_string());
    } else if (type == "step.start") {
      const auto i = o.at("index").to_number<std::size_t>();
      if (out.steps.size() <= i) out.steps.resize(i + 1);
      out.steps[i] = o.at("step");
    } else if (type == "step.delta") {
      const auto i = o.at("index").to_number<std::size_t>();
      auto& step = out.steps.at(i).as_object();
      const auto& d = o.at("delta").as_object();
      const std::string dt(d.at("type").as_string());
      if (dt == "text") {
        if (!step.contains("content")) step["content"] = json::array{json::object{{"type", "text"}, {"text", ""}}};
        auto& text = step["content"].as_array().back().as_object()["text"].as_string();
        text.append(d.at("text").as_string());
      } else if (dt == "thought_summary") {
        if (!step.contains("summary")) step["summary"] = json::array{};
        step["summary"].as_array().push_back(d.at("content"));
      } else if (dt == "thought_signature") {
        step["signature"] = d.at("signature");
      } else if (dt == "arguments_delta") {
        args[i] += std::string(d.at("arguments").as_string());
      }
    } else if (type == "step.stop") {
      const auto i = o.at("index").to_number<std::size_t>();
      if (auto it = args.find(i); it != args.end()) out.steps.at(i).as_object()["arguments"] = json::parse(it->second);
    } else if (type == "interaction.completed") {
      out.completed = true;
      const auto& inter = o.at("interaction").as_object();
      BOOST_TEST(!inter.contains("steps"));
      out.status = std::string(inter.at("status").as_string());
      if (inter.contains("usage")) out.usage = inter.at("usage");
    }
  }
  return out;
}

/// The fold equals the unary answer to the same request.
void check_fold_equals_unary(const folded& f, const json::object& unary) {
  BOOST_TEST(f.completed);
  BOOST_TEST(f.done);
  BOOST_TEST(json::value(f.steps) == unary.at("steps"));
  BOOST_TEST(f.status == std::string(unary.at("status").as_string()));
  BOOST_TEST(f.usage == unary.at("usage"));
}

long ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count());
}

std::size_t count_type(const std::vector<sse_event>& events, const std::string& type) {
  std::size_t n = 0;
  for (const auto& e : events)
    if (e.type() == type) ++n;
  return n;
}

std::string id_of(const std::vector<sse_event>& events) {
  return std::string(events.at(0).obj().at("interaction").at("id").as_string());
}

/// Event data strings (the bytes a client sees), for comparing replays.
std::vector<std::string> datas(const std::vector<sse_event>& events, std::size_t from = 0) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < events.size(); ++i) out.push_back(events[i].data);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_stream_events)

BOOST_AUTO_TEST_CASE(fold_equals_unary_for_text_thoughts_calls_and_truncation) {
  emu::server srv;
  client c(srv);
  struct variant {
    std::string name;
    json::object request;
    client::headers headers;
  };
  auto thinking = model_request("think about it");
  thinking["generation_config"] = json::object{{"thinking_summaries", "auto"}};
  auto truncated = model_request("a long answer please");
  truncated["generation_config"] = json::object{{"max_output_tokens", 5}};
  std::vector<variant> variants = {
      {"text", model_request("Name three primes."), {}},
      {"thinking", thinking, {}},
      {"function call", weather_request("call get_weather {\"city\":\"Paris\",\"unit\":\"celsius\"}"), {}},
      {"incomplete", truncated, {{"x-emulator-output-words", "40"}}},
      {"long", model_request("go on"), {{"x-emulator-output-words", "1000"}}},
      {"longer than one write", model_request("go on"), {{"x-emulator-output-words", "3000"}}},
  };
  for (auto& v : variants) {
    BOOST_TEST_CONTEXT(v.name) {
      auto unary = c.post(interactions, v.request, v.headers);
      BOOST_TEST_REQUIRE(unary.status == 200u);
      auto streamed = v.request;
      streamed["stream"] = true;
      BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, streamed, v.headers) == 200u);
      BOOST_TEST(std::string(c.stream_header()[http::field::content_type]) == "text/event-stream");
      BOOST_TEST(std::string(c.stream_header()[http::field::transfer_encoding]) == "chunked");
      auto events = c.read_events();
      BOOST_TEST_REQUIRE(c.stream_complete());
      BOOST_TEST_REQUIRE(events.size() >= 4u);
      check_fold_equals_unary(fold(events), unary.obj());

      // Order: created, status_update, steps, completed, [DONE].
      BOOST_TEST(events.front().type() == "interaction.created");
      BOOST_TEST(events.front().name == "interaction.created");
      BOOST_TEST(events[1].type() == "interaction.status_update");
      BOOST_TEST(events[events.size() - 2].type() == "interaction.completed");
      BOOST_TEST(events.back().name == "done");
      BOOST_TEST(events.back().data == "[DONE]");
      for (const auto& e : events) BOOST_TEST(e.stray.empty());
      for (std::size_t i = 0; i + 1 < events.size(); ++i) BOOST_TEST(events[i].name == events[i].type());
      // Events at hand go out together, in no more writes than events (the fold above shows
      // nothing was lost or split wrongly).
      BOOST_TEST(c.chunk_sizes().size() <= events.size());
      // A replay of the finished stream has every event at hand: they go out in as few writes of
      // at most 64 KiB as whole frames allow (frames here are far below 512 bytes), and a last
      // write carries the `done` sentinel.
      const auto id = std::string(events.front().obj().at("interaction").at("id").as_string());
      BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, interactions + "/" + id + "?stream=true") == 200u);
      const auto replayed = c.read_events();
      BOOST_TEST_REQUIRE(c.stream_complete());
      BOOST_TEST(datas(replayed) == datas(events));
      const auto writes = c.chunk_sizes();
      BOOST_TEST_REQUIRE(writes.size() >= 2u);
      std::size_t frame_bytes = 0;
      for (std::size_t i = 0; i + 1 < writes.size(); ++i) {
        BOOST_TEST(writes[i] <= 64u * 1024u);
        frame_bytes += writes[i];
      }
      BOOST_TEST(writes.size() - 1 <= frame_bytes / (64u * 1024u - 512u) + 1u);
      if (v.name == "longer than one write") BOOST_TEST(writes.size() >= 4u);
    }
  }
  // The function-call stream: start carries id/name/empty arguments; arguments in fragments.
  auto req = weather_request("call get_weather {\"city\":\"Paris\",\"unit\":\"celsius\"}");
  req["stream"] = true;
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, req) == 200u);
  auto events = c.read_events();
  std::size_t fragments = 0;
  for (const auto& e : events) {
    if (e.type() == "step.start" && e.obj().at("step").at("type") == "function_call") {
      const auto o = e.obj();
      const auto& step = o.at("step").as_object();
      BOOST_TEST(!step.at("id").as_string().empty());
      BOOST_TEST(step.at("name") == "get_weather");
      BOOST_TEST(step.at("arguments") == json::object{});
    }
    if (e.type() == "step.delta" && e.obj().at("delta").at("type") == "arguments_delta") ++fragments;
  }
  BOOST_TEST(fragments >= 3u);
  BOOST_TEST(fold(events).status == "requires_action");

  // A 1000-word answer gives hundreds of text deltas.
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("go on"), {{"x-emulator-output-words", "1000"}}) ==
                     200u);
  BOOST_TEST(count_type(c.read_events(), "step.delta") >= 300u);

  // Keep-alive survives complete streams.
  BOOST_TEST(c.get(interactions + "/" + fold(events).id).status == 200u);
  BOOST_TEST(srv.stats().connections_accepted == 1u);
}

BOOST_AUTO_TEST_CASE(event_ids_on_deltas_or_everywhere) {
  for (bool all : {false, true}) {
    BOOST_TEST_CONTEXT("event_ids_on_all_events=" << all) {
      emu::options o;
      o.event_ids_on_all_events = all;
      emu::server srv(o);
      client c(srv);
      BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("ids please")) == 200u);
      auto events = c.read_events();
      std::set<std::string> seen;
      long last = 0;
      for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        const auto id = events[i].event_id();
        if (events[i].type() == "step.delta" || all) {
          BOOST_TEST_REQUIRE(id.rfind("evt_", 0) == 0u);
          const long n = std::stol(id.substr(4));
          BOOST_TEST(n == static_cast<long>(i + 1));  // position in the log, 1-based
          BOOST_TEST(n > last);
          last = n;
          BOOST_TEST(seen.insert(id).second);
        } else {
          BOOST_TEST(id.empty());
        }
      }
      BOOST_TEST(events.back().event_id().empty());  // [DONE]
    }
  }
}

BOOST_AUTO_TEST_CASE(pacing_and_chunked_writes) {
  emu::server srv;
  client c(srv);
  // Real-time pacing is the behaviour under test: 25 ms between events.
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("slowly"),
                                         {{"x-emulator-stream-interval-ms", "25"}}) == 200u);
  auto events = c.read_events();
  BOOST_TEST_REQUIRE(c.stream_complete());
  const auto n = events.size() - 1;  // without [DONE]
  BOOST_TEST(ms_between(start, events[n - 1].at) >= static_cast<long>(25 * (n - 1)));
  BOOST_TEST(ms_between(events[0].at, events[n - 1].at) >= static_cast<long>(25 * (n - 2)));

  // Writes of at most 7 bytes; the events are intact.
  auto unary = c.post(interactions, model_request("tiny writes"));
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("tiny writes"),
                                         {{"x-emulator-stream-chunk-bytes", "7"}}) == 200u);
  events = c.read_events();
  BOOST_TEST_REQUIRE(c.stream_complete());
  check_fold_equals_unary(fold(events), unary.obj());
  BOOST_TEST(c.chunk_sizes().size() > events.size() * 5);
  for (auto size : c.chunk_sizes()) BOOST_TEST(size <= 7u);

  // The option does the same for every stream.
  emu::options o;
  o.stream_chunk_bytes = 3;
  emu::server small(o);
  client c2(small);
  BOOST_TEST_REQUIRE(c2.begin_stream_post(interactions, stream_request("tiny writes")) == 200u);
  check_fold_equals_unary(fold(c2.read_events()), unary.obj());
  for (auto size : c2.chunk_sizes()) BOOST_TEST(size <= 3u);

  const auto stored = srv.stats().interactions_stored;
  for (std::string header : {"x-emulator-stream-interval-ms", "x-emulator-stream-chunk-bytes"}) {
    auto bad = c.post(interactions, stream_request("x"), {{header, "soon"}});
    BOOST_TEST(bad.status == 400u);
    BOOST_TEST(error_code_of(bad) == "invalid_request");
  }
  BOOST_TEST(srv.stats().interactions_stored == stored);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_stream_resume)

BOOST_AUTO_TEST_CASE(replay_and_resume_at_every_position) {
  emu::server srv;
  client c(srv);
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("resume me"),
                                         {{"x-emulator-output-words", "30"}}) == 200u);
  const auto events = c.read_events();
  const std::string id = id_of(events);
  const std::string path = interactions + "/" + id + "?stream=true";
  // The finished run's log is let go; every replay below is rebuilt from the stored answer.
  BOOST_TEST(srv.stats().interactions_stored == 1u);
  BOOST_TEST(srv.stats().event_logs_held == 0u);

  // Without last_event_id: the whole log again, byte for byte.
  BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, path) == 200u);
  BOOST_TEST(datas(c.read_events()) == datas(events));
  BOOST_TEST(srv.stats().event_logs_held == 0u);

  // After each event id a client saw (deltas), and after positions without a visible id.
  for (std::size_t k : {1u, 2u, 3u, 4u, 7u, 10u, 14u}) {
    BOOST_TEST_CONTEXT("last_event_id=evt_" << k) {
      BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, path + "&last_event_id=evt_" + std::to_string(k)) == 200u);
      BOOST_TEST(datas(c.read_events()) == datas(events, k));
    }
  }
  // After the last event: only [DONE].
  const auto last = std::to_string(events.size() - 1);
  BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, path + "&last_event_id=evt_" + last) == 200u);
  BOOST_TEST(datas(c.read_events()) == std::vector<std::string>{"[DONE]"});
  BOOST_TEST(srv.stats().connections_accepted == 1u);

  for (std::string bad : {"evt_0", "evt_9999", "nope", "evt_", "evt_1x"}) {
    auto r = c.get(path + "&last_event_id=" + bad);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(r.status == 400u);
      BOOST_TEST(error_code_of(r) == "invalid_request");
    }
  }
  BOOST_TEST(c.get(interactions + "/v1_missing?stream=true").status == 404u);

  // store:false streams are neither logged nor resumable.
  auto unstored = stream_request("forget me");
  unstored["store"] = false;
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, unstored) == 200u);
  const auto gone = id_of(c.read_events());
  BOOST_TEST(c.get(interactions + "/" + gone + "?stream=true").status == 404u);
}

// A unary create keeps no transcript until a client streams it: then it replays as a streamed
// create of the same request would have, with the answer's own times, resumable by event id.
BOOST_AUTO_TEST_CASE(a_unary_create_streams_later_as_a_streamed_one) {
  emu::server srv;
  client c(srv);
  const client::headers words{{"x-emulator-output-words", "30"}};
  const auto unary = c.post(interactions, model_request("stream me later"), words);
  BOOST_TEST_REQUIRE(unary.status == 200u);
  const auto answer = unary.obj();
  const std::string path = interactions + "/" + std::string(answer.at("id").as_string()) + "?stream=true";

  srv.advance(std::chrono::hours(1));  // the transcript is built now, but carries the answer's times
  BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, path) == 200u);
  const auto events = c.read_events();
  BOOST_TEST_REQUIRE(c.stream_complete());
  check_fold_equals_unary(fold(events), answer);
  BOOST_TEST_REQUIRE(events.size() >= 4u);
  const auto head = events.front().obj().at("interaction").as_object();
  BOOST_TEST(head.at("id") == answer.at("id"));
  BOOST_TEST(head.at("created") == answer.at("created"));
  BOOST_TEST_REQUIRE(events[events.size() - 2].type() == "interaction.completed");
  const auto done = events[events.size() - 2].obj().at("interaction").as_object();
  BOOST_TEST(done.at("updated") == answer.at("updated"));

  // The same events as a streamed create of the same request, but for its id and times.
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("stream me later"), words) == 200u);
  const auto streamed = c.read_events();
  BOOST_TEST_REQUIRE(c.stream_complete());
  const auto without_id_and_times = [](const std::vector<sse_event>& all) {
    std::vector<std::string> out;
    for (const auto& e : all) {
      if (e.data.empty() || e.data == "[DONE]") {
        out.push_back(e.data);
        continue;
      }
      auto o = e.obj();
      o.erase("interaction_id");
      if (auto* inter = o.if_contains("interaction")) {
        for (auto key : {"id", "created", "updated"}) inter->as_object().erase(key);
      }
      out.push_back(json::serialize(o));
    }
    return out;
  };
  BOOST_TEST(without_id_and_times(events) == without_id_and_times(streamed));

  // A replay is the same bytes, and a resume takes up after the id it names.
  BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, path) == 200u);
  BOOST_TEST(datas(c.read_events()) == datas(events));
  BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, path + "&last_event_id=evt_3") == 200u);
  BOOST_TEST(datas(c.read_events()) == datas(events, 3));

  // Deleted before anyone streamed it: gone like any other.
  const auto other = c.post(interactions, model_request("never streamed"));
  BOOST_TEST_REQUIRE(other.status == 200u);
  const std::string other_path = interactions + "/" + std::string(other.obj().at("id").as_string());
  BOOST_TEST(c.request(http::verb::delete_, other_path).status == 200u);
  BOOST_TEST(c.get(other_path + "?stream=true").status == 404u);

  auto unstored = model_request("forget me");
  unstored["store"] = false;
  const auto forgotten = c.post(interactions, unstored);
  BOOST_TEST_REQUIRE(forgotten.status == 200u);
  BOOST_TEST(c.get(interactions + "/" + std::string(forgotten.obj().at("id").as_string()) + "?stream=true").status ==
             404u);
}

BOOST_AUTO_TEST_CASE(generation_continues_after_client_drop) {
  emu::server srv;
  client c(srv);
  const auto unary = c.post(interactions, model_request("keep going"), {{"x-emulator-output-words", "24"}}).obj();
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("keep going"),
                                         {{"x-emulator-output-words", "24"}, {"x-emulator-stream-interval-ms", "15"}}) ==
                     200u);
  std::vector<sse_event> seen;
  for (int i = 0; i < 4; ++i) seen.push_back(*c.next_event());
  c.disconnect();  // the client goes away mid-stream
  const std::string id = id_of(seen);

  // A GET stream follows the interaction until its end.
  client c2(srv);
  BOOST_TEST_REQUIRE(c2.begin_stream(http::verb::get, interactions + "/" + id + "?stream=true") == 200u);
  auto all = c2.read_events();
  BOOST_TEST(c2.stream_complete());
  BOOST_TEST(datas(all, 0).size() > 4u);
  BOOST_TEST((datas(std::vector<sse_event>(all.begin(), all.begin() + 4)) == datas(seen)));
  check_fold_equals_unary(fold(all), unary);
  // Its last event published, the paced run's log was let go (the follower had its own hold).
  BOOST_TEST(srv.stats().event_logs_held == 0u);
  auto done = c2.get(interactions + "/" + id).obj();
  BOOST_TEST(done.at("status") == "completed");
  BOOST_TEST(output_text(done) == output_text(unary));
}

BOOST_AUTO_TEST_CASE(get_stream_follows_a_running_background_interaction_live) {
  emu::server srv;
  client c(srv), poller(srv);
  auto req = model_request("background work");
  req["background"] = true;
  const auto created = c.post(interactions, req).obj();
  BOOST_TEST_REQUIRE(created.at("status") == "in_progress");
  const std::string id(created.at("id").as_string());

  client follower(srv);
  BOOST_TEST_REQUIRE(follower.begin_stream(http::verb::get, interactions + "/" + id + "?stream=true") == 200u);
  BOOST_TEST(follower.next_event()->type() == "interaction.created");
  BOOST_TEST(follower.next_event()->type() == "interaction.status_update");
  // The follower is now waiting: nothing more exists until the virtual clock moves.
  BOOST_TEST(poller.get(interactions + "/" + id).obj().at("status") == "in_progress");
  BOOST_TEST(srv.stats().event_logs_held == 1u);  // a running interaction's
  srv.advance(std::chrono::seconds(1));
  auto rest = follower.read_events();
  BOOST_TEST(follower.stream_complete());
  BOOST_TEST(rest.back().data == "[DONE]");
  BOOST_TEST(rest[rest.size() - 2].type() == "interaction.completed");
  BOOST_TEST(poller.get(interactions + "/" + id).obj().at("status") == "completed");

  // Cancelling a followed background interaction ends its stream with status cancelled.
  const std::string id2(c.post(interactions, req).obj().at("id").as_string());
  BOOST_TEST_REQUIRE(follower.begin_stream(http::verb::get, interactions + "/" + id2 + "?stream=true") == 200u);
  follower.next_event();
  follower.next_event();
  BOOST_TEST(poller.request(http::verb::post, interactions + "/" + id2 + "/cancel").status == 200u);
  auto tail = follower.read_events();
  BOOST_TEST_REQUIRE(tail.size() == 3u);
  BOOST_TEST(tail[0].obj().at("status") == "cancelled");
  BOOST_TEST(tail[1].obj().at("interaction").at("status") == "cancelled");
  BOOST_TEST(tail[2].data == "[DONE]");

  // Deleting one: followers get a not_found error event.
  const std::string id3(c.post(interactions, req).obj().at("id").as_string());
  BOOST_TEST_REQUIRE(follower.begin_stream(http::verb::get, interactions + "/" + id3 + "?stream=true") == 200u);
  follower.next_event();
  follower.next_event();
  BOOST_TEST(poller.request(http::verb::delete_, interactions + "/" + id3).status == 200u);
  tail = follower.read_events();
  BOOST_TEST_REQUIRE(tail.size() == 2u);
  BOOST_TEST(tail[0].obj().at("error").at("code") == "not_found");
}

BOOST_AUTO_TEST_CASE(stop_while_following) {
  auto srv = std::make_unique<emu::server>();
  client c(*srv);
  auto req = model_request("never finishes");
  req["background"] = true;
  const std::string id(c.post(interactions, req).obj().at("id").as_string());
  client follower(*srv);
  BOOST_TEST_REQUIRE(follower.begin_stream(http::verb::get, interactions + "/" + id + "?stream=true") == 200u);
  follower.next_event();
  follower.next_event();
  auto paced = stream_request("slow");
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, paced, {{"x-emulator-stream-interval-ms", "10000"}}) == 200u);
  c.next_event();
  srv->stop();
  srv.reset();  // waiting streams, a pending producer timer: all torn down cleanly
  BOOST_TEST(!follower.next_event().has_value());
  BOOST_TEST(follower.stream_error().failed());
  BOOST_TEST(!c.next_event().has_value());
}

BOOST_AUTO_TEST_CASE(background_and_stream_together) {
  emu::server srv;
  client c(srv);
  const auto unary = c.post(interactions, model_request("both")).obj();
  auto req = stream_request("both");
  req["background"] = true;
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, req, {{"x-emulator-stream-interval-ms", "5"}}) == 200u);
  std::vector<sse_event> seen{*c.next_event(), *c.next_event()};
  const std::string id = id_of(seen);
  c.disconnect();
  client c2(srv);
  BOOST_TEST_REQUIRE(c2.begin_stream(http::verb::get, interactions + "/" + id + "?stream=true&last_event_id=evt_2") ==
                     200u);
  auto rest = c2.read_events();
  seen.insert(seen.end(), rest.begin(), rest.end());
  check_fold_equals_unary(fold(seen), unary);
  BOOST_TEST(c2.get(interactions + "/" + id).obj().at("status") == "completed");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emulator_stream_faults)

BOOST_AUTO_TEST_CASE(cut_first_stream_then_resume) {
  emu::server srv;
  client c(srv);
  const auto unary = c.post(interactions, model_request("cut me")).obj();
  srv.add_fault_rule("route=create;times=1;cut-after-events=5");

  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("cut me")) == 200u);
  auto seen = c.read_events();
  BOOST_TEST(!c.stream_complete());
  BOOST_TEST(c.stream_error().failed());
  BOOST_TEST_REQUIRE(seen.size() == 5u);
  // The client resumes after the last event id it saw (evt_4, the thought signature delta);
  // events after it that it already saw come again.
  std::string last;
  for (const auto& e : seen)
    if (!e.event_id().empty()) last = e.event_id();
  BOOST_TEST_REQUIRE(last == "evt_4");
  const std::string id = id_of(seen);
  BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, interactions + "/" + id + "?stream=true&last_event_id=" + last) ==
                     200u);
  auto rest = c.read_events();
  BOOST_TEST(c.stream_complete());
  std::vector<sse_event> joined(seen.begin(), seen.begin() + 4);
  joined.insert(joined.end(), rest.begin(), rest.end());
  check_fold_equals_unary(fold(joined), unary);

  // The rule was for the first create only.
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("cut me")) == 200u);
  c.read_events();
  BOOST_TEST(c.stream_complete());
}

BOOST_AUTO_TEST_CASE(cut_after_no_event_sends_the_head_only) {
  emu::server srv;
  client c(srv);
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("cut at once"),
                                         {{"x-emulator-fault", "cut-after-events=0"}}) == 200u);
  BOOST_TEST(c.read_events().empty());  // one event (interaction.created) came before the fix
  BOOST_TEST(!c.stream_complete());
  BOOST_TEST(c.stream_error().failed());
  BOOST_TEST(srv.stats().interactions_stored == 1u);  // the create ran
}

BOOST_AUTO_TEST_CASE(chunk_extensions_on_every_chunk) {
  emu::server srv;
  client c(srv);
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("extended"), {{"x-emulator-fault", "chunk-ext=12"}}) ==
                     200u);
  const auto events = c.read_events();  // Beast skips extensions: the same events
  BOOST_TEST(c.stream_complete());
  BOOST_TEST(!events.empty());
  for (std::string bad : {"chunk-ext", "chunk-ext=x", "chunk-ext=99999999999"}) {
    auto b = c.post(interactions, stream_request("x"), {{"x-emulator-fault", bad}});
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(b.status == 400u); }
  }
}

BOOST_AUTO_TEST_CASE(cut_after_bytes) {
  emu::server srv;
  client c(srv);
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("bytes"), {{"x-emulator-fault", "cut-after-bytes=400"}}) ==
                     200u);
  auto events = c.read_events();  // whole events, then a piece of one
  BOOST_TEST(!c.stream_complete());
  BOOST_TEST(c.body_bytes() == 400u);
  // The interaction itself is complete and stored.
  BOOST_TEST_REQUIRE(!events.empty());
  const std::string id = id_of(events);
  BOOST_TEST(c.get(interactions + "/" + id).obj().at("status") == "completed");
}

BOOST_AUTO_TEST_CASE(end_after_events_ends_the_body_cleanly) {
  emu::server srv;
  client c(srv);
  // An empty body, announced in the head (Content-Length: 0); the connection stays open.
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("none"), {{"x-emulator-fault", "end-after-events=0"}}) ==
                     200u);
  BOOST_TEST(c.stream_header()[http::field::content_length] == "0");
  BOOST_TEST(c.stream_header()[http::field::content_type] == "text/event-stream");
  auto events = c.read_events();
  BOOST_TEST(events.empty());
  BOOST_TEST(c.stream_complete());
  BOOST_TEST(!c.stream_error().failed());
  BOOST_TEST(c.body_bytes() == 0u);
  BOOST_TEST(c.connected());

  // Five whole events, no [DONE]; the interaction itself goes on and is stored.
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("some"), {{"x-emulator-fault", "end-after-events=5"}}) ==
                     200u);
  events = c.read_events();
  BOOST_TEST(c.stream_complete());
  BOOST_TEST_REQUIRE(events.size() == 5u);
  BOOST_TEST(events.back().data != "[DONE]");
  BOOST_TEST(count_type(events, "interaction.completed") == 0u);
  BOOST_TEST(c.get(interactions + "/" + id_of(events)).obj().at("status") == "completed");
  BOOST_TEST(srv.stats().connections_accepted == 1u);

  BOOST_TEST(c.post(interactions, stream_request("x"), {{"x-emulator-fault", "end-after-events"}}).status == 400u);
}

BOOST_AUTO_TEST_CASE(error_event_no_terminal_and_refusal) {
  emu::server srv;
  client c(srv);
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("err"),
                                         {{"x-emulator-fault", "error-event=deadline_exceeded"}}) == 200u);
  auto events = c.read_events();
  BOOST_TEST(c.stream_complete());
  BOOST_TEST_REQUIRE(events.size() == 5u);
  BOOST_TEST(events[3].name == "error");
  BOOST_TEST(events[3].obj().at("event_type") == "error");
  BOOST_TEST(events[3].obj().at("error").at("code") == "deadline_exceeded");
  BOOST_TEST(!events[3].obj().at("error").at("message").as_string().empty());
  BOOST_TEST(events[4].data == "[DONE]");
  BOOST_TEST(count_type(events, "interaction.completed") == 0u);

  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("err"),
                                         {{"x-emulator-fault", "error-event=gateway_timeout;after-events=6;message=late"}}) ==
                     200u);
  events = c.read_events();
  BOOST_TEST_REQUIRE(events.size() == 8u);
  BOOST_TEST(events[6].obj().at("error").at("message") == "late");

  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("no end"), {{"x-emulator-fault", "no-terminal"}}) ==
                     200u);
  events = c.read_events();
  BOOST_TEST(c.stream_complete());
  BOOST_TEST(count_type(events, "interaction.completed") == 0u);
  BOOST_TEST(events.back().data == "[DONE]");
  BOOST_TEST(count_type(events, "step.stop") == 2u);
  BOOST_TEST(srv.stats().connections_accepted == 1u);  // keep-alive after all of these

  // Refusal: created + status_update, a bare JSON line, the end; nothing stored.
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("refuse"), {{"x-emulator-fault", "refusal"}}) == 200u);
  events = c.read_events();
  BOOST_TEST_REQUIRE(events.size() == 3u);
  BOOST_TEST(events[0].type() == "interaction.created");
  BOOST_TEST(events[1].type() == "interaction.status_update");
  BOOST_TEST(events[2].name.empty());
  BOOST_TEST(events[2].data.empty());
  const auto refusal = json::parse(events[2].stray).as_object();
  BOOST_TEST(refusal.at("error").at("code") == "prohibited_content");
  BOOST_TEST(!c.connected());
  BOOST_TEST(c.get(interactions + "/" + id_of(events)).status == 404u);
  // Unary: 400 prohibited_content, nothing stored.
  const auto stored = srv.stats().interactions_stored;
  auto r = c.post(interactions, model_request("refuse"), {{"x-emulator-fault", "refusal"}});
  BOOST_TEST(r.status == 400u);
  BOOST_TEST(error_code_of(r) == "prohibited_content");
  BOOST_TEST(srv.stats().interactions_stored == stored);

  for (std::string bad : {"cut-after-events=x", "error-event", "refusal=1", "stall-ms=", "after-events=two"}) {
    auto b = c.post(interactions, stream_request("x"), {{"x-emulator-fault", bad}});
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(b.status == 400u); }
  }
  BOOST_CHECK_THROW(srv.add_fault_rule("route=create;after-events=3"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(stall_mid_stream) {
  emu::server srv;
  client c(srv);
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("stall"), {{"x-emulator-fault", "stall-ms=150"}}) ==
                     200u);
  auto events = c.read_events();
  BOOST_TEST(c.stream_complete());
  BOOST_TEST_REQUIRE(events.size() > 4u);
  // The stall starts right after the third event is written (its parse time may lag a little).
  BOOST_TEST(ms_between(start, events[3].at) >= 150);
  BOOST_TEST(ms_between(events[2].at, events[3].at) >= 100);
  BOOST_TEST(count_type(events, "interaction.completed") == 1u);
}

BOOST_AUTO_TEST_CASE(rules_target_get_streams_too) {
  emu::server srv;
  client c(srv);
  BOOST_TEST_REQUIRE(c.begin_stream_post(interactions, stream_request("rules")) == 200u);
  const auto events = c.read_events();
  const std::string path = interactions + "/" + id_of(events) + "?stream=true";
  srv.add_fault_rule("route=get;times=1;cut-after-events=2");
  BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, path) == 200u);
  BOOST_TEST(c.read_events().size() == 2u);
  BOOST_TEST(!c.stream_complete());
  BOOST_TEST_REQUIRE(c.begin_stream(http::verb::get, path + "&last_event_id=evt_2") == 200u);
  BOOST_TEST(datas(c.read_events()) == datas(events, 2));
}

BOOST_AUTO_TEST_SUITE_END()
