#pragma once
// JSON in its plain form: integers that fit an int64 without fraction or exponent, no literals,
// strings whose escapes and UTF-8 are the common ones. The service writes nearly everything it
// sends that way, and such text is read here without a general tokenizer: sixteen bytes per step
// through strings (eight without SSE2), no state kept for resuming. Whatever else (or anything
// not valid) makes the readers below `unsure`; the caller then hands the text to Boost.JSON's
// basic_parser, which decides as before. The fuzz targets check that both agree where this is
// sure. Both readers decode string values with decoded_string(): views into the text when a
// string has no escape and no byte above 0x7F, else into a buffer of the caller's.

#include "model/utf8_sequence.hpp"

#include <boost/system/error_code.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>   // part of every x86-64
#endif

namespace gemini::detail {

/// The outcome of a reader of plain JSON.
enum class plain_scan
{
    accepted,   ///< read, of the expected shape
    declined,   ///< not of the expected shape (the tokenizer would say the same)
    unsure,     ///< a string, number or literal the reader does not take, malformed text
};

/// A position in plain JSON text.
class plain_json_cursor
{
public:
    explicit plain_json_cursor(std::string_view text) noexcept : p_(text.data()), end_(text.data() + text.size()) {}

    bool at_end() const noexcept { return p_ == end_; }
    const char* position() const noexcept { return p_; }

    /// The next byte after white space, or 0 at the end.
    char peek() noexcept
    {
        skip_space();
        return p_ == end_ ? '\0' : *p_;
    }

    void skip_space() noexcept
    {
        // Every byte of a token is above ' ', white space at or below it.
        while (p_ != end_ && static_cast<unsigned char>(*p_) <= ' ' &&
               (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
            ++p_;
    }

    /// Moves past the byte peek() returned.
    void advance() noexcept { ++p_; }

    /// Moves past `c` (after white space) when it is next.
    bool take_char(char c) noexcept
    {
        if (p_ != end_ && *p_ == c)   // the service writes no white space between tokens
        {
            ++p_;
            return true;
        }
        skip_space();
        if (p_ == end_ || *p_ != c)
            return false;
        ++p_;
        return true;
    }

    /// Whether the text at the cursor is `expected`; moves past it when it is. Compilers turn
    /// the fixed-size compare into a load or two.
    template<std::size_t N>
    bool literal(const char (&expected)[N]) noexcept
    {
        constexpr std::size_t size = N - 1;
        if (static_cast<std::size_t>(end_ - p_) < size || std::memcmp(p_, expected, size) != 0)
            return false;
        p_ += size;
        return true;
    }

    /// A plain string after its opening quote, moving past its closing one; false (unsure) at
    /// an escape, a control character, a byte above 0x7F or the end of the text.
    bool plain_string(std::string_view& out) noexcept
    {
        const char* start = p_;
        skip_plain();
        if (p_ == end_ || *p_ != '"')
            return false;
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
    }

    /// A string after its opening quote, moving past its closing one, with its escapes decoded
    /// and its UTF-8 checked: a view into the text when it has neither (most strings), else into
    /// `decoded`. False (unsure) at a control character, a malformed escape or UTF-8 sequence,
    /// an escaped surrogate (\uD800-\uDFFF: how halves pair, or fail to, is the tokenizer's
    /// call) or the end of the text.
    bool decoded_string(std::string& decoded, std::string_view& out)
    {
        const char* start = p_;
        return plain_string(out) || decode_rest(start, decoded, out);
    }

private:
    // decoded_string() past the string's plain start, which begins at `start`. Kept out of line
    // so that the common case, a plain string, inlines where the readers call it.
    [[gnu::noinline]] bool decode_rest(const char* start, std::string& decoded, std::string_view& out)
    {
        decoded.assign(start, p_);   // plain_string stopped at the first byte it does not take
        for (;;)
        {
            if (p_ == end_)
                return false;
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"')
            {
                ++p_;
                out = decoded;
                return true;
            }
            if (!(c == '\\' ? escape(decoded) : c > 0x7F && utf8_sequence(decoded)))
                return false;   // an escape or sequence this does not take, or a control character
            const char* run = p_;
            skip_plain();
            decoded.append(run, p_);
        }
    }

public:
    /// -?[1-9][0-9]* or 0, at most 18 digits, followed by no fraction or exponent; false (unsure)
    /// for anything else, "-0" included (whether that is an integer is the tokenizer's call).
    bool plain_integer(std::int64_t& out) noexcept
    {
        const bool negative = p_ != end_ && *p_ == '-';
        if (negative)
            ++p_;
        if (p_ == end_ || *p_ < '0' || *p_ > '9' || (*p_ == '0' && negative))
            return false;
        std::uint64_t v = 0;
        const char* start = p_;
        for (; p_ != end_ && *p_ >= '0' && *p_ <= '9'; ++p_)
            v = v * 10 + static_cast<unsigned>(*p_ - '0');
        const auto digits = p_ - start;
        if ((digits > 1 && *start == '0') || digits > 18)
            return false;
        if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E'))
            return false;
        out = negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
        return true;
    }

private:
    // Moves over the bytes a string holds as they are: up to a '"', '\\', control character,
    // byte above 0x7F or the end.
    void skip_plain() noexcept
    {
        while (end_ - p_ >= chunk)
        {
            const unsigned first = first_special(p_);
            p_ += first;
            if (first < chunk)
                return;
        }
        while (p_ != end_)
        {
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"' || c == '\\' || c < 0x20 || c > 0x7F)
                return;
            ++p_;
        }
    }

    // The escape at p_ (its backslash), decoded onto `decoded`.
    bool escape(std::string& decoded)
    {
        if (end_ - p_ < 2)
            return false;
        char simple;
        switch (p_[1])
        {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': return unicode_escape(decoded);
        default: return false;
        }
        decoded += simple;
        p_ += 2;
        return true;
    }

    // \uXXXX outside the surrogates, written as UTF-8.
    bool unicode_escape(std::string& decoded)
    {
        if (end_ - p_ < 6)
            return false;
        unsigned code = 0;
        for (int i = 2; i < 6; ++i)
        {
            const char h = p_[i];
            const unsigned digit = h >= '0' && h <= '9'   ? static_cast<unsigned>(h - '0')
                                   : h >= 'a' && h <= 'f' ? static_cast<unsigned>(h - 'a' + 10)
                                   : h >= 'A' && h <= 'F' ? static_cast<unsigned>(h - 'A' + 10)
                                                          : 16u;
            if (digit == 16)
                return false;
            code = code * 16 + digit;
        }
        if (code >= 0xD800 && code <= 0xDFFF)
            return false;
        if (code < 0x80)
            decoded += static_cast<char>(code);
        else if (code < 0x800)
        {
            decoded += static_cast<char>(0xC0 | (code >> 6));
            decoded += static_cast<char>(0x80 | (code & 0x3F));
        }
        else
        {
            decoded += static_cast<char>(0xE0 | (code >> 12));
            decoded += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            decoded += static_cast<char>(0x80 | (code & 0x3F));
        }
        p_ += 6;
        return true;
    }

    // The UTF-8 sequence at p_ (a byte above 0x7F), when it is well-formed, copied onto
    // `decoded`.
    bool utf8_sequence(std::string& decoded)
    {
        const std::size_t size = utf8_sequence_length(p_, static_cast<std::size_t>(end_ - p_));
        if (size == 0)
            return false;
        decoded.append(p_, size);
        p_ += static_cast<std::ptrdiff_t>(size);
        return true;
    }

    // The offset of the first byte among the `chunk` bytes at `p` that ends or complicates a plain
    // string ('"', '\\', below 0x20 or above 0x7F), or `chunk` when there is none.
#if defined(__SSE2__)
    static constexpr std::ptrdiff_t chunk = 16;

    static unsigned first_special(const char* p) noexcept
    {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('"'));
        const __m128i backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'));
        // Signed: bytes above 0x7F are negative, so "below 0x20" catches them too.
        const __m128i low_or_high = _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20));
        const auto special = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), low_or_high)));
        return special == 0 ? chunk : static_cast<unsigned>(std::countr_zero(special));
    }
#else
    static constexpr std::ptrdiff_t chunk = 8;

    static unsigned first_special(const char* p) noexcept
    {
        static_assert(std::endian::native == std::endian::little, "the first byte is the lowest");
        constexpr std::uint64_t ones = 0x0101010101010101u;
        constexpr std::uint64_t highs = 0x8080808080808080u;
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        const auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
        const std::uint64_t low = (word - ones * 0x20) & ~word & highs;   // < 0x20
        const std::uint64_t special = zero_byte(word ^ (ones * '"')) | zero_byte(word ^ (ones * '\\')) | low | (word & highs);
        return special == 0 ? chunk : static_cast<unsigned>(std::countr_zero(special) / 8);
    }
#endif

    const char* p_;
    const char* end_;
};

/// Drives a Boost.JSON basic_parser handler through plain JSON text with the calls the parser
/// would make for it (whole keys and strings, on_int64 for integers), so that one handler serves
/// both readers. `declined` when the handler refused a call; `unsure` when the text is not plain
/// or not valid, the handler then having seen part of it.
template<class Handler>
class plain_sax_driver
{
public:
    plain_sax_driver(std::string_view text, Handler& handler) noexcept : in_(text), handler_(handler) {}

    plain_scan run()
    {
        if (!handler_.on_document_begin(ec_) || !value(0))
            return result_ == plain_scan::accepted ? plain_scan::declined : result_;
        in_.skip_space();
        if (!in_.at_end())
            return plain_scan::unsure;
        return handler_.on_document_end(ec_) ? plain_scan::accepted : plain_scan::declined;
    }

private:
    static constexpr int max_depth = 32;

    bool unsure() noexcept
    {
        result_ = plain_scan::unsure;
        return false;
    }

    bool value(int depth)
    {
        switch (in_.peek())
        {
        case '{': return object(depth + 1);
        case '[': return array(depth + 1);
        case '"':
        {
            in_.advance();
            std::string_view text;
            if (!in_.decoded_string(decoded_, text))
                return unsure();
            return handler_.on_string(text, text.size(), ec_);
        }
        case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        {
            const char* start = in_.position();
            std::int64_t v = 0;
            if (!in_.plain_integer(v))
                return unsure();
            return handler_.on_int64(v, std::string_view(start, static_cast<std::size_t>(in_.position() - start)), ec_);
        }
        default: return unsure();   // literals, the end of the text, malformed text
        }
    }

    bool object(int depth)
    {
        if (depth > max_depth)
            return unsure();
        in_.advance();   // '{', which value() peeked
        if (!handler_.on_object_begin(ec_))
            return false;
        std::size_t members = 0;
        if (in_.take_char('}'))
            return handler_.on_object_end(members, ec_);
        for (;;)
        {
            std::string_view key;
            if (!in_.take_char('"') || !in_.plain_string(key))
                return unsure();
            if (!handler_.on_key(key, key.size(), ec_))
                return false;
            if (!in_.take_char(':'))
                return unsure();
            if (!value(depth))
                return false;
            ++members;
            if (in_.take_char('}'))
                return handler_.on_object_end(members, ec_);
            if (!in_.take_char(','))
                return unsure();
        }
    }

    bool array(int depth)
    {
        if (depth > max_depth)
            return unsure();
        in_.advance();   // '['
        if (!handler_.on_array_begin(ec_))
            return false;
        std::size_t elements = 0;
        if (in_.take_char(']'))
            return handler_.on_array_end(elements, ec_);
        for (;;)
        {
            if (!value(depth))
                return false;
            ++elements;
            if (in_.take_char(']'))
                return handler_.on_array_end(elements, ec_);
            if (!in_.take_char(','))
                return unsure();
        }
    }

    plain_json_cursor in_;
    Handler& handler_;
    std::string decoded_;   ///< a string value with escapes or text beyond ASCII, decoded
    plain_scan result_ = plain_scan::accepted;
    boost::system::error_code ec_;
};

} // namespace gemini::detail
