// What the fuzz targets share: how an invariant fails, and how an input is cut into pieces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace gemini::fuzz {

/// Aborts, naming the invariant, so that libFuzzer keeps the input as a crash.
inline void check(bool ok, const char* what)
{
    if (!ok)
    {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

/// Piece sizes from 1 to `largest`, drawn from a generator seeded with the input itself, so that
/// an input replays with the same pieces. Each copy continues the sequence on its own: two
/// copies of one splitter cut two feeds alike.
class pseudo_random_split
{
public:
    pseudo_random_split(std::string_view input, std::size_t largest) : largest_(largest)
    {
        for (unsigned char c : input.substr(0, 64))
            state_ = (state_ ^ c) * 16777619u;
    }

    std::size_t operator()()
    {
        state_ = state_ * 1103515245u + 12345u;
        return std::size_t{1} + (state_ >> 16) % largest_;
    }

private:
    std::uint32_t state_ = 2166136261u;
    std::size_t largest_;
};

} // namespace gemini::fuzz

#define require(ok) ::gemini::fuzz::check(ok, #ok)
