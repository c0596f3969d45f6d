#pragma once
// Internal exception for a failed exchange: which class of failure (errc), the system or TLS
// error that caused it, and what the library was doing. Operations turn it into diagnostics.

#include <gemini/error.hpp>

#include <string>

namespace gemini::detail {

struct transport_failure
{
    errc code;
    error_code cause;
    std::string what;
    bool before_response = false;   ///< no response byte was received: safe to retry
    /// The request was not sent whole (its write failed): the server cannot have run it.
    bool unsent = false;
};

} // namespace gemini::detail
