#include "transport/outgoing_request.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

namespace gemini::detail {
namespace http = boost::beast::http;

namespace {

// RFC 9110 5.6.2: tchar. A table, because every header name of every request is checked.
constexpr auto token_chars = [] {
    std::array<bool, 256> table{};
    for (unsigned char c = '0'; c <= '9'; ++c)
        table[c] = true;
    for (unsigned char c = 'a'; c <= 'z'; ++c)
        table[c] = table[c - 'a' + 'A'] = true;
    for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
        table[static_cast<unsigned char>(c)] = true;
    return table;
}();

bool is_token(std::string_view name) noexcept
{
    bool all = !name.empty();
    for (const char c : name)
        all &= token_chars[static_cast<unsigned char>(c)];
    return all;
}

// No control character but tab: a CR or LF would end the field and start another. Eight bytes
// per step (a credential or a user agent is tens of bytes, in every request); a word with a
// byte below 0x20 or equal to 0x7F is looked at byte by byte, for the tab.
bool is_field_value(std::string_view value) noexcept
{
    constexpr std::uint64_t ones = 0x0101010101010101u;
    constexpr std::uint64_t highs = 0x8080808080808080u;
    const auto byte_by_byte = [](std::string_view part) {
        bool clean = true;
        for (const char c : part)
        {
            const auto u = static_cast<unsigned char>(c);
            clean &= (u >= 0x20 || u == '\t') && u != 0x7F;
        }
        return clean;
    };
    std::size_t i = 0;
    for (; i + 8 <= value.size(); i += 8)
    {
        std::uint64_t word;
        std::memcpy(&word, value.data() + i, 8);
        const std::uint64_t del = word ^ (ones * 0x7F);
        const std::uint64_t suspect = ((word - ones * 0x20) & ~word & highs) | ((del - ones) & ~del & highs);
        if (suspect && !byte_by_byte(value.substr(i, 8)))
            return false;
    }
    return byte_by_byte(value.substr(i));
}

} // namespace

outgoing_request::outgoing_request(http::verb method, std::string_view target, std::string_view target_rest)
    : method_(method)
{
    const std::string_view verb = http::to_string(method);
    bytes_.reserve(384);
    bytes_.append(verb.data(), verb.size()).append(" ", 1).append(target).append(target_rest).append(" HTTP/1.1\r\n", 11);
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

// std::string would free an outgrown buffer as it is, and once a credential header is in, the
// buffer holds it: the bytes move to a larger one and the old one is wiped before it goes.
void outgoing_request::make_room(std::size_t extra)
{
    const std::size_t needed = bytes_.size() + extra;
    if (needed <= bytes_.capacity())
        return;
    std::string larger;
    larger.reserve(std::max(needed, 2 * bytes_.capacity()));
    larger.append(bytes_);
    wipe();
    bytes_ = std::move(larger);
}

bool outgoing_request::add_header(std::string_view name, std::string_view value)
{
    if (!is_token(name) || !is_field_value(value))
        return false;
    // One size check and four copies (chained appends check the capacity four times).
    make_room(name.size() + value.size() + 4);
    const std::size_t at = bytes_.size();
    bytes_.resize(at + name.size() + value.size() + 4);
    char* out = bytes_.data() + at;
    out = std::copy(name.begin(), name.end(), out);
    *out++ = ':';
    *out++ = ' ';
    out = std::copy(value.begin(), value.end(), out);
    *out++ = '\r';
    *out = '\n';
    return true;
}

void outgoing_request::finish(std::string_view body)
{
    constexpr std::string_view length_field = "Content-Length: ";
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, body.size()).ptr;
    const std::string_view length(digits, static_cast<std::size_t>(end - digits));
    const bool inline_body = body.size() <= max_inline_body;
    make_room(length_field.size() + length.size() + 4 + (inline_body ? body.size() : 0));
    if (!body.empty() || method_ == http::verb::post || method_ == http::verb::put || method_ == http::verb::options)
        bytes_.append(length_field).append(length).append("\r\n", 2);
    bytes_.append("\r\n", 2);
    if (inline_body)
        bytes_.append(body);
    else
        rest_ = body;
}

} // namespace gemini::detail
