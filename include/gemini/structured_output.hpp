#pragma once
// Structured output from C++ types (docs/structured-output.md):
//
//     struct city { std::string name; std::int64_t population; std::optional<std::string> motto; };
//     BOOST_DESCRIBE_STRUCT(city, (), (name, population, motto))
//
//     req.response_format = gemini::response_format_for<city>();   // JSON constrained by the schema
//     gemini::interaction answer = co_await client.create(req);
//     city c = answer.parse<city>();                                // or gemini::output_as<city>(answer)
//
// Supported member types: described structs (nested), described enums (string enums of the
// enumerator names), std::vector<U>, std::optional<U> (a member that may be absent), bool,
// integers (std::int8_t and std::uint8_t too, but not char, wchar_t, char8/16/32_t), floating
// point, std::string. Anything else is a compile-time
// error naming the supported set.
//
// The templates only walk the type; JSON parsing, error text and the JSON-path bookkeeping are
// compiled code (src/structured_output.cpp).

#include <gemini/error.hpp>
#include <gemini/model/config.hpp>
#include <gemini/model/interaction.hpp>
#include <gemini/model/tool.hpp>

#include <boost/describe/enumerators.hpp>
#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace gemini {

/// One entry of schema_traits<T>::fields: a described member and what it means.
struct field_description
{
    std::string_view name;        ///< the member's name, as in BOOST_DESCRIBE_STRUCT
    std::string_view description; ///< sent as the property's "description"
};

/// Descriptions the model reads together with the schema. Specialise it for your described
/// structs and enums; both members are optional:
///
///     template <>
///     struct gemini::schema_traits<city>
///     {
///         static constexpr std::string_view description = "A city and its key figures";
///         static constexpr gemini::field_description fields[] = {
///             {"population", "Inhabitants within the city limits"},
///         };
///     };
///
/// A `fields` entry naming no member of the struct is a compile-time error. A field's
/// description replaces the description of the field's own type at that place.
template <class T>
struct schema_traits
{
};

namespace detail {

template <class T> struct is_std_optional : std::false_type {};
template <class T> struct is_std_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_std_vector : std::false_type {};
template <class T, class A> struct is_std_vector<std::vector<T, A>> : std::true_type {};

/// Refused as integers: a `char` member more likely holds a character than a number.
/// signed / unsigned char (std::int8_t, std::uint8_t) are small integers.
template <class T>
concept character = std::same_as<T, char> || std::same_as<T, wchar_t> || std::same_as<T, char8_t> ||
                    std::same_as<T, char16_t> || std::same_as<T, char32_t>;

template <class T>
concept schema_integer = std::is_integral_v<T> && !std::same_as<T, bool> && !character<T>;

template <class T>
concept described_struct = std::is_class_v<T> && boost::describe::has_describe_members<T>::value;

template <class T>
concept described_enum = std::is_enum_v<T> && boost::describe::has_describe_enumerators<T>::value;

template <class T>
inline constexpr bool always_false = false;

inline constexpr unsigned member_modifiers = boost::describe::mod_public | boost::describe::mod_inherited;

template <class T>
using members_of = boost::describe::describe_members<T, member_modifiers>;

/// Whether every schema_traits<T>::fields entry names a described member of T.
template <class T>
consteval bool field_descriptions_name_members()
{
    if constexpr (requires { schema_traits<T>::fields; })
    {
        for (const field_description& f : schema_traits<T>::fields)
        {
            bool found = false;
            boost::mp11::mp_for_each<members_of<T>>([&](auto d) {
                if (std::string_view(d.name) == f.name)
                    found = true;
            });
            if (!found)
                return false;
        }
    }
    return true;
}

template <class T>
constexpr std::string_view field_description_of(std::string_view name)
{
    if constexpr (requires { schema_traits<T>::fields; })
        for (const field_description& f : schema_traits<T>::fields)
            if (f.name == name)
                return f.description;
    return {};
}

/// The stack of described structs being expanded, to refuse recursive types (which would never
/// end) with an exception instead of a stack overflow.
struct schema_frame
{
    const schema_frame* parent = nullptr;
    const void* type = nullptr;
};

template <class T>
inline constexpr char type_tag = 0;

/// Throws std::invalid_argument: T contains itself.
[[noreturn]] void throw_recursive_schema();

boost::json::object schema_of_kind(std::string_view type);
boost::json::object string_enum_schema(std::span<const std::string_view> names);
boost::json::object nullable_schema(boost::json::object schema);
boost::json::object array_schema(boost::json::object items);
void add_description(boost::json::object& schema, std::string_view description);
void add_property(boost::json::object& object_schema, std::string_view name, boost::json::object schema,
                  bool required);

template <described_enum E>
constexpr auto enumerator_names()
{
    using list = boost::describe::describe_enumerators<E>;
    std::array<std::string_view, boost::mp11::mp_size<list>::value> names{};
    std::size_t i = 0;
    boost::mp11::mp_for_each<list>([&](auto d) { names[i++] = d.name; });
    return names;
}

template <class T>
boost::json::object schema_for(const schema_frame* frames)
{
    if constexpr (is_std_optional<T>::value)
        return nullable_schema(schema_for<typename T::value_type>(frames));
    else if constexpr (std::same_as<T, bool>)
        return schema_of_kind("boolean");
    else if constexpr (schema_integer<T>)
    {
        boost::json::object s = schema_of_kind("integer");
        if constexpr (std::is_unsigned_v<T>)
            s["minimum"] = 0;
        return s;
    }
    else if constexpr (std::is_floating_point_v<T>)
        return schema_of_kind("number");
    else if constexpr (std::same_as<T, std::string>)
        return schema_of_kind("string");
    else if constexpr (is_std_vector<T>::value)
        return array_schema(schema_for<typename T::value_type>(frames));
    else if constexpr (described_enum<T>)
    {
        static constexpr auto names = enumerator_names<T>();
        boost::json::object s = string_enum_schema(names);
        if constexpr (requires { schema_traits<T>::description; })
            add_description(s, schema_traits<T>::description);
        return s;
    }
    else if constexpr (described_struct<T>)
    {
        static_assert(field_descriptions_name_members<T>(),
                      "gemini::schema_traits<T>::fields names a member that BOOST_DESCRIBE_STRUCT does not list");
        for (const schema_frame* f = frames; f; f = f->parent)
            if (f->type == &type_tag<T>)
                throw_recursive_schema();
        const schema_frame here{frames, &type_tag<T>};
        boost::json::object s = schema_of_kind("object");
        if constexpr (requires { schema_traits<T>::description; })
            add_description(s, schema_traits<T>::description);
        boost::mp11::mp_for_each<members_of<T>>([&](auto d) {
            using member_t = std::remove_cvref_t<decltype(std::declval<T&>().*d.pointer)>;
            boost::json::object property;
            if constexpr (is_std_optional<member_t>::value)
                property = schema_for<typename member_t::value_type>(&here);
            else
                property = schema_for<member_t>(&here);
            if (std::string_view text = field_description_of<T>(d.name); !text.empty())
                add_description(property, text);
            add_property(s, d.name, std::move(property), !is_std_optional<member_t>::value);
        });
        return s;
    }
    else
        static_assert(always_false<T>,
                      "gemini::json_schema_of: unsupported type. Supported: structs described with "
                      "BOOST_DESCRIBE_STRUCT, enums described with BOOST_DESCRIBE_ENUM, std::vector<U>, "
                      "std::optional<U>, bool, integers (not char types), floating point, std::string");
}

// ---- JSON -> T ------------------------------------------------------------------------------

/// Where a value sits in the JSON being converted, kept as a chain of stack frames and turned
/// into text (`$.items[2].price`) only when an error is reported.
struct value_path
{
    const value_path* parent = nullptr;
    std::string_view key{};
    std::size_t index = 0;
    bool is_index = false;
    const std::string* interaction_id = nullptr; ///< set on the root by output_as

    value_path member(std::string_view k) const noexcept { return {this, k, 0, false, nullptr}; }
    value_path element(std::size_t i) const noexcept { return {this, {}, i, true, nullptr}; }
};

/// `$.items[2].price`.
std::string path_text(const value_path& at);

/// Throws gemini::error(errc::output_mismatch) with "<path>: <message>" as library_message.
[[noreturn]] void throw_mismatch(const value_path& at, std::string_view message);
[[noreturn]] void throw_missing(const value_path& at);
[[noreturn]] void throw_unknown_enumerator(const value_path& at, const boost::json::value& got,
                                           std::span<const std::string_view> names);

const boost::json::object& read_object(const boost::json::value& jv, const value_path& at);
const boost::json::array& read_array(const boost::json::value& jv, const value_path& at);
std::string read_string(const boost::json::value& jv, const value_path& at);
bool read_bool(const boost::json::value& jv, const value_path& at);
/// A number whose magnitude is at most `max` (float members: FLT_MAX, else out_of_range).
double read_number(const boost::json::value& jv, const value_path& at,
                   double max = std::numeric_limits<double>::max());
std::int64_t read_signed(const boost::json::value& jv, const value_path& at, std::int64_t min, std::int64_t max);
std::uint64_t read_unsigned(const boost::json::value& jv, const value_path& at, std::uint64_t max);
/// The position of the string `jv` in `names`, or throws (not a string / not one of them).
std::size_t read_enumerator(const boost::json::value& jv, const value_path& at,
                            std::span<const std::string_view> names);

/// The interaction's output_text() parsed as JSON; throws gemini::error(errc::output_mismatch)
/// when there is no text or it is not JSON.
boost::json::value parse_output(const interaction& i);

template <class T>
void read_value(const boost::json::value& jv, T& out, const value_path& at)
{
    if constexpr (is_std_optional<T>::value)
    {
        if (jv.is_null())
            out.reset();
        else
            read_value(jv, out.emplace(), at);
    }
    else if constexpr (std::same_as<T, bool>)
        out = read_bool(jv, at);
    else if constexpr (schema_integer<T>)
    {
        if constexpr (std::is_unsigned_v<T>)
            out = static_cast<T>(read_unsigned(jv, at, std::numeric_limits<T>::max()));
        else
            out = static_cast<T>(
                read_signed(jv, at, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    }
    else if constexpr (std::is_floating_point_v<T>)
        out = static_cast<T>(read_number(
            jv, at, std::numeric_limits<std::conditional_t<std::same_as<T, float>, float, double>>::max()));
    else if constexpr (std::same_as<T, std::string>)
        out = read_string(jv, at);
    else if constexpr (is_std_vector<T>::value)
    {
        const boost::json::array& arr = read_array(jv, at);
        out.clear();
        out.reserve(arr.size());
        for (std::size_t i = 0; i < arr.size(); ++i)
        {
            typename T::value_type element{}; // not emplace_back: vector<bool> has no bool&
            read_value(arr[i], element, at.element(i));
            out.push_back(std::move(element));
        }
    }
    else if constexpr (described_enum<T>)
    {
        static constexpr auto names = enumerator_names<T>();
        const std::size_t pos = read_enumerator(jv, at, names);
        std::size_t i = 0;
        boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto d) {
            if (i++ == pos)
                out = d.value;
        });
    }
    else if constexpr (described_struct<T>)
    {
        // Unknown keys are ignored: the schema forbids none, and a lenient reader loses nothing.
        const boost::json::object& obj = read_object(jv, at);
        boost::mp11::mp_for_each<members_of<T>>([&](auto d) {
            auto& member = out.*d.pointer;
            using member_t = std::remove_cvref_t<decltype(member)>;
            const value_path here = at.member(d.name);
            const boost::json::value* v = obj.if_contains(d.name);
            if constexpr (is_std_optional<member_t>::value)
            {
                if (v == nullptr)
                    member.reset();
                else
                    read_value(*v, member, here);
            }
            else
            {
                if (v == nullptr)
                    throw_missing(here);
                read_value(*v, member, here);
            }
        });
    }
    else
        static_assert(always_false<T>,
                      "gemini::from_json: unsupported type. Supported: structs described with "
                      "BOOST_DESCRIBE_STRUCT, enums described with BOOST_DESCRIBE_ENUM, std::vector<U>, "
                      "std::optional<U>, bool, integers (not char types), floating point, std::string");
}

template <class T>
void write_value(const T& in, boost::json::value& out)
{
    if constexpr (is_std_optional<T>::value)
    {
        if (in)
            write_value(*in, out);
        else
            out = nullptr;
    }
    else if constexpr (std::same_as<T, bool> || std::is_floating_point_v<T>)
        out = in;
    else if constexpr (schema_integer<T>)
    {
        if constexpr (std::is_unsigned_v<T>)
            out = static_cast<std::uint64_t>(in);
        else
            out = static_cast<std::int64_t>(in);
    }
    else if constexpr (std::same_as<T, std::string>)
        out = in;
    else if constexpr (is_std_vector<T>::value)
    {
        boost::json::array& arr = out.emplace_array();
        arr.reserve(in.size());
        for (const auto& e : in)
            write_value(static_cast<const typename T::value_type&>(e), arr.emplace_back(nullptr));
    }
    else if constexpr (described_enum<T>)
    {
        out = "";
        boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto d) {
            if (in == d.value)
                out = d.name;
        });
    }
    else if constexpr (described_struct<T>)
    {
        boost::json::object& obj = out.emplace_object();
        boost::mp11::mp_for_each<members_of<T>>([&](auto d) {
            const auto& member = in.*d.pointer;
            using member_t = std::remove_cvref_t<decltype(member)>;
            if constexpr (is_std_optional<member_t>::value)
            {
                if (member) // absent optionals are left out, as the schema allows
                    write_value(*member, obj[d.name]);
            }
            else
                write_value(member, obj[d.name]);
        });
    }
    else
        static_assert(always_false<T>,
                      "gemini::to_json: unsupported type. Supported: structs described with "
                      "BOOST_DESCRIBE_STRUCT, enums described with BOOST_DESCRIBE_ENUM, std::vector<U>, "
                      "std::optional<U>, bool, integers (not char types), floating point, std::string");
}

} // namespace detail

/// The JSON Schema of T as the API's response_format / function parameters accept it:
/// objects list `properties` in declaration order and `required` (every member that is not a
/// std::optional; left out when empty, which the API rejects); no `additionalProperties`
/// (outside the API's subset). Throws std::invalid_argument for a recursive type.
template <class T>
boost::json::object json_schema_of()
{
    return detail::schema_for<T>(nullptr);
}

/// A text response_format asking for JSON that is an instance of json_schema_of<T>().
template <class T>
response_format response_format_for()
{
    return output_format(text_format{.mime_type = "application/json", .schema = json_schema_of<T>()});
}

/// A function tool whose parameters schema is json_schema_of<Args>() (Args: a described struct).
template <class Args>
tool function_tool_for(std::string name, std::string description)
{
    static_assert(detail::described_struct<Args>,
                  "gemini::function_tool_for: the arguments type must be a struct described with BOOST_DESCRIBE_STRUCT");
    return tool::function(std::move(name), std::move(description), json_schema_of<Args>());
}

/// Converts JSON into T. Throws gemini::error with errc::output_mismatch whose
/// diag().library_message names the first mismatch: `$.items[2].price: expected a number, got a
/// string`, `$.owner.name: missing required field`, `$.colour: unknown enumerator "teal"
/// (expected one of: red, green)`. Members are checked in declaration order. Keys T does not
/// describe are ignored; null or absent std::optional members become empty.
template <class T>
T from_json(const boost::json::value& jv)
{
    T out{};
    detail::read_value(jv, out, detail::value_path{});
    return out;
}

/// T as JSON (empty std::optional members are left out), such that from_json<T> reads it back.
template <class T>
boost::json::value to_json(const T& value)
{
    boost::json::value out;
    detail::write_value(value, out);
    return out;
}

/// The interaction's text output (interaction::output_text()) parsed as JSON and converted
/// into T. Throws gemini::error with errc::output_mismatch when the text is missing or not JSON
/// (e.g. cut short by max_output_tokens: status incomplete), or does not match T (as
/// from_json); diag().interaction_id names the interaction.
template <class T>
T output_as(const interaction& i)
{
    const boost::json::value jv = detail::parse_output(i);
    T out{};
    detail::value_path root;
    root.interaction_id = &i.id;
    detail::read_value(jv, out, root);
    return out;
}

/// interaction::parse<T>() is output_as<T>(*this); defined here, where output_as is.
template <class T>
T interaction::parse() const
{
    return output_as<T>(*this);
}

} // namespace gemini
