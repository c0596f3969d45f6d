// Helpers shared by the model tests: JSON round trips with readable failure messages.
#pragma once

#include <gemini/model.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

namespace gemini::test {

/// Parses `text` into T and writes it back.
template<class T>
boost::json::value round_trip(const boost::json::value& original)
{
    T typed = boost::json::value_to<T>(original);
    return boost::json::value_from(typed);
}

/// Checks that `text` survives parse -> T -> JSON unchanged (JSON equality).
template<class T>
void check_round_trip(std::string_view text)
{
    boost::json::value original = boost::json::parse(text);
    boost::json::value back = round_trip<T>(original);
    BOOST_TEST(back == original, "round trip changed the JSON:\n  in:  " << boost::json::serialize(original)
                                                                        << "\n  out: " << boost::json::serialize(back));
}

/// The message of the std::invalid_argument thrown when reading `text` as T (empty if none).
template<class T>
std::string read_error(std::string_view text)
{
    boost::json::value jv = boost::json::parse(text);
    try
    {
        (void)boost::json::value_to<T>(jv);
    }
    catch (const std::invalid_argument& e)
    {
        return e.what();
    }
    return {};
}

} // namespace gemini::test
