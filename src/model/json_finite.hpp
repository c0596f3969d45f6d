#pragma once
// Boost.JSON 1.81 parses a number beyond the range of a double as an infinity and serialises it
// as `Infinity`, which is not JSON: whatever keeps JSON to send it on refuses such numbers. Header
// only, because the emulator refuses them in requests too and does not link the client library.

#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>

namespace gemini::detail {

inline bool all_finite(const boost::json::value& jv) noexcept
{
    const auto finite_member = [](const boost::json::value& v) noexcept {
        return v.is_structured() ? all_finite(v) : !v.is_double() || std::isfinite(v.get_double());
    };
    if (const auto* obj = jv.if_object())
        return std::all_of(obj->begin(), obj->end(),
                           [&](const boost::json::key_value_pair& kv) { return finite_member(kv.value()); });
    if (const auto* arr = jv.if_array())
        return std::all_of(arr->begin(), arr->end(), finite_member);
    return finite_member(jv);
}

} // namespace gemini::detail
