#pragma once
// Every enumeration of the API is "known values or any string": servers add values over time.
// open_enum<E> gives a typed view of the known ones while keeping the wire string, so that a value
// this library has never heard of still reaches the caller and is sent back unchanged.

#include <boost/describe/enum.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/mp11/algorithm.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace gemini {

namespace detail {

/// Wire name of a described enumerator: its identifier without one trailing underscore, so that
/// C++ keywords can be spelt `auto_` and still map to `"auto"`.
constexpr std::string_view enumerator_wire_name(std::string_view identifier) noexcept
{
    if (!identifier.empty() && identifier.back() == '_')
        identifier.remove_suffix(1);
    return identifier;
}

} // namespace detail

/// An enum value that is one of the described enumerators of E or any other wire string.
/// E must be described with BOOST_DESCRIBE_ENUM and have an enumerator `unknown`, which known()
/// returns for strings that match no other enumerator.
template<class E>
class open_enum
{
public:
    /// The `unknown` value with an empty wire string.
    open_enum() = default;

    /// A known value; its wire string is the enumerator's name.
    open_enum(E value) : raw_(to_wire(value)), known_(value) {}

    /// Any wire string; known() tells whether this library recognises it.
    open_enum(std::string wire) : raw_(std::move(wire)), known_(from_wire(raw_)) {}
    open_enum(std::string_view wire) : open_enum(std::string(wire)) {}  ///< the same
    open_enum(const char* wire) : open_enum(std::string(wire)) {}       ///< the same

    /// The recognised value, or E::unknown.
    E known() const noexcept { return known_; }

    /// The wire string, exactly as received or as it will be sent.
    const std::string& str() const noexcept { return raw_; }

    /// True when the value is one this library knows.
    bool is_known() const noexcept { return known_ != E::unknown; }

    friend bool operator==(const open_enum& a, E b) noexcept { return a.known_ == b; }
    friend bool operator==(const open_enum& a, const open_enum& b) noexcept { return a.raw_ == b.raw_; }
    friend bool operator==(const open_enum& a, std::string_view b) noexcept { return a.raw_ == b; }

    /// The wire name of a known enumerator (empty for `unknown` and undescribed values).
    static std::string to_wire(E value)
    {
        std::string_view name;
        boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
            if (d.value == value && d.value != E::unknown)
                name = detail::enumerator_wire_name(d.name);
        });
        return std::string(name);
    }

    /// The enumerator whose wire name equals `wire`, or E::unknown.
    static E from_wire(std::string_view wire) noexcept
    {
        E found = E::unknown;
        boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
            if (d.value != E::unknown && detail::enumerator_wire_name(d.name) == wire)
                found = d.value;
        });
        return found;
    }

private:
    std::string raw_;
    E known_ = E::unknown;
};

} // namespace gemini
