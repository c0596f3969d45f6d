// The public tag_invoke conversions: each forwards to the generic helper of json_io.hpp, which
// keeps all template instantiations in this one translation unit.
#include "model/interaction_reader.hpp"
#include "model/json_io.hpp"

namespace gemini {

#define GEMINI_MODEL_JSON_CONVERSIONS(T)                                                           \
    void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const T& v)              \
    {                                                                                              \
        detail::write(v, jv);                                                                      \
    }                                                                                              \
    T tag_invoke(boost::json::value_to_tag<T>, const boost::json::value& jv)                      \
    {                                                                                              \
        T v;                                                                                       \
        detail::read(jv, v, detail::json_path{});                                                  \
        return v;                                                                                  \
    }

GEMINI_MODEL_JSON_CONVERSIONS(annotation)
GEMINI_MODEL_JSON_CONVERSIONS(content)
GEMINI_MODEL_JSON_CONVERSIONS(step)
GEMINI_MODEL_JSON_CONVERSIONS(tool)
GEMINI_MODEL_JSON_CONVERSIONS(generation_config)
GEMINI_MODEL_JSON_CONVERSIONS(output_format)
GEMINI_MODEL_JSON_CONVERSIONS(agent_config)
GEMINI_MODEL_JSON_CONVERSIONS(safety_setting)
GEMINI_MODEL_JSON_CONVERSIONS(input)
GEMINI_MODEL_JSON_CONVERSIONS(request)
GEMINI_MODEL_JSON_CONVERSIONS(usage)
GEMINI_MODEL_JSON_CONVERSIONS(interaction)

#undef GEMINI_MODEL_JSON_CONVERSIONS

std::string to_json(const request& r)
{
    boost::json::value jv;
    detail::write(r, jv);
    detail::require_finite_numbers(jv, detail::json_path{nullptr, "request"});
    return boost::json::serialize(jv);
}

interaction parse_interaction(std::string_view json)
{
    interaction out;
    if (!detail::read_common_interaction(json, out))
        out = boost::json::value_to<interaction>(boost::json::parse(json));
    return out;
}

} // namespace gemini
