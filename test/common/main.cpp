#define BOOST_TEST_MODULE gemini_asio
#include <boost/test/unit_test.hpp>
