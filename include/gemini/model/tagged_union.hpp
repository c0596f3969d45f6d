#pragma once
// The API's polymorphic objects (content blocks, steps, tools, annotations, formats, agent
// configs) carry a `type` discriminator. tagged_union is the std::variant they derive from: one
// alternative per known type plus gemini::opaque, which keeps any other object verbatim so that
// it can be replayed to the server unchanged.

#include <boost/json/value.hpp>

#include <string_view>
#include <variant>

namespace gemini {

/// An object of a type this library does not model (a newer step, block or tool type): the
/// whole JSON object, with its key order, written back exactly as it was read.
struct opaque
{
    boost::json::object raw{};

    /// The object's `type` member, or empty when it has none.
    std::string_view type() const noexcept
    {
        if (auto const* t = raw.if_contains("type"); t && t->is_string())
            return t->get_string();
        return {};
    }

    friend bool operator==(const opaque&, const opaque&) = default;
};

/// Base of the discriminated unions. Every alternative except opaque has a
/// `static constexpr std::string_view type_name`, the wire value of its `type`.
/// Works with std::visit, std::get_if and std::holds_alternative.
template<class... Alternatives>
class tagged_union : public std::variant<Alternatives...>
{
public:
    /// The std::variant this is, for std::visit and friends.
    using variant_type = std::variant<Alternatives...>;
    using variant_type::variant;  ///< constructs from any alternative

    /// The wire discriminator of the held alternative (also for opaque ones).
    std::string_view type() const noexcept
    {
        return std::visit(
            [](const auto& alt) -> std::string_view {
                if constexpr (requires { alt.type_name; })
                    return alt.type_name;
                else
                    return alt.type();
            },
            static_cast<const variant_type&>(*this));
    }

    /// The held alternative if it is a T, else nullptr.
    template<class T>
    const T* get_if() const noexcept { return std::get_if<T>(static_cast<const variant_type*>(this)); }
    /// The held alternative if it is a T, else nullptr (mutable).
    template<class T>
    T* get_if() noexcept { return std::get_if<T>(static_cast<variant_type*>(this)); }

    /// Whether the held alternative is a T.
    template<class T>
    bool is() const noexcept { return std::holds_alternative<T>(*this); }
};

} // namespace gemini
