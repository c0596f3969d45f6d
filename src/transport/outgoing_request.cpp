#include "transport/outgoing_request.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <utility>

namespace gemini::detail {
namespace http = boost::beast::http;

namespace {

// RFC 9110 5.6.2: tchar.
bool is_token(std::string_view name) noexcept
{
    constexpr std::string_view punctuation = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               punctuation.find(c) != std::string_view::npos;
    });
}

bool is_field_value(std::string_view value) noexcept
{
    return std::none_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7F;
    });
}

} // namespace

outgoing_request::outgoing_request(http::verb method, std::string_view target) : method_(method)
{
    const std::string_view verb = http::to_string(method);
    bytes_.reserve(384);
    bytes_.append(verb.data(), verb.size()).append(" ").append(target).append(" HTTP/1.1\r\n");
}

outgoing_request::outgoing_request(outgoing_request&& other) noexcept
    : method_(other.method_), bytes_(std::move(other.bytes_)), rest_(std::exchange(other.rest_, {}))
{
    other.bytes_.clear();
}

outgoing_request& outgoing_request::operator=(outgoing_request&& other) noexcept
{
    if (this != &other)
    {
        wipe();
        method_ = other.method_;
        bytes_ = std::move(other.bytes_);
        other.bytes_.clear();
        rest_ = std::exchange(other.rest_, {});
    }
    return *this;
}

outgoing_request::~outgoing_request() { wipe(); }

void outgoing_request::wipe() noexcept
{
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.clear();
}

bool outgoing_request::add_header(std::string_view name, std::string_view value)
{
    if (!is_token(name) || !is_field_value(value))
        return false;
    bytes_.append(name).append(": ").append(value).append("\r\n");
    return true;
}

void outgoing_request::finish(std::string_view body)
{
    if (!body.empty() || method_ == http::verb::post || method_ == http::verb::put || method_ == http::verb::options)
    {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, body.size()).ptr;
        bytes_.append("Content-Length: ").append(digits, end).append("\r\n");
    }
    bytes_.append("\r\n");
    if (body.size() <= max_inline_body)
        bytes_.append(body);
    else
        rest_ = body;
}

} // namespace gemini::detail
