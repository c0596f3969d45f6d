// Parsing a JSON document that is converted into the typed model right away.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace gemini::detail {

/// The deepest nesting accepted in anything the service sends.
inline constexpr std::size_t max_json_depth = 256;

/// A JSON document parsed into an arena. The DOM of an answer or of a stream event lives only
/// until it is converted into the typed model, which copies what it keeps into its own storage,
/// so its strings, objects and arrays are carved from a buffer inside this object (on the stack
/// of the caller) instead of one heap allocation each; a larger document continues in blocks
/// that are freed with the arena. A value returned by parse() must not outlive this object.
class scratch_document
{
public:
    scratch_document() = default;
    scratch_document(const scratch_document&) = delete;
    scratch_document& operator=(const scratch_document&) = delete;

    boost::json::value parse(std::string_view text, boost::system::error_code& ec)
    {
        boost::json::parse_options limits;
        limits.max_depth = max_json_depth;
        return boost::json::parse(text, ec, &arena_, limits);
    }

private:
    unsigned char buffer_[8192];
    boost::json::monotonic_resource arena_{buffer_, sizeof buffer_};
};

} // namespace gemini::detail
