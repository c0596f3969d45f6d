#pragma once
// JSON equality for the round-trip invariants: exact, except that doubles may differ in the
// last bits. Boost.JSON 1.81's parser is not correctly rounded (found by fuzz-structured-output
// and fuzz-event: a number's shortest text can parse back one ulp away), which is not a fault of
// the code under test.
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>

namespace fuzz {

inline bool json_equal(const boost::json::value& a, const boost::json::value& b)
{
    if (a.is_double() && b.is_double())
    {
        const double x = a.get_double(), y = b.get_double();
        return x == y || std::abs(x - y) <= 1e-14 * std::max(std::abs(x), std::abs(y));
    }
    if (a.kind() != b.kind())
        return false;
    if (a.is_object())
    {
        const auto& o = a.get_object();
        const auto& p = b.get_object();
        if (o.size() != p.size())
            return false;
        for (const auto& member : o)
        {
            const auto* other = p.if_contains(member.key());
            if (!other || !json_equal(member.value(), *other))
                return false;
        }
        return true;
    }
    if (a.is_array())
    {
        const auto& o = a.get_array();
        const auto& p = b.get_array();
        if (o.size() != p.size())
            return false;
        for (std::size_t i = 0; i < o.size(); ++i)
            if (!json_equal(o[i], p[i]))
                return false;
        return true;
    }
    return a == b;
}

} // namespace fuzz
