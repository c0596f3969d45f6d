// Text helpers of the fake model that answers and ids are made of.
#include "emulator/service.hpp"

#include <boost/test/unit_test.hpp>

namespace d = gemini::emulator::detail;

BOOST_AUTO_TEST_SUITE(emulator_model_text)

BOOST_AUTO_TEST_CASE(base64_follows_rfc_4648) {
  // RFC 4648 section 10's vectors, padded and in the URL alphabet without padding.
  const char* const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* const padded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char* const url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (std::size_t i = 0; i < std::size(in); ++i) {
    BOOST_TEST(d::base64(in[i]) == padded[i]);
    BOOST_TEST(d::base64url(in[i]) == url[i]);
  }
  BOOST_TEST(d::base64("\xfb\xff\xbf") == "+/+/");
  BOOST_TEST(d::base64url("\xfb\xff\xbf") == "-_-_");
}

BOOST_AUTO_TEST_CASE(words_are_counted_between_blanks) {
  BOOST_TEST(d::count_words("") == 0u);
  BOOST_TEST(d::count_words(" \t\r\n ") == 0u);
  BOOST_TEST(d::count_words("one") == 1u);
  BOOST_TEST(d::count_words("  two\twords\n") == 2u);
  BOOST_TEST(d::count_words("a b  c\r\nd") == 4u);
}

// The fake model's answer is a fixed function of the conversation: users snapshot it in their own
// tests, so a rewrite of the model must keep it byte for byte. The digest is FNV-1a over the
// conversation's canonical text ("U|t:<text>\x1e...\x1d"), the signature the base64 of
// "emulator-thought:<digest>:<turn>", the text the sentence with its words spaced singly.
BOOST_AUTO_TEST_CASE(the_answer_is_a_fixed_function_of_the_conversation) {
  const auto history = boost::json::parse(R"([{"type":"user_input","content":[
      {"type":"text","text":"hello  there\nworld"},{"type":"text","text":"two"}]}])").as_array();
  d::generation_params params;
  params.output_words = 0;
  const d::generation g = d::generate(history, params);
  BOOST_TEST(g.digest == 0xb6789f71u);
  BOOST_TEST(g.turn == 1u);
  BOOST_TEST(g.status == "completed");
  BOOST_REQUIRE(g.steps.size() == 2u);
  BOOST_TEST(boost::json::serialize(g.steps[0]) ==
             R"({"type":"thought","signature":")" + d::base64("emulator-thought:b6789f71:1") + R"("})");
  BOOST_TEST(boost::json::serialize(g.steps[1]) ==
             R"({"type":"model_output","content":[{"type":"text","text":"Turn 1. History digest b6789f71. You said: hello there world two"}]})");
  BOOST_TEST(g.usage.input == 4u);
  BOOST_TEST(g.usage.output == 11u);

  params.output_words = 13;  // longer than the sentence: filler words follow it
  const auto longer = d::generate(history, params).steps[1].at("content").at(0).at("text").as_string();
  BOOST_TEST(longer == "Turn 1. History digest b6789f71. You said: hello there world two lorem ipsum");
  params.output_words = 3;
  const auto shorter = d::generate(history, params).steps[1].at("content").at(0).at("text").as_string();
  BOOST_TEST(shorter == "Turn 1. History");
}

BOOST_AUTO_TEST_SUITE_END()
