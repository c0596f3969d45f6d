#include <gemini/version.hpp>

namespace gemini {

version_info version() noexcept
{
    return {GEMINI_VERSION_MAJOR, GEMINI_VERSION_MINOR, GEMINI_VERSION_PATCH, GEMINI_VERSION_STRING};
}

} // namespace gemini
