#pragma once
// What the HTTP layer saw for one call: kept beside every result so users can read rate-limit
// headers, request ids and the like without the library knowing about each of them.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gemini {

/// HTTP status and response headers of the exchange that produced a result.
struct response_info
{
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;

    /// The first header with this name (case-insensitive), or an empty view.
    std::string_view header(std::string_view name) const noexcept;
};

} // namespace gemini
