// Stream event payloads: gemini::parse_event on each line of the input, and the accumulator
// folding the events in order (as a stream does). Documented failures are std::invalid_argument
// and boost::system::system_error. Invariants: a decoded event written back and decoded again
// gives the same JSON; an event the stream's DOM-free text-delta or media-delta reader accepts
// is the one the general path reads; the accumulator's interaction always writes back and re-parses equal.
#include <gemini/model/accumulator.hpp>
#include <gemini/model/event.hpp>

#include "json_compare.hpp"
#include "model/media_delta_reader.hpp"
#include "model/text_delta_reader.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace {

void require(bool ok)
{
    if (!ok)
        std::abort();
}

void check_round_trip(const gemini::interaction& i)
{
    const boost::json::value first = boost::json::value_from(i);
    const gemini::interaction again = gemini::parse_interaction(boost::json::serialize(first));
    require(fuzz::json_equal(boost::json::value_from(again), first));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    gemini::accumulator acc;
    bool folding = true;
    std::string decoded;   // kept across lines, as a stream keeps it across events
    while (!rest.empty())
    {
        const auto nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        // What the stream's DOM-free reader accepts, the general path must read the same way.
        std::optional<gemini::detail::text_delta_fields> quick =
            gemini::detail::to_fields(gemini::detail::read_text_delta(line, decoded));
        // The plain-form scan in front of the tokenizing reader changes nothing: same verdict,
        // same fields (a wrong "declined" shows here, not only as a missed fast path).
        const auto reference = gemini::detail::read_text_delta_with_tokenizer(line);
        require(quick.has_value() == reference.has_value());
        if (quick)
            require(quick->text == reference->text && quick->event_id == reference->event_id &&
                    quick->index == reference->index);
        const std::optional<gemini::event> media = gemini::detail::read_media_delta(line);
        gemini::event e;
        try
        {
            e = gemini::parse_event(line);
        }
        catch (const std::invalid_argument&)
        {
            require(!quick && !media);
            continue;
        }
        catch (const boost::system::system_error&)
        {
            require(!quick && !media);
            continue;
        }
        if (media)
            require(fuzz::json_equal(boost::json::value_from(*media), boost::json::value_from(e)));
        if (quick)
            require(fuzz::json_equal(boost::json::value_from(gemini::detail::to_event(std::move(*quick))),
                                     boost::json::value_from(e)));
        const boost::json::value first = boost::json::value_from(e);
        const gemini::event again = gemini::parse_event(boost::json::serialize(first));   // must not throw
        require(fuzz::json_equal(boost::json::value_from(again), first));

        if (!folding)
            continue;
        try
        {
            acc.add(e);
        }
        catch (const std::invalid_argument&)
        {
            folding = false;   // a stream stops at an inconsistent event
        }
    }
    check_round_trip(acc.current());
    return 0;
}
