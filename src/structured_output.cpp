// The compiled half of structured output: schema pieces, JSON leaf conversions, error text with
// JSON paths, and parsing the model's text (gemini/structured_output.hpp).
#include <gemini/structured_output.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace gemini::detail {

namespace json = boost::json;

// ---- schema pieces ----------------------------------------------------------------------------

void throw_recursive_schema()
{
    throw std::invalid_argument(
        "gemini::json_schema_of: recursive types are not supported (a described struct contains itself)");
}

json::object schema_of_kind(std::string_view type)
{
    json::object s;
    s["type"] = type;
    if (type == "object")
        s["properties"].emplace_object(); // present even when empty: an object schema names its members
    return s;
}

json::object string_enum_schema(std::span<const std::string_view> names)
{
    json::object s = schema_of_kind("string");
    json::array& values = s["enum"].emplace_array();
    for (std::string_view n : names)
        values.emplace_back(n);
    return s;
}

json::object nullable_schema(json::object schema)
{
    json::object s;
    json::array& any = s["anyOf"].emplace_array();
    any.emplace_back(std::move(schema));
    any.emplace_back(schema_of_kind("null"));
    return s;
}

json::object array_schema(json::object items)
{
    json::object s = schema_of_kind("array");
    s["items"] = std::move(items);
    return s;
}

void add_description(json::object& schema, std::string_view description)
{
    // Right after "type", where a reader of the schema looks for it.
    json::object out;
    out.reserve(schema.size() + 1);
    if (const json::value* t = schema.if_contains("type"))
        out["type"] = *t;
    out["description"] = description;
    for (const auto& kv : schema)
        if (kv.key() != "type" && kv.key() != "description")
            out[kv.key()] = kv.value();
    schema = std::move(out);
}

void add_property(json::object& object_schema, std::string_view name, json::object schema, bool required)
{
    json::value& props = object_schema["properties"];
    if (!props.is_object())
        props.emplace_object();
    props.get_object()[name] = std::move(schema);
    if (required)
    {
        // Only created for a first required member: the API rejects `"required": []`.
        json::value& req = object_schema["required"];
        if (!req.is_array())
            req.emplace_array();
        req.get_array().emplace_back(name);
    }
}

// ---- paths and errors -------------------------------------------------------------------------

namespace {

bool is_identifier(std::string_view k)
{
    if (k.empty() || (k[0] >= '0' && k[0] <= '9'))
        return false;
    for (char c : k)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

void path_into(const value_path& at, std::string& out)
{
    if (at.parent == nullptr)
    {
        out += '$';
        return;
    }
    path_into(*at.parent, out);
    if (at.is_index)
    {
        out += '[';
        out += std::to_string(at.index);
        out += ']';
    }
    else if (is_identifier(at.key))
    {
        out += '.';
        out += at.key;
    }
    else
    {
        out += '[';
        out += json::serialize(json::string(at.key));
        out += ']';
    }
}

const std::string* interaction_id_of(const value_path& at)
{
    const value_path* p = &at;
    while (p->parent)
        p = p->parent;
    return p->interaction_id;
}

[[noreturn]] void throw_output_error(const std::string* interaction_id, std::string message)
{
    diagnostics d;
    d.operation = "parse";
    if (interaction_id)
        d.interaction_id = *interaction_id;
    d.library_message = std::move(message);
    throw error(errc::output_mismatch, std::move(d));
}

std::string kind_of(const json::value& jv)
{
    switch (jv.kind())
    {
    case json::kind::object: return "an object";
    case json::kind::array: return "an array";
    case json::kind::string: return "a string";
    case json::kind::bool_: return "a boolean";
    case json::kind::null: return "null";
    default: return "a number";
    }
}

/// A scalar as it appears in a message: doubles in their shortest form ("2.5", not "2.5E0").
std::string value_text(const json::value& jv)
{
    if (!jv.is_double())
        return json::serialize(jv);
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, jv.get_double());
    return std::string(buf, r.ptr);
}

[[noreturn]] void throw_expected(const value_path& at, std::string_view expected, const json::value& got)
{
    std::string m = "expected ";
    m += expected;
    m += ", got ";
    m += kind_of(got);
    throw_mismatch(at, m);
}

} // namespace

std::string path_text(const value_path& at)
{
    std::string out;
    path_into(at, out);
    return out;
}

void throw_mismatch(const value_path& at, std::string_view message)
{
    std::string m = path_text(at);
    m += ": ";
    m += message;
    throw_output_error(interaction_id_of(at), std::move(m));
}

void throw_missing(const value_path& at) { throw_mismatch(at, "missing required field"); }

void throw_unknown_enumerator(const value_path& at, const json::value& got, std::span<const std::string_view> names)
{
    std::string m = "unknown enumerator ";
    m += json::serialize(got);
    m += " (expected one of:";
    bool first = true;
    for (std::string_view n : names)
    {
        m += first ? " " : ", ";
        first = false;
        m += n;
    }
    m += ')';
    throw_mismatch(at, m);
}

// ---- leaf conversions -------------------------------------------------------------------------

const json::object& read_object(const json::value& jv, const value_path& at)
{
    if (!jv.is_object())
        throw_expected(at, "an object", jv);
    return jv.get_object();
}

const json::array& read_array(const json::value& jv, const value_path& at)
{
    if (!jv.is_array())
        throw_expected(at, "an array", jv);
    return jv.get_array();
}

std::string read_string(const json::value& jv, const value_path& at)
{
    if (!jv.is_string())
        throw_expected(at, "a string", jv);
    return std::string(jv.get_string());
}

bool read_bool(const json::value& jv, const value_path& at)
{
    if (!jv.is_bool())
        throw_expected(at, "a boolean", jv);
    return jv.get_bool();
}

namespace {

[[noreturn]] void throw_out_of_range(const value_path& at, const json::value& jv, std::string_view range)
{
    std::string m = value_text(jv);
    m += " is out of range (";
    m += range;
    m += ')';
    throw_mismatch(at, m);
}

} // namespace

double read_number(const json::value& jv, const value_path& at, double max)
{
    if (!jv.is_number())
        throw_expected(at, "a number", jv);
    const double d = jv.to_number<double>();
    // Found by fuzzing: 1e65 became an infinite float, whose JSON text does not parse back.
    if (std::abs(d) > max)
        throw_out_of_range(at, jv, "a float");
    return d;
}

namespace {

/// Integers may arrive as 3.0: accepted when the value is integral.
void check_integral(const json::value& jv, const value_path& at)
{
    if (!jv.is_number())
        throw_expected(at, "an integer", jv);
    if (jv.is_double())
    {
        const double d = jv.get_double();
        if (!std::isfinite(d) || std::trunc(d) != d)
            throw_mismatch(at, "expected an integer, got " + value_text(jv));
    }
}

} // namespace

std::int64_t read_signed(const json::value& jv, const value_path& at, std::int64_t min, std::int64_t max)
{
    check_integral(jv, at);
    const std::string range = std::to_string(min) + ".." + std::to_string(max);
    std::int64_t v = 0;
    if (jv.is_int64())
        v = jv.get_int64();
    else if (jv.is_uint64())
    {
        if (jv.get_uint64() > static_cast<std::uint64_t>(max))
            throw_out_of_range(at, jv, range);
        v = static_cast<std::int64_t>(jv.get_uint64());
    }
    else
    {
        const double d = jv.get_double();
        if (d < static_cast<double>(min) || d >= -static_cast<double>(std::numeric_limits<std::int64_t>::min()) ||
            d > static_cast<double>(max))
            throw_out_of_range(at, jv, range);
        v = static_cast<std::int64_t>(d);
    }
    if (v < min || v > max)
        throw_out_of_range(at, jv, range);
    return v;
}

std::uint64_t read_unsigned(const json::value& jv, const value_path& at, std::uint64_t max)
{
    check_integral(jv, at);
    const std::string range = "0.." + std::to_string(max);
    std::uint64_t v = 0;
    if (jv.is_uint64())
        v = jv.get_uint64();
    else if (jv.is_int64())
    {
        if (jv.get_int64() < 0)
            throw_out_of_range(at, jv, range);
        v = static_cast<std::uint64_t>(jv.get_int64());
    }
    else
    {
        const double d = jv.get_double();
        if (d < 0 || d >= 18446744073709551616.0 || d > static_cast<double>(max))
            throw_out_of_range(at, jv, range);
        v = static_cast<std::uint64_t>(d);
    }
    if (v > max)
        throw_out_of_range(at, jv, range);
    return v;
}

std::size_t read_enumerator(const json::value& jv, const value_path& at, std::span<const std::string_view> names)
{
    if (!jv.is_string())
        throw_expected(at, "a string", jv);
    const std::string_view s = jv.get_string();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == s)
            return i;
    throw_unknown_enumerator(at, jv, names);
}

// ---- the model's text -------------------------------------------------------------------------

namespace {

/// A ```json ... ``` fence around the JSON, which models sometimes add without a schema.
std::string_view strip_fence(std::string_view text)
{
    auto trim = [](std::string_view s) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
            s.remove_prefix(1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
            s.remove_suffix(1);
        return s;
    };
    std::string_view t = trim(text);
    if (!t.starts_with("```") || t.size() < 6 || !t.ends_with("```"))
        return text;
    t = t.substr(3, t.size() - 6);
    const std::size_t nl = t.find('\n');
    if (nl == std::string_view::npos)
        return text;
    if (std::string_view tag = trim(t.substr(0, nl)); !tag.empty() && tag != "json" && tag != "JSON")
        return text;
    return t.substr(nl + 1);
}

std::string status_note(const interaction& i)
{
    if (i.status.known() == interaction_status::completed)
        return {};
    return " (interaction status: " + std::string(i.status.str()) + ")";
}

} // namespace

json::value parse_output(const interaction& i)
{
    const std::string text = i.output_text();
    if (text.empty())
        throw_output_error(&i.id, "the interaction has no text output to parse" + status_note(i));
    boost::system::error_code ec;
    json::value jv = json::parse(strip_fence(text), ec);
    if (ec)
    {
        constexpr std::size_t shown = 80;
        std::string m = "the model's output is not JSON: " + ec.message() + status_note(i) + "; it begins with ";
        m += json::serialize(json::string(std::string_view(text).substr(0, shown)));
        if (text.size() > shown)
            m += "...";
        throw_output_error(&i.id, std::move(m));
    }
    return jv;
}

} // namespace gemini::detail
