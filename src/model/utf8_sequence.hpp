#pragma once
// The length of one well-formed UTF-8 sequence (the Unicode standard's table 3-7: no overlong
// form, no surrogate, nothing above U+10FFFF), for readers of text the server sent.

#include <cstddef>

namespace gemini::detail {

/// The length (1 to 4) of the well-formed UTF-8 sequence at `p`, of which `available` bytes are
/// there; 0 when it is malformed or cut short.
inline std::size_t utf8_sequence_length(const char* p, std::size_t available) noexcept
{
    if (available == 0)
        return 0;
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    if (b[0] < 0x80)
        return 1;
    std::size_t size = 0;
    unsigned char second_low = 0x80, second_high = 0xBF;
    if (b[0] >= 0xC2 && b[0] <= 0xDF)
        size = 2;
    else if (b[0] >= 0xE0 && b[0] <= 0xEF)
    {
        size = 3;
        if (b[0] == 0xE0)
            second_low = 0xA0;
        else if (b[0] == 0xED)
            second_high = 0x9F;
    }
    else if (b[0] >= 0xF0 && b[0] <= 0xF4)
    {
        size = 4;
        if (b[0] == 0xF0)
            second_low = 0x90;
        else if (b[0] == 0xF4)
            second_high = 0x8F;
    }
    else
        return 0;
    if (available < size || b[1] < second_low || b[1] > second_high)
        return 0;
    for (std::size_t i = 2; i < size; ++i)
        if (b[i] < 0x80 || b[i] > 0xBF)
            return 0;
    return size;
}

} // namespace gemini::detail
