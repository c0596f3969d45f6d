#include <gemini/response_info.hpp>

#include <boost/beast/core/string.hpp>

namespace gemini {

std::string_view response_info::header(std::string_view name) const noexcept
{
    for (const auto& [key, value] : headers)
        if (boost::beast::iequals(key, name))
            return value;
    return {};
}

} // namespace gemini
