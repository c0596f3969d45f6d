// Bytes into a Beast HTTP parser the way reads of a socket deliver them (unit tests, fuzzing).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace gemini::test {

/// Puts `wire` into `parser` in pieces of next_size() bytes, keeping the bytes a put() left
/// unused (an incomplete header, say) for the next one, then the end of the connection. As
/// Beast's read does, a connection that ends before any byte is end_of_stream. A parser that
/// stops with need_buffer (its body window is full) calls `window_full`, which lends another of
/// at least one byte and returns true, or returns false to stop there with need_buffer.
template <class Parser, class Split, class WindowFull>
boost::system::error_code feed_parser(Parser& parser, std::string_view wire, Split next_size, WindowFull window_full)
{
    namespace http = boost::beast::http;
    std::string pending;
    boost::system::error_code ec;
    while (!parser.is_done())
    {
        if (!wire.empty())
        {
            const std::size_t n = std::min(wire.size(), next_size());
            pending.append(wire.substr(0, n));
            wire.remove_prefix(n);
        }
        for (bool progress = true; progress && !pending.empty() && !parser.is_done();)
        {
            const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
            const bool full = ec == http::error::need_buffer && window_full();
            if (full || ec == http::error::need_more)
                ec = {};
            if (ec)
                return ec;
            pending.erase(0, used);
            progress = used != 0 || full;
        }
        if (wire.empty())
        {
            if (!parser.got_some())
                return http::error::end_of_stream;
            if (!parser.is_done())
                parser.put_eof(ec);
            return ec;
        }
    }
    return ec;
}

/// The same for a parser that collects its body itself.
template <class Parser, class Split>
boost::system::error_code feed_parser(Parser& parser, std::string_view wire, Split next_size)
{
    return feed_parser(parser, wire, next_size, [] { return false; });
}

} // namespace gemini::test
