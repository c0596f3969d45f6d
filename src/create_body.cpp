#include "create_body.hpp"

#include "model/json_io.hpp"
#include "operation.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value_from.hpp>

#include <stdexcept>

namespace gemini::detail {

namespace {

// `text` as a JSON string, written by Boost.JSON's serializer (the DOM writer's escapes, byte for
// byte) straight onto `out`.
void append_json_string(json::serializer& writer, std::string& out, std::string_view text)
{
    writer.reset(text);
    while (!writer.done())
    {
        const std::size_t at = out.size();
        out.resize(at + text.size() + 16);   // the quotes and a few escapes; more takes another turn
        out.resize(at + writer.read(out.data() + at, out.size() - at).size());
    }
}

// A member added to request must find its place in is_plain (as one that sends a request to the
// DOM writer) or in plain_body; without either, plain_body would drop it.
static_assert(boost::mp11::mp_size<boost::describe::describe_members<request, boost::describe::mod_public>>::value == 21,
              "a request member that is_plain and plain_body do not know");

/// Whether the request holds nothing but strings and booleans: a model or agent, a text input,
/// the ids and flags of a turn. Most requests are such; they are written without a DOM.
bool is_plain(const request& req, const request_options& opts) noexcept
{
    return (!req.input || std::holds_alternative<std::string>(*req.input)) && !req.tools &&
           !req.generation_config && !req.agent_config && !req.response_format && !req.response_modalities &&
           !req.safety_settings && !req.labels && !req.webhook_config && !req.environment && req.extra.empty() &&
           opts.extra_body.empty();
}

/// The body of a plain request, its members in the order of the request's (the general writer
/// puts a stream()'s "stream" last when the request has none; the JSON is the same).
std::string plain_body(const request& req, bool streaming)
{
    json::serializer writer;
    std::string out;
    out.reserve(128 + (req.input ? std::get<std::string>(*req.input).size() : 0) +
                (req.system_instruction ? req.system_instruction->size() : 0));
    char separator = '{';
    const auto key = [&](std::string_view name) {
        out += separator;
        separator = ',';
        out += '"';
        out += name;   // the names are ours: nothing to escape
        out += "\":";
    };
    const auto string_member = [&](std::string_view name, const std::optional<std::string>& value) {
        if (value)
        {
            key(name);
            append_json_string(writer, out, *value);
        }
    };
    const auto bool_member = [&](std::string_view name, std::optional<bool> value) {
        if (value)
        {
            key(name);
            out += *value ? "true" : "false";
        }
    };
    string_member("model", req.model);
    string_member("agent", req.agent);
    if (req.input)
    {
        key("input");
        append_json_string(writer, out, std::get<std::string>(*req.input));
    }
    string_member("system_instruction", req.system_instruction);
    string_member("response_mime_type", req.response_mime_type);
    string_member("previous_interaction_id", req.previous_interaction_id);
    bool_member("store", req.store);
    bool_member("background", req.background);
    bool_member("stream", streaming ? std::optional<bool>(true) : req.stream);
    string_member("continuation_token", req.continuation_token);
    if (req.service_tier)
    {
        key("service_tier");
        append_json_string(writer, out, req.service_tier->str());
    }
    string_member("cached_content", req.cached_content);
    if (separator == '{')
        out += '{';
    out += '}';
    return out;
}

} // namespace

std::string create_body(const request& req, const request_options& opts, bool streaming)
{
    if (req.model.has_value() == req.agent.has_value())
        reject_argument("a request needs exactly one of model and agent");
    if (!streaming && req.stream.value_or(false))
        reject_argument("stream:true needs client::stream(), not create()");
    if (is_plain(req, opts))
        return plain_body(req, streaming);
    return create_body_generally(req, opts, streaming);
}

std::string create_body_generally(const request& req, const request_options& opts, bool streaming)
{
    // The DOM lives only until it is serialized: carved from a buffer on the stack (a larger
    // request continues in heap blocks freed on return), not one allocation per object and string.
    unsigned char scratch[4096];
    json::monotonic_resource arena(scratch, sizeof scratch);
    json::value body = json::value_from(req, json::storage_ptr(&arena));
    auto& fields = body.as_object();
    if (streaming)
        fields["stream"] = true;
    for (const auto& [key, value] : opts.extra_body)
        fields[key] = value;
    try
    {
        require_finite_numbers(body, json_path{nullptr, "request"});
    }
    catch (const std::invalid_argument& e)
    {
        reject_argument(e.what());
    }
    return json::serialize(body);
}

bool sent_flag(const request_options& opts, std::string_view key, const std::optional<bool>& own, bool absent)
{
    if (const auto* v = opts.extra_body.if_contains(key))
        return v->is_bool() ? v->get_bool() : absent;
    return own.value_or(absent);
}

} // namespace gemini::detail
