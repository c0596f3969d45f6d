// The SSE parser (src/sse/parser.hpp) on arbitrary bytes. Invariants: the input fed in one piece,
// byte by byte, and split at pseudo-random points (derived from the input) yields the same
// events, error, retry value and mid-event state; with a small event limit, a split feed yields a
// prefix of the whole feed's events (a line split across feeds is counted against the limit
// earlier, never later) and ends in an error whenever the whole feed does.
#include "fuzz_support.hpp"
#include "sse/parser.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace sse = gemini::detail::sse;

struct outcome
{
    std::vector<std::string> events;   // kind, type, data and id of each event, flattened
    sse::parse_error error = sse::parse_error::none;
    bool mid_event = false;
    std::optional<std::size_t> retry;
};

template <class Split>
outcome run(std::string_view input, std::size_t limit, Split next_size)
{
    sse::parser p(limit);
    outcome out;
    while (!input.empty() && out.error == sse::parse_error::none)
    {
        const std::size_t n = std::min(input.size(), next_size());
        // Each piece in a buffer of its own, overwritten after the feed: a view the parser kept
        // past a feed would read the filler, and the events would differ from the whole feed's.
        std::string piece(input.substr(0, n));
        out.error = p.feed(piece, [&](const sse::event& e) {
            std::string s;
            s += static_cast<char>('0' + static_cast<int>(e.kind));
            s += '|';
            s.append(e.type).append("|").append(e.data).append("|").append(e.id);
            out.events.push_back(std::move(s));
        });
        piece.assign(piece.size(), '\x01');
        input.remove_prefix(n);
    }
    out.mid_event = p.mid_event();
    out.retry = p.retry_ms();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    gemini::fuzz::pseudo_random_split random_split(input, 17);

    const auto whole = run(input, 8u << 20, [] { return std::size_t(-1); });
    const auto split = run(input, 8u << 20, random_split);
    require(split.events == whole.events && split.error == whole.error && split.mid_event == whole.mid_event &&
            split.retry == whole.retry);
    if (size <= 4096)
    {
        const auto bytewise = run(input, 8u << 20, [] { return std::size_t{1}; });
        require(bytewise.events == whole.events && bytewise.error == whole.error &&
                bytewise.mid_event == whole.mid_event && bytewise.retry == whole.retry);
    }

    const auto small_whole = run(input, 64, [] { return std::size_t(-1); });
    const auto small_split = run(input, 64, random_split);
    require(small_split.events.size() <= small_whole.events.size());
    for (std::size_t i = 0; i < small_split.events.size(); ++i)
        require(small_split.events[i] == small_whole.events[i]);
    if (small_whole.error != sse::parse_error::none)
        require(small_split.error != sse::parse_error::none);
    if (small_split.error == sse::parse_error::none)
        require(small_split.events == small_whole.events);
    for (const auto& e : small_whole.events)
        require(e.size() <= 64 + 3 + 2 * 64 + 64 + 8);   // type/id bounded by a line, data by the limit
    return 0;
}
