// The parser of responses (src/transport/reply_parser) on arbitrary bytes, against Beast's
// own response_parser<string_body> as the reference: both share Beast's HTTP tokenizer, so any
// difference is in what reply_parser does with what it is handed. Invariants: fed in one piece,
// and fed in the same pseudo-random pieces, the two agree on the error, on completion, and on
// the status, header fields (names, values, order among fields of one name), body and keep-alive
// of a complete message; the whole and the split feed agree on success and on the message; the
// body never exceeds the limit. The first input byte picks the limit, so that it is crossed as
// often as not. A stream's parser (windowed, its body into windows of pseudo-random sizes, no
// limit) agrees with the whole feed on success and on the message, unless the whole one failed
// on the limit; the parity of the input's length picks whether it is eager, as tests feed it,
// or not, as the client reads a stream (its header read leaves the parser so).
#include "../common/feed_parser.hpp"
#include "fuzz_support.hpp"
#include "transport/reply_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace http = boost::beast::http;

struct outcome
{
    boost::system::error_code ec;
    bool done = false;
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> fields;
    std::string body;
    bool keep_alive = false;
};

template <class Split>
outcome run_ours(std::string_view input, std::size_t limit, Split next_size)
{
    gemini::detail::reply_parser parser(limit);
    parser.eager(true);
    outcome out;
    out.ec = gemini::test::feed_parser(parser, input, next_size);
    out.done = parser.is_done();
    if (out.done)
    {
        out.status = parser.info().status;
        out.fields = parser.info().headers;
        out.keep_alive = parser.keep_alive();
    }
    out.body = parser.body();
    return out;
}

template <class Split>
outcome run_windowed(std::string_view input, Split next_size, Split next_window)
{
    gemini::detail::reply_parser parser(gemini::detail::reply_parser::windowed);
    parser.eager(input.size() % 2 == 0);
    std::string window(64, '\0');
    std::size_t lent = 0;
    outcome out;
    const auto take = [&] {
        out.body.append(window.data(), lent - parser.window_left());
        lent = next_window();
        parser.lend_window(window.data(), lent);
        return true;
    };
    take();
    out.ec = gemini::test::feed_parser(parser, input, next_size, take);
    take();
    out.done = parser.is_done();
    if (out.done)
    {
        out.status = parser.info().status;
        out.fields = parser.info().headers;
        out.keep_alive = parser.keep_alive();
    }
    require(parser.body().empty());
    return out;
}

template <class Split>
outcome run_beast(std::string_view input, std::size_t limit, Split next_size)
{
    http::response_parser<http::string_body> parser;
    parser.body_limit(limit);
    parser.eager(true);
    outcome out;
    out.ec = gemini::test::feed_parser(parser, input, next_size);
    out.done = parser.is_done();
    if (out.done)
    {
        const auto& res = parser.get();
        out.status = res.result_int();
        for (const auto& f : res)
            out.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
        out.keep_alive = parser.keep_alive();
        out.body = res.body();
    }
    return out;
}

// Beast's fields put a repeated name after the last field of that name; reply_parser keeps the
// order of the wire. Both keep the order among fields of one name, which is what must agree.
std::vector<std::pair<std::string, std::string>> by_name(std::vector<std::pair<std::string, std::string>> fields)
{
    const auto lower = [](std::string s) {
        for (char& c : s)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    std::stable_sort(fields.begin(), fields.end(),
                     [&](const auto& a, const auto& b) { return lower(a.first) < lower(b.first); });
    return fields;
}

bool same_message(const outcome& a, const outcome& b)
{
    return a.done == b.done && (!a.done || (a.status == b.status && by_name(a.fields) == by_name(b.fields) &&
                                            a.body == b.body && a.keep_alive == b.keep_alive));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::size_t limit = data[0] < 128 ? data[0] : std::size_t{1} << 20;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const gemini::fuzz::pseudo_random_split random_split(input, 23);
    const auto in_one_piece = [] { return std::size_t(-1); };

    const auto whole = run_ours(input, limit, in_one_piece);
    const auto reference = run_beast(input, limit, in_one_piece);
    require(whole.ec == reference.ec && same_message(whole, reference));
    require(whole.body.size() <= limit);

    // Beast's tokenizer may name a different error for a malformed header that arrived in
    // pieces (bad_field at once, or partial_message once it waited for the end of the header
    // in vain), so across feeds only failure itself must agree.
    const auto split = run_ours(input, limit, random_split);
    const auto split_reference = run_beast(input, limit, random_split);
    require(split.ec == split_reference.ec && same_message(split, split_reference));
    require(bool(split.ec) == bool(whole.ec) && same_message(split, whole));

    // Window sizes from a generator seeded apart from the pieces' (the input's second half).
    const gemini::fuzz::pseudo_random_split random_windows(input.substr(input.size() / 2), 64);
    const auto windowed = run_windowed(input, random_split, random_windows);
    if (whole.ec != http::error::body_limit)
        require(bool(windowed.ec) == bool(whole.ec) && (windowed.ec || same_message(windowed, whole)));
    return 0;
}
