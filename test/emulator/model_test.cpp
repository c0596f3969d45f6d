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

BOOST_AUTO_TEST_SUITE_END()
