// gemini::parse_interaction on arbitrary text. Documented failures are std::invalid_argument and
// boost::system::system_error; anything else escaping is a finding. Invariant: a decoded
// interaction written back (value_from) and decoded again gives the same JSON (nothing dropped,
// nothing invented), and the convenience accessors do not throw.
#include <gemini/model/interaction.hpp>

#include "json_compare.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    gemini::interaction i;
    try
    {
        i = gemini::parse_interaction(text);
    }
    catch (const std::invalid_argument&)
    {
        return 0;
    }
    catch (const boost::system::system_error&)
    {
        return 0;
    }
    (void)i.output_text();
    (void)i.output_image();
    (void)i.function_calls();
    (void)i.last_turn();

    const boost::json::value first = boost::json::value_from(i);
    const std::string written = boost::json::serialize(first);
    const gemini::interaction again = gemini::parse_interaction(written);   // must not throw
    if (!fuzz::json_equal(boost::json::value_from(again), first))
        std::abort();
    return 0;
}
