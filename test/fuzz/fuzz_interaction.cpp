// gemini::parse_interaction on arbitrary text. Documented failures are std::invalid_argument and
// boost::system::system_error; anything else escaping is a finding. Invariants:
//   * where the plain scan of common answers is sure, the tokenizer (basic_parser with the same
//     handler) gives the same verdict and the same interaction;
//   * what the DOM-free reader of common answers accepts, the general path (a Boost.JSON DOM and
//     value_to) reads into the same interaction;
//   * a decoded interaction written back (value_from) and decoded again gives the same JSON
//     (nothing dropped, nothing invented), and the convenience accessors do not throw.
#include <gemini/model/interaction.hpp>

#include "fuzz_support.hpp"
#include "json_compare.hpp"
#include "model/interaction_reader.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace {

using gemini::fuzz::check;

/// The general path, without the reader in front of it; nullopt where it refuses the text.
std::optional<gemini::interaction> read_generally(std::string_view text)
{
    try
    {
        return boost::json::value_to<gemini::interaction>(boost::json::parse(text));
    }
    catch (const std::invalid_argument&)
    {
    }
    catch (const boost::system::system_error&)
    {
    }
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    {
        using gemini::detail::plain_scan;
        gemini::interaction scanned, tokenized;
        const plain_scan scan = gemini::detail::scan_common_interaction(text, scanned);
        const bool read = gemini::detail::read_common_interaction_with_tokenizer(text, tokenized);
        if (scan != plain_scan::unsure)
        {
            check(read == (scan == plain_scan::accepted), "the plain scan and the tokenizer disagree on the shape");
            if (read)
                check(boost::json::value_from(scanned) == boost::json::value_from(tokenized),
                      "the plain scan and the tokenizer read different interactions");
        }
    }

    gemini::interaction quick;
    if (gemini::detail::read_common_interaction(text, quick))
    {
        const std::optional<gemini::interaction> general = read_generally(text);
        check(general.has_value(), "the common-answer reader accepted what the general path refuses");
        check(fuzz::json_equal(boost::json::value_from(quick), boost::json::value_from(*general)),
              "the common-answer reader and the general path read different interactions");
    }

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
    check(fuzz::json_equal(boost::json::value_from(again), first), "an interaction did not survive a round trip");
    return 0;
}
