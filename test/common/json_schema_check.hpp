#pragma once
// A small JSON Schema validator for tests (the subset structured output uses): type (string or
// list, any case), nullable, enum, const, properties, required, additionalProperties:false,
// items, minItems/maxItems, minimum/maximum/exclusive*, multipleOf, minLength/maxLength,
// format (date-time, date, time, email, uri, uuid, ipv4), anyOf, oneOf, allOf, local $ref.
// Written apart from the emulator's generator so that the two check each other.

#include <boost/json.hpp>

#include <cmath>
#include <regex>
#include <string>

namespace gemini::test {

class schema_checker
{
public:
    explicit schema_checker(const boost::json::value& root) : root_(root) {}

    /// Empty when `v` is an instance of the schema, else "<path>: <reason>".
    std::string check(const boost::json::value& v) const { return check(v, root_, "$"); }

private:
    static std::string lower(std::string_view s)
    {
        std::string out(s);
        for (auto& c : out)
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        return out;
    }

    static bool has_type(const boost::json::value& v, const std::string& t)
    {
        if (t == "null") return v.is_null();
        if (t == "boolean") return v.is_bool();
        if (t == "string") return v.is_string();
        if (t == "array") return v.is_array();
        if (t == "object") return v.is_object();
        if (t == "number") return v.is_number();
        if (t == "integer")
            return v.is_int64() || v.is_uint64() || (v.is_double() && std::trunc(v.get_double()) == v.get_double());
        return false;
    }

    static double num(const boost::json::value& v) { return v.to_number<double>(); }

    static bool format_ok(const std::string& format, const std::string& s)
    {
        static const std::regex date(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
        static const std::regex time(R"(([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d\d:\d\d)?)");
        static const std::regex date_time(
            R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d\d:\d\d))");
        static const std::regex email(R"([^@\s]+@[^@\s]+\.[^@\s]+)");
        static const std::regex uri(R"([a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+)");
        static const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
        static const std::regex ipv4(R"((25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3})");
        if (format == "date") return std::regex_match(s, date);
        if (format == "time") return std::regex_match(s, time);
        if (format == "date-time") return std::regex_match(s, date_time);
        if (format == "email") return std::regex_match(s, email);
        if (format == "uri") return std::regex_match(s, uri);
        if (format == "uuid") return std::regex_match(s, uuid);
        if (format == "ipv4") return std::regex_match(s, ipv4);
        return true;
    }

    std::string check(const boost::json::value& v, const boost::json::value& schema, const std::string& path) const
    {
        if (schema.is_bool())
            return schema.get_bool() ? "" : path + ": schema false";
        const auto& s = schema.as_object();
        if (const auto* ref = s.if_contains("$ref"))
        {
            std::string_view r = ref->as_string();
            r.remove_prefix(1);
            return check(v, root_.at_pointer(r), path);
        }
        if (const auto* n = s.if_contains("nullable"); n && n->as_bool() && v.is_null())
            return "";
        if (const auto* t = s.if_contains("type"))
        {
            bool ok = false;
            if (t->is_string())
                ok = has_type(v, lower(t->as_string()));
            else
                for (const auto& e : t->as_array())
                    ok = ok || has_type(v, lower(e.as_string()));
            if (!ok)
                return path + ": " + boost::json::serialize(v) + " is not of type " + boost::json::serialize(*t);
        }
        if (const auto* c = s.if_contains("const"); c && *c != v)
            return path + ": not the const " + boost::json::serialize(*c);
        if (const auto* e = s.if_contains("enum"))
        {
            bool found = false;
            for (const auto& x : e->as_array())
                found = found || x == v;
            if (!found)
                return path + ": " + boost::json::serialize(v) + " is not in the enum";
        }
        if (const auto* any = s.if_contains("anyOf"))
        {
            bool ok = false;
            for (const auto& alt : any->as_array())
                ok = ok || check(v, alt, path).empty();
            if (!ok)
                return path + ": matches no anyOf branch";
        }
        if (const auto* one = s.if_contains("oneOf"))
        {
            int matches = 0;
            for (const auto& alt : one->as_array())
                matches += check(v, alt, path).empty();
            if (matches != 1)
                return path + ": matches " + std::to_string(matches) + " oneOf branches";
        }
        if (const auto* all = s.if_contains("allOf"))
            for (const auto& part : all->as_array())
                if (auto err = check(v, part, path); !err.empty())
                    return err;
        if (v.is_number())
        {
            const double x = num(v);
            if (const auto* m = s.if_contains("minimum"); m && x < num(*m))
                return path + ": below minimum";
            if (const auto* m = s.if_contains("maximum"); m && x > num(*m))
                return path + ": above maximum";
            if (const auto* m = s.if_contains("exclusiveMinimum"); m && m->is_number() && x <= num(*m))
                return path + ": not above exclusiveMinimum";
            if (const auto* m = s.if_contains("exclusiveMaximum"); m && m->is_number() && x >= num(*m))
                return path + ": not below exclusiveMaximum";
            if (const auto* m = s.if_contains("multipleOf"); m && std::fmod(x, num(*m)) != 0)
                return path + ": not a multiple of " + boost::json::serialize(*m);
        }
        if (v.is_string())
        {
            const std::string str(v.get_string());
            if (const auto* m = s.if_contains("minLength"); m && str.size() < num(*m))
                return path + ": shorter than minLength";
            if (const auto* m = s.if_contains("maxLength"); m && str.size() > num(*m))
                return path + ": longer than maxLength";
            if (const auto* f = s.if_contains("format"); f && !format_ok(std::string(f->as_string()), str))
                return path + ": \"" + str + "\" is not a " + std::string(f->as_string());
        }
        if (v.is_array())
        {
            const auto& a = v.get_array();
            if (const auto* m = s.if_contains("minItems"); m && a.size() < num(*m))
                return path + ": fewer than minItems";
            if (const auto* m = s.if_contains("maxItems"); m && a.size() > num(*m))
                return path + ": more than maxItems";
            if (const auto* items = s.if_contains("items"))
                for (std::size_t i = 0; i < a.size(); ++i)
                    if (auto err = check(a[i], *items, path + "[" + std::to_string(i) + "]"); !err.empty())
                        return err;
        }
        if (v.is_object())
        {
            const auto& o = v.get_object();
            const auto* props = s.if_contains("properties");
            if (const auto* req = s.if_contains("required"))
                for (const auto& name : req->as_array())
                    if (!o.contains(name.as_string()))
                        return path + ": missing required " + std::string(name.as_string());
            for (const auto& kv : o)
            {
                const std::string here = path + "." + std::string(kv.key());
                if (props && props->as_object().contains(kv.key()))
                {
                    if (auto err = check(kv.value(), props->as_object().at(kv.key()), here); !err.empty())
                        return err;
                }
                else if (const auto* ap = s.if_contains("additionalProperties"); ap && ap->is_bool() && !ap->get_bool())
                    return here + ": not an allowed property";
            }
        }
        return "";
    }

    const boost::json::value& root_;
};

/// Empty when `instance` is valid against `schema`, else the first violation.
inline std::string schema_violation(const boost::json::value& instance, const boost::json::value& schema)
{
    return schema_checker(schema).check(instance);
}

} // namespace gemini::test
