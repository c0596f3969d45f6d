// Factories of tools.
#include <gemini/model/tool.hpp>

#include <utility>

namespace gemini {

tool tool::function(std::string name, std::string description, boost::json::object parameters)
{
    return function_tool{.name = std::move(name),
                         .description = std::move(description),
                         .parameters = std::move(parameters)};
}

} // namespace gemini
