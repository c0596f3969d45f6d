#include "transport/reply_parser.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstring>

namespace gemini::detail {

namespace {

// Room for the fields of a typical answer (the service sends about a dozen), so that they
// arrive without the vector growing.
constexpr std::size_t expected_fields = 16;

} // namespace

reply_parser::reply_parser(std::size_t body_limit) : body_limit_(body_limit)
{
    this->body_limit(body_limit_);
    info_.headers.reserve(expected_fields);
}

reply_parser::reply_parser(windowed_t) : windowed_(true)
{
    body_limit(body_limit_);   // none: streams are bounded per event, not in total
    info_.headers.reserve(expected_fields);
}

bool reply_parser::skip_interim()
{
    if (info_.status < 100 || info_.status >= 200 || info_.status == 101)
        return false;
    // Beast's parser reads one message: the next one needs a new one, configured alike.
    *this = windowed_ ? reply_parser(windowed) : reply_parser(static_cast<std::size_t>(*body_limit_));
    return true;
}

void reply_parser::on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) {}

void reply_parser::on_response_impl(int code, string_view, int, error_code&)
{
    info_.status = static_cast<unsigned>(code);
}

void reply_parser::on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&)
{
    info_.headers.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
}

void reply_parser::on_header_impl(error_code&)
{
    // A stream keeps its reply's headers as long as it stays open: not the room reserved for them.
    if (windowed_)
        info_.headers.shrink_to_fit();
}

void reply_parser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&)
{
    // The base class has refused a declared length over the limit before this is called.
    if (content_length && !windowed_)
        body_.reserve(static_cast<std::size_t>(*content_length));
}

std::size_t reply_parser::take_body(string_view data, error_code& ec)
{
    if (!windowed_)
    {
        body_.append(data.data(), data.size());
        return data.size();
    }
    // What does not fit stays with the base class, which offers it again after need_buffer.
    const std::size_t n = std::min(data.size(), window_left_);
    if (n != 0)
        std::memcpy(window_, data.data(), n);
    window_ += n;
    window_left_ -= n;
    if (n < data.size())
        ec = boost::beast::http::error::need_buffer;
    return n;
}

std::size_t reply_parser::on_body_impl(string_view data, error_code& ec)
{
    return take_body(data, ec);
}

void reply_parser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t reply_parser::on_chunk_body_impl(std::uint64_t, string_view data, error_code& ec)
{
    return take_body(data, ec);
}

void reply_parser::on_finish_impl(error_code&) {}

} // namespace gemini::detail
