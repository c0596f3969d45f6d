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
/// Beast's read does, a connection that ends before any byte is end_of_stream.
template <class Parser, class Split>
boost::system::error_code feed_parser(Parser& parser, std::string_view wire, Split next_size)
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
        for (std::size_t used = 1; used != 0 && !pending.empty() && !parser.is_done();)
        {
            used = parser.put(boost::asio::buffer(pending), ec);
            if (ec == http::error::need_more)
                ec = {};
            if (ec)
                return ec;
            pending.erase(0, used);
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

} // namespace gemini::test
