// The parser of whole responses (src/transport/reply_parser) on arbitrary bytes, against Beast's
// own response_parser<string_body> as the reference: both share Beast's HTTP tokenizer, so any
// difference is in what reply_parser does with what it is handed. Invariants: fed in one piece,
// and fed in the same pseudo-random pieces, the two agree on the error, on completion, and on
// the status, header fields (names, values, order among fields of one name), body and keep-alive
// of a complete message; the whole and the split feed agree on success and on the message; the
// body never exceeds the limit. The first input byte picks the limit, so that it is crossed as
// often as not.
#include "transport/reply_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

// Puts `input` into `parser` in pieces of next_size() bytes, as reads would, keeping the bytes
// a put() left unused (an incomplete header, say) for the next one; then the end of input.
template <class Parser, class Split>
boost::system::error_code feed(Parser& parser, std::string_view input, Split next_size)
{
    std::string pending;
    boost::system::error_code ec;
    while (!parser.is_done())
    {
        if (!input.empty())
        {
            const std::size_t n = std::min(input.size(), next_size());
            pending.append(input.substr(0, n));
            input.remove_prefix(n);
        }
        std::size_t used = 1;
        while (used != 0 && !pending.empty() && !parser.is_done())
        {
            used = parser.put(boost::asio::buffer(pending), ec);
            if (ec == http::error::need_more)
                ec = {};
            if (ec)
                return ec;
            pending.erase(0, used);
        }
        if (input.empty())
        {
            // As Beast's read does: no byte at all is end_of_stream (put_eof requires one).
            if (!parser.got_some())
                return http::error::end_of_stream;
            if (!parser.is_done())
                parser.put_eof(ec);
            return ec;
        }
    }
    return ec;
}

template <class Split>
outcome run_ours(std::string_view input, std::size_t limit, Split next_size)
{
    gemini::detail::reply_parser parser(limit);
    parser.eager(true);
    outcome out;
    out.ec = feed(parser, input, next_size);
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
outcome run_beast(std::string_view input, std::size_t limit, Split next_size)
{
    http::response_parser<http::string_body> parser;
    parser.body_limit(limit);
    parser.eager(true);
    outcome out;
    out.ec = feed(parser, input, next_size);
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

#define require(ok) check(ok, #ok)
void check(bool ok, const char* what)
{
    if (!ok)
    {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::size_t limit = data[0] < 128 ? data[0] : std::size_t{1} << 20;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::uint32_t seed = 2166136261u;
    for (unsigned char c : input.substr(0, 64))
        seed = (seed ^ c) * 16777619u;
    const auto random_split = [seed]() mutable {
        seed = seed * 1103515245u + 12345u;
        return std::size_t{1} + (seed >> 16) % 23;
    };
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
    return 0;
}
