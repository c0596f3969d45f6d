// The one generic mechanism behind every JSON conversion of the model: Describe-driven readers
// and writers that
//   * write the described members in order, leave out empty optionals and empty plain
//     (non-optional) vectors, then append `extra`;
//   * read known keys into members, tolerate missing ones (optional -> empty, others -> default),
//     and keep every other key in `extra`;
//   * dispatch tagged unions on `type`, keeping unknown types verbatim as gemini::opaque;
//   * dispatch plain std::variants on the JSON kind (string / array / object ...);
//   * report malformed input with std::invalid_argument naming the JSON path.
#pragma once

#include "model/describe.hpp"

#include <gemini/model.hpp>

#include <boost/describe/members.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace gemini::detail {

namespace json = boost::json;

/// A position in the JSON being read, kept as a chain of stack frames and rendered only when
/// an error is reported (`steps[2].content[0].text`).
struct json_path
{
    const json_path* parent = nullptr;
    std::string_view key;
    std::size_t index = 0;
    bool is_index = false;

    json_path member(std::string_view k) const noexcept { return {this, k, 0, false}; }
    json_path element(std::size_t i) const noexcept { return {this, {}, i, true}; }
    std::string str() const;
};

/// Throws std::invalid_argument("<path>: <message>").
[[noreturn]] void fail(const json_path& at, std::string_view message);

/// Fails at the first number in `jv` that is not finite. Boost.JSON 1.81 parses a number beyond
/// the range of a double (`2e400`) as an infinity, and writes infinities and NaN as `Infinity`
/// and `NaN`, which no JSON parser accepts; such a number is refused where JSON enters the model
/// and where a request leaves it, rather than kept until it turns into text nobody can read.
/// The readers check where they keep JSON as it is (json::value and json::object members,
/// `extra`, opaque alternatives) and where they read a double, so that a typed answer is not
/// walked twice; a walk of each answer cost 1 % of a request.
void require_finite_numbers(const json::value& jv, const json_path& at);

// Leaf conversions (json_io.cpp).
void read(const json::value& jv, std::string& out, const json_path& at);
void read(const json::value& jv, bool& out, const json_path& at);
void read(const json::value& jv, std::int64_t& out, const json_path& at);
void read(const json::value& jv, double& out, const json_path& at);
void read(const json::value& jv, json::value& out, const json_path& at);
void read(const json::value& jv, json::object& out, const json_path& at);
void read(const json::value& jv, std::map<std::string, std::string>& out, const json_path& at);
const json::object& expect_object(const json::value& jv, const json_path& at);
const json::array& expect_array(const json::value& jv, const json_path& at);
/// Which form of `input` an array is: true when every element is a known content block type.
bool is_content_array(const json::array& arr);

// ---- traits ---------------------------------------------------------------------------------

template<class T> struct is_optional : std::false_type {};
template<class T> struct is_optional<std::optional<T>> : std::true_type {};
template<class T> struct is_vector : std::false_type {};
template<class T> struct is_vector<std::vector<T>> : std::true_type {};
template<class T> struct is_std_variant : std::false_type {};
template<class... Ts> struct is_std_variant<std::variant<Ts...>> : std::true_type {};
template<class T> struct is_open_enum : std::false_type {};
template<class E> struct is_open_enum<open_enum<E>> : std::true_type {};

template<class T>
concept tagged = requires { typename T::variant_type; } && !std::same_as<T, input>;

template<class T>
concept described = boost::describe::has_describe_members<T>::value;

/// The JSON kind(s) a C++ type is read from, for kind-dispatched variants and error messages.
template<class T>
constexpr std::string_view kind_name()
{
    if constexpr (std::same_as<T, std::string> || is_open_enum<T>::value)
        return "string";
    else if constexpr (std::same_as<T, bool>)
        return "boolean";
    else if constexpr (std::is_arithmetic_v<T>)
        return "number";
    else if constexpr (is_vector<T>::value)
        return "array";
    else
        return "object";
}

template<class T>
bool accepts(const json::value& jv)
{
    std::string_view k = kind_name<T>();
    if (k == "string") return jv.is_string();
    if (k == "boolean") return jv.is_bool();
    if (k == "number") return jv.is_number();
    if (k == "array") return jv.is_array();
    return jv.is_object();
}

template<class T> void read(const json::value& jv, T& out, const json_path& at);
template<class T> void write(const T& in, json::value& out);

// ---- structs --------------------------------------------------------------------------------

/// Reads the members of a described struct from `obj`; unknown keys go to `out.extra`.
/// `skip_type` drops the discriminator of a tagged-union alternative.
template<described T>
void read_members(const json::object& obj, T& out, const json_path& at, bool skip_type)
{
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    for (const auto& kv : obj)
    {
        std::string_view key = kv.key();
        bool known = false;
        boost::mp11::mp_for_each<members>([&](auto d) {
            // The name is a constant: a key of another length is turned away inline, without the
            // out-of-line string compare (g++ does not inline it here) or computing the name.
            constexpr std::string_view name = enumerator_wire_name(decltype(d)::name);
            if (!known && key.size() == name.size() && key == name)
            {
                known = true;
                read(kv.value(), out.*d.pointer, at.member(key));
            }
        });
        if (!known && !(skip_type && key == "type"))
        {
            require_finite_numbers(kv.value(), at.member(key));
            out.extra.insert_or_assign(key, kv.value());
        }
    }
}

/// Writes the present members of a described struct, then `extra` (which wins on a clash).
template<described T>
void write_members(const T& in, json::object& obj)
{
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    boost::mp11::mp_for_each<members>([&](auto d) {
        const auto& m = in.*d.pointer;
        std::string_view key = enumerator_wire_name(d.name);
        using member_t = std::remove_cvref_t<decltype(m)>;
        if constexpr (is_optional<member_t>::value)
        {
            if (m)
                write(*m, obj[key]);
        }
        else if constexpr (is_vector<member_t>::value)
        {
            // Plain (non-optional) lists are left out when empty: step.start events send steps
            // without their content, and they must replay as they came.
            if (!m.empty())
                write(m, obj[key]);
        }
        else
            write(m, obj[key]);
    });
    for (const auto& kv : in.extra)
        obj.insert_or_assign(kv.key(), kv.value());
}

// ---- tagged unions --------------------------------------------------------------------------

template<tagged T>
void read_tagged(const json::value& jv, T& out, const json_path& at)
{
    const json::object& obj = expect_object(jv, at);
    const json::value* type = obj.if_contains("type");
    if (type == nullptr)
    {
        if constexpr (requires { T::untyped_is_opaque; })
        {
            require_finite_numbers(jv, at);
            out = opaque{json::object(obj, json::storage_ptr())};   // not the parser's arena
            return;
        }
        fail(at.member("type"), "missing discriminator");
    }
    if (!type->is_string())
        fail(at.member("type"), "expected string");
    std::string_view name = type->get_string();
    bool found = false;
    using alternatives = boost::mp11::mp_transform<boost::mp11::mp_identity,
                                                   boost::mp11::mp_rename<typename T::variant_type, boost::mp11::mp_list>>;
    boost::mp11::mp_for_each<alternatives>([&](auto id) {
        using alt = typename decltype(id)::type;
        if constexpr (requires { alt::type_name; })
        {
            if (!found && alt::type_name == name)
            {
                found = true;
                alt value;
                read_members(obj, value, at, true);
                out = std::move(value);
            }
        }
    });
    if (!found)
    {
        require_finite_numbers(jv, at);
        out = opaque{json::object(obj, json::storage_ptr())};
    }
}

template<tagged T>
void write_tagged(const T& in, json::value& out)
{
    std::visit(
        [&](const auto& alt) {
            using alt_t = std::remove_cvref_t<decltype(alt)>;
            if constexpr (std::same_as<alt_t, opaque>)
                out = alt.raw;
            else
            {
                json::object& obj = out.emplace_object();
                obj.emplace("type", alt_t::type_name);
                write_members(alt, obj);
            }
        },
        static_cast<const typename T::variant_type&>(in));
}

// ---- kind-dispatched variants ---------------------------------------------------------------

template<class... Ts>
void read_by_kind(const json::value& jv, std::variant<Ts...>& out, const json_path& at)
{
    bool done = false;
    boost::mp11::mp_for_each<boost::mp11::mp_list<boost::mp11::mp_identity<Ts>...>>([&](auto id) {
        using alt = typename decltype(id)::type;
        if (!done && accepts<alt>(jv))
        {
            done = true;
            alt value;
            read(jv, value, at);
            out = std::move(value);
        }
    });
    if (!done)
    {
        std::string expected = "expected";
        auto add = [&](std::string_view kind) {
            if (expected.find(kind) == std::string::npos)
                (expected += expected.size() == 8 ? " " : " or ") += kind;
        };
        (add(kind_name<Ts>()), ...);
        fail(at, expected);
    }
}

// ---- the dispatcher -------------------------------------------------------------------------

template<class T>
void read(const json::value& jv, T& out, const json_path& at)
{
    if constexpr (is_open_enum<T>::value)
    {
        std::string s;
        read(jv, s, at);
        out = T(std::move(s));
    }
    else if constexpr (is_optional<T>::value)
    {
        if (jv.is_null() && !std::same_as<typename T::value_type, json::value>)
            out.reset();
        else
            read(jv, out.emplace(), at);
    }
    else if constexpr (is_vector<T>::value)
    {
        const json::array& arr = expect_array(jv, at);
        out.clear();
        out.reserve(arr.size());
        for (std::size_t i = 0; i < arr.size(); ++i)
            read(arr[i], out.emplace_back(), at.element(i));
    }
    else if constexpr (std::same_as<T, input>)
    {
        if (jv.is_array() && !is_content_array(jv.get_array()))
            read(jv, out.template emplace<std::vector<step>>(), at);
        else
            read_by_kind(jv, static_cast<typename T::variant_type&>(out), at);
    }
    else if constexpr (tagged<T>)
        read_tagged(jv, out, at);
    else if constexpr (is_std_variant<T>::value)
        read_by_kind(jv, out, at);
    else if constexpr (described<T>)
        read_members(expect_object(jv, at), out, at, false);
    else
        static_assert(sizeof(T) == 0, "no JSON reader for this type");
}

template<class T>
void write(const T& in, json::value& out)
{
    if constexpr (std::same_as<T, std::string> || std::same_as<T, bool> || std::same_as<T, std::int64_t> ||
                  std::same_as<T, double> || std::same_as<T, json::value> || std::same_as<T, json::object>)
        out = in;
    else if constexpr (is_open_enum<T>::value)
        out = in.str();
    else if constexpr (is_vector<T>::value)
    {
        json::array& arr = out.emplace_array();
        arr.reserve(in.size());
        for (const auto& e : in)
            write(e, arr.emplace_back(nullptr));
    }
    else if constexpr (std::same_as<T, std::map<std::string, std::string>>)
    {
        json::object& obj = out.emplace_object();
        for (const auto& [k, v] : in)
            obj.emplace(k, v);
    }
    else if constexpr (tagged<T>)
        write_tagged(in, out);
    else if constexpr (std::same_as<T, input>)
        write(static_cast<const input::variant_type&>(in), out);
    else if constexpr (is_std_variant<T>::value)
        std::visit([&](const auto& alt) { write(alt, out); }, in);
    else if constexpr (described<T>)
        write_members(in, out.emplace_object());
    else
        static_assert(sizeof(T) == 0, "no JSON writer for this type");
}

} // namespace gemini::detail
