// The Interaction resource written as text without a DOM (every unary answer and GET) is byte for
// byte the serialization of the DOM that stream events are built from; and its timestamps.
#include "emulator/service.hpp"

#include <boost/test/unit_test.hpp>

#include <ctime>
#include <string>
#include <vector>

namespace d = gemini::emulator::detail;
namespace json = boost::json;

namespace {

d::record answered_record(std::string status) {
  d::record r;
  r.id = "v1_ZW11bGF0b3I6YWJjOjE";
  r.echo["model"] = "gemini-3.5-flash";
  r.echo["generation_config"] = json::parse(R"({"temperature":0.5,"stop_sequences":["a\"b"]})");
  r.echo["labels"] = json::object{{"team", "caf\xC3\xA9"}};
  r.status = std::move(status);
  r.created_ms = 1'764'770'709'123;
  r.updated_ms = 1'764'770'711'999;
  r.input = json::parse(R"(["ask", {"type": "text", "text": "line\nbreak"}])");
  r.input_steps = json::parse(R"([{"type":"user_input","content":[{"type":"text","text":"line\nbreak \u0001"}]}])").as_array();
  r.history_before = std::make_shared<d::history_chain>(
      nullptr, json::parse(R"([{"type":"user_input","content":[{"type":"text","text":"before"}]}])").as_array());
  r.result.steps = json::parse(R"([{"type":"thought","signature":"c2ln"},
      {"type":"model_output","content":[{"type":"text","text":"Turn 2. \"Quoted\" \\ tab\t \u00e9 \ud83d\ude00"}]}])")
                       .as_array();
  r.result.status = "completed";
  r.result.usage = {7, 11, 4};
  return r;
}

std::vector<d::record> records() {
  std::vector<d::record> out;
  out.push_back(answered_record("completed"));
  out.push_back(answered_record("in_progress"));  // running: no output, no usage
  out.push_back(answered_record("cancelled"));
  auto hop = answered_record("requires_continuation");
  hop.continuation_token = "tok_\"1\"";
  out.push_back(std::move(hop));
  auto failed = answered_record("failed");
  failed.errors = json::parse(R"([{"code":"internal","message":"Research failed."}])").as_array();
  out.push_back(std::move(failed));
  auto bare = answered_record("completed");  // a continuation hop: no input, no echo beyond the model
  bare.echo = json::object{{"agent", "deep-research-pro"}};
  bare.input = nullptr;
  bare.input_steps.clear();
  bare.result.usage = {};
  out.push_back(std::move(bare));
  return out;
}

std::string strftime_utc(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_resource)

BOOST_AUTO_TEST_CASE(a_long_conversation_is_freed_without_a_frame_per_turn) {
  // Nested destructors took a stack frame per turn: 200,000 turns overflowed the stack.
  std::shared_ptr<const d::history_chain> chain;
  for (int turn = 0; turn < 200000; ++turn) chain = std::make_shared<d::history_chain>(std::move(chain), json::array{});
  const std::weak_ptr<const d::history_chain> first_of_the_rest = chain->before;
  chain.reset();
  BOOST_TEST(first_of_the_rest.expired());
}

BOOST_AUTO_TEST_CASE(text_is_the_serialized_dom) {
  for (const auto& r : records()) {
    for (const bool full_timeline : {false, true}) {
      for (const bool include_input : {false, true}) {
        BOOST_TEST_CONTEXT("status " << r.status << ", full_timeline " << full_timeline << ", include_input "
                                     << include_input) {
          const std::string text = d::resource_text(r, full_timeline, include_input);
          BOOST_TEST(text == json::serialize(d::resource_json(r, full_timeline, include_input)));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(text_carries_output_and_usage_only_when_finished) {
  const auto completed = json::parse(d::resource_text(answered_record("completed"), true, false)).as_object();
  BOOST_TEST(completed.at("steps").as_array().size() == 3u);
  BOOST_TEST(completed.at("usage").at("total_tokens").as_int64() == 22);
  BOOST_TEST(completed.at("usage").at("output_tokens_by_modality").at(0).at("tokens").as_int64() == 11);
  const auto running = json::parse(d::resource_text(answered_record("in_progress"), false, false)).as_object();
  BOOST_TEST(running.at("steps").as_array().empty());
  BOOST_TEST(!running.contains("usage"));
}

BOOST_AUTO_TEST_CASE(timestamps_are_rfc3339_utc) {
  BOOST_TEST(d::rfc3339(0) == "1970-01-01T00:00:00Z");
  BOOST_TEST(d::rfc3339(951'782'400'999) == "2000-02-29T00:00:00Z");  // leap day, milliseconds dropped
  BOOST_TEST(d::rfc3339(4'102'444'799'000) == "2099-12-31T23:59:59Z");
  // Against the C library over 130 years, about 5,000 instants at a step of nine and a half days
  // and an odd number of milliseconds, so that months, days, hours and seconds all vary.
  for (std::int64_t ms = 0; ms < 4'102'444'800'000; ms += 820'512'347) {
    BOOST_TEST_CONTEXT("ms " << ms) { BOOST_TEST(d::rfc3339(ms) == strftime_utc(ms)); }
  }
}

// A text step.delta is planned as its chunk and written without a DOM: its frame is the one the
// DOM would give, for text that needs every kind of escape and for any index and event number.
BOOST_AUTO_TEST_CASE(a_text_delta_frame_equals_its_dom_serialization) {
  const std::string texts[] = {"", "plain words ", "\"quoted\" \\ back\\slash /", "tab\t nl\n cr\r ff\f bs\b",
                               std::string("nul\0 \x01 \x1f \x7f", 11), "caf\xC3\xA9 \xF0\x9F\x98\x80", "</script>"};
  for (const auto& text : texts) {
    for (const std::size_t index : {std::size_t(0), std::size_t(7), std::size_t(123456)}) {
      for (const std::size_t n : {std::size_t(1), std::size_t(10), std::size_t(99999)}) {
        json::object dom{{"index", index}, {"delta", json::object{{"type", "text"}, {"text", text}}}};
        dom["event_id"] = "evt_" + std::to_string(n);
        dom["event_type"] = "step.delta";
        const std::string expected = "event: step.delta\ndata: " + json::serialize(dom) + "\n\n";
        std::string out = "before|";
        d::append_text_delta_frame(out, index, text, n);
        BOOST_TEST(out == "before|" + expected, json::serialize(json::string(text)));
      }
    }
  }
}

// The log keeps every frame's bytes unchanged where they were first put, whatever comes after
// (small frames filling growing blocks, frames too large to share one, thousands of them), and
// small frames appended one after another lie back to back: the writer sends runs of them as one
// buffer.
BOOST_AUTO_TEST_CASE(the_event_log_keeps_frames_in_place_and_back_to_back) {
  d::event_log log;
  std::vector<std::string> sent;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < 3000; ++i) {
    const std::size_t size = i == 5 ? 300000 : i % 97 == 0 ? 20000 : 20 + (i * 37) % 400;
    sent.push_back(std::string(size, static_cast<char>('a' + i % 26)) + std::to_string(i));
    names.push_back(i % 3 == 0 ? "step.start" : "step.delta");
    log.append(names.back(), sent.back(), i + 1 == 3000);
  }
  std::vector<const d::log_frame*> frames;
  BOOST_TEST(log.read(0, frames, {}));
  BOOST_TEST_REQUIRE(frames.size() == sent.size());
  std::size_t adjacent = 0, small_pairs = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST_CONTEXT("frame " << i) {
      BOOST_TEST(frames[i]->bytes == sent[i]);
      BOOST_TEST(frames[i]->name == names[i]);
    }
    if (i > 0 && sent[i].size() < 1000 && sent[i - 1].size() < 1000) {
      ++small_pairs;
      if (frames[i]->bytes.data() == frames[i - 1]->bytes.data() + frames[i - 1]->bytes.size()) ++adjacent;
    }
  }
  // Only a frame that starts a new block breaks a run: a few dozen in 3,000.
  BOOST_TEST(adjacent + 100 > small_pairs);
  BOOST_TEST(adjacent > 2000u);
  std::vector<const d::log_frame*> tail;
  BOOST_TEST(log.read(2990, tail, {}));
  BOOST_TEST_REQUIRE(tail.size() == 10u);
  BOOST_TEST(tail.front() == frames[2990]);
  log.append("step.delta", "after the end", false);  // refused: the log has ended
  BOOST_TEST(log.size() == 3000u);
}

BOOST_AUTO_TEST_SUITE_END()
