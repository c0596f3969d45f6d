#pragma once
// JSON in its plain form: strings without escapes and with nothing above 0x7F, integers that fit
// an int64 without fraction or exponent, no literals. The service writes nearly everything it
// sends that way, and such text is read here without a general tokenizer: sixteen bytes per
// step through strings (eight without SSE2), no state kept for resuming. Whatever is not plain (or not valid) makes the
// readers below `unsure`, and the caller then hands the text to Boost.JSON's basic_parser,
// which decides as before; the fuzz targets check that both agree where this is sure.

#include <boost/system/error_code.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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
    unsure,     ///< an escape, a byte above 0x7F, a number not a plain integer, malformed text
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
        while (end_ - p_ >= chunk)
        {
            if (const unsigned first = first_special(p_); first < chunk)
            {
                p_ += first;
                break;
            }
            p_ += chunk;
        }
        for (; p_ != end_; ++p_)
        {
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"')
            {
                out = std::string_view(start, static_cast<std::size_t>(p_ - start));
                ++p_;
                return true;
            }
            if (c == '\\' || c < 0x20 || c > 0x7F)
                return false;
        }
        return false;
    }

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

/// Whether `text` holds no backslash and no byte above 0x7F: no string in it can make a plain
/// scan unsure. A reader that would start again with the tokenizer after an unsure scan checks
/// this first (sixteen bytes per step), rather than scan most of a document in vain: a model's
/// text often holds a line break or a character beyond ASCII.
inline bool free_of_escapes_and_non_ascii(std::string_view text) noexcept
{
    const char* p = text.data();
    const char* const end = p + text.size();
#if defined(__SSE2__)
    for (; end - p >= 16; p += 16)
    {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'));
        if (_mm_movemask_epi8(_mm_or_si128(bytes, backslash)) != 0)   // the top bit of each byte
            return false;
    }
#endif
    for (; p != end; ++p)
        if (*p == '\\' || static_cast<unsigned char>(*p) > 0x7F)
            return false;
    return true;
}

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
            if (!in_.plain_string(text))
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
    plain_scan result_ = plain_scan::accepted;
    boost::system::error_code ec_;
};

} // namespace gemini::detail
