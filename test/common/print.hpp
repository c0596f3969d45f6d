#pragma once
// How Boost.Test prints the model's enums in failure messages.

#include <gemini/model/enums.hpp>
#include <gemini/model/open_enum.hpp>

#include <ostream>

namespace gemini {

template <class E>
std::ostream& boost_test_print_type(std::ostream& os, const open_enum<E>& e)
{
    return os << e.str();
}

inline std::ostream& boost_test_print_type(std::ostream& os, interaction_status s)
{
    return os << open_enum<interaction_status>(s).str();
}

} // namespace gemini
