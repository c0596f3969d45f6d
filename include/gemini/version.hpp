#pragma once
// The library version. The macros describe the headers being compiled against; version()
// describes the compiled library that was linked. They differ only when headers and library
// come from different installs, which is worth checking at start-up in plugins and services.
//
// CMake reads the numbers below (project(VERSION) and the package files come from them), so
// this header is the single place where the version is set.

#include <string_view>

#define GEMINI_VERSION_MAJOR 0
#define GEMINI_VERSION_MINOR 2
#define GEMINI_VERSION_PATCH 0
#define GEMINI_VERSION_STRING "0.2.0"

namespace gemini {

/// A library version, as gemini::version() reports it.
struct version_info
{
    int major;              ///< incompatible API changes
    int minor;              ///< compatible additions
    int patch;              ///< fixes
    std::string_view text; ///< "MAJOR.MINOR.PATCH"
};

/// The version of the linked library.
version_info version() noexcept;

/// Whether the linked library is the one these headers belong to.
inline bool headers_match_library() noexcept
{
    const auto v = version();
    return v.major == GEMINI_VERSION_MAJOR && v.minor == GEMINI_VERSION_MINOR && v.patch == GEMINI_VERSION_PATCH;
}

} // namespace gemini
