// Leaf conversions and error reporting of the generic JSON helper.
#include "model/json_io.hpp"
#include "model/json_finite.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace gemini::detail {

std::string json_path::str() const
{
    std::string out = parent ? parent->str() : std::string();
    if (is_index)
    {
        out += '[';
        out += std::to_string(index);
        out += ']';
    }
    else if (!key.empty() || parent)
    {
        if (!out.empty())
            out += '.';
        out += key;
    }
    return out;
}

void fail(const json_path& at, std::string_view message)
{
    std::string path = at.str();
    std::string what = path.empty() ? std::string("(top level)") : path;
    what += ": ";
    what += message;
    throw std::invalid_argument(what);
}

namespace {

// The walk that finds the culprit's path, run only when there is one: building the path for
// every member cost 1 % of a request.
void fail_at_non_finite(const json::value& jv, const json_path& at)
{
    switch (jv.kind())
    {
    case json::kind::double_:
        if (!std::isfinite(jv.get_double()))
            fail(at, "not a finite number");
        break;
    case json::kind::object:
        for (const auto& kv : jv.get_object())
            fail_at_non_finite(kv.value(), at.member(kv.key()));
        break;
    case json::kind::array:
    {
        const json::array& arr = jv.get_array();
        for (std::size_t i = 0; i < arr.size(); ++i)
            fail_at_non_finite(arr[i], at.element(i));
        break;
    }
    default: break;
    }
}

} // namespace

void require_finite_numbers(const json::value& jv, const json_path& at)
{
    if (!all_finite(jv))
        fail_at_non_finite(jv, at);
}

const json::object& expect_object(const json::value& jv, const json_path& at)
{
    if (!jv.is_object())
        fail(at, "expected object");
    return jv.get_object();
}

const json::array& expect_array(const json::value& jv, const json_path& at)
{
    if (!jv.is_array())
        fail(at, "expected array");
    return jv.get_array();
}

void read(const json::value& jv, std::string& out, const json_path& at)
{
    if (!jv.is_string())
        fail(at, "expected string");
    out.assign(jv.get_string().data(), jv.get_string().size());
}

void read(const json::value& jv, bool& out, const json_path& at)
{
    if (!jv.is_bool())
        fail(at, "expected boolean");
    out = jv.get_bool();
}

void read(const json::value& jv, std::int64_t& out, const json_path& at)
{
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    if (jv.is_int64())
        out = jv.get_int64();
    else if (jv.is_uint64() && jv.get_uint64() <= static_cast<std::uint64_t>(max))
        out = static_cast<std::int64_t>(jv.get_uint64());
    else if (jv.is_double() && std::abs(jv.get_double()) < 9.0e18 && jv.get_double() == std::trunc(jv.get_double()))
        out = static_cast<std::int64_t>(jv.get_double()); // 12.0 from lenient servers
    else
        fail(at, "expected integer");
}

void read(const json::value& jv, double& out, const json_path& at)
{
    if (!jv.is_number())
        fail(at, "expected number");
    out = jv.to_number<double>();
    if (!std::isfinite(out))
        fail(at, "not a finite number");
}

void read(const json::value& jv, json::value& out, const json_path& at)
{
    require_finite_numbers(jv, at);
    out = jv;
}

void read(const json::value& jv, json::object& out, const json_path& at)
{
    out = expect_object(jv, at);
    require_finite_numbers(jv, at);
}

void read(const json::value& jv, std::map<std::string, std::string>& out, const json_path& at)
{
    out.clear();
    for (const auto& kv : expect_object(jv, at))
        read(kv.value(), out[std::string(kv.key())], at.member(kv.key()));
}

bool is_content_array(const json::array& arr)
{
    for (const auto& e : arr)
    {
        const json::value* type = e.is_object() ? e.get_object().if_contains("type") : nullptr;
        if (type == nullptr || !type->is_string())
            return false;
        bool known = false;
        using alternatives = boost::mp11::mp_transform<boost::mp11::mp_identity,
                                                       boost::mp11::mp_rename<content::variant_type, boost::mp11::mp_list>>;
        boost::mp11::mp_for_each<alternatives>([&](auto id) {
            using alt = typename decltype(id)::type;
            if constexpr (requires { alt::type_name; })
                known = known || alt::type_name == type->get_string();
        });
        if (!known)
            return false;
    }
    return true;
}

} // namespace gemini::detail
