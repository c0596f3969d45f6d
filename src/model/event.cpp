// JSON conversions of streaming events. The members of each event struct are read and written by
// the generic Describe-driven helper (json_io.hpp); this file only adds the envelope
// (event_type, event_id, index) and the nesting of step.delta and error payloads.
#include "model/json_io.hpp"

#include <gemini/model/event.hpp>

#include <boost/describe/class.hpp>

#include <algorithm>
#include <utility>

namespace gemini {

// Member lists of the event structs (see describe.hpp for why they are not in the public header).
// The media deltas are not listed: they are read and written through their content block base.
BOOST_DESCRIBE_STRUCT(interaction_created_event, (), (interaction))
BOOST_DESCRIBE_STRUCT(interaction_status_update_event, (), (interaction_id, status, usage, continuation_token))
BOOST_DESCRIBE_STRUCT(step_start_event, (), (step))
BOOST_DESCRIBE_STRUCT(text_delta_event, (), (text))
BOOST_DESCRIBE_STRUCT(text_annotation_delta_event, (), (annotations))
BOOST_DESCRIBE_STRUCT(thought_summary_delta_event, (), (content))
BOOST_DESCRIBE_STRUCT(thought_signature_delta_event, (), (signature))
BOOST_DESCRIBE_STRUCT(arguments_delta_event, (), (arguments))
BOOST_DESCRIBE_STRUCT(function_result_delta_event, (), (result, name, is_error, signature))
BOOST_DESCRIBE_STRUCT(step_stop_event, (), (usage, step_usage))
BOOST_DESCRIBE_STRUCT(interaction_completed_event, (), (interaction))
BOOST_DESCRIBE_STRUCT(error_event, (), (code, message))

namespace {

namespace json = boost::json;
using detail::json_path;

/// Alternatives that are step.delta payloads.
template<class A>
concept delta_alternative = requires { A::type_name; } && (A::type_name == std::string_view("step.delta"));

/// Alternatives with a fixed `delta.type`.
template<class A>
concept fixed_delta = requires { A::delta_type; };

/// The described part of an alternative: the content block of a media delta, else itself.
template<class T>
decltype(auto) body(T& v) noexcept
{
    using U = std::remove_const_t<T>;
    if constexpr (requires { typename U::block_type; })
    {
        using B = typename U::block_type;
        if constexpr (std::is_const_v<T>)
            return static_cast<const B&>(v);
        else
            return static_cast<B&>(v);
    }
    else
        return (v);
}

using alternatives = boost::mp11::mp_transform<boost::mp11::mp_identity,
                                               boost::mp11::mp_rename<event::variant_type, boost::mp11::mp_list>>;

/// The string member `key` of `obj`, or empty.
std::string_view string_member(const json::object& obj, std::string_view key) noexcept
{
    const json::value* v = obj.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

bool is_envelope_key(std::string_view key) noexcept
{
    return key == "event_type" || key == "event_id" || key == "index";
}

/// The payload's members except the envelope and `nested` (the delta or error object).
json::object payload_rest(const json::object& payload, std::string_view nested)
{
    json::object rest;
    for (const auto& kv : payload)
        if (!is_envelope_key(kv.key()) && kv.key() != nested)
            rest.emplace(kv.key(), kv.value());
    return rest;
}

const json::object& required_object(const json::object& payload, std::string_view key, const json_path& at)
{
    const json::value* v = payload.if_contains(key);
    if (v == nullptr)
        detail::fail(at, "missing");
    return detail::expect_object(*v, at);
}

event read_delta(const json::object& payload, const json_path& root)
{
    json_path at = root.member("delta");
    const json::object& delta = required_object(payload, "delta", at);
    const json::value* type = delta.if_contains("type");
    if (type == nullptr)
        detail::fail(at.member("type"), "missing discriminator");
    if (!type->is_string())
        detail::fail(at.member("type"), "expected string");
    std::string_view name = type->get_string();

    std::optional<event> out;
    boost::mp11::mp_for_each<alternatives>([&](auto id) {
        using A = typename decltype(id)::type;
        if constexpr (fixed_delta<A>)
        {
            if (!out && A::delta_type == name)
            {
                A value;
                detail::read_members(delta, body(value), at, true);
                out.emplace(std::move(value));
            }
        }
    });
    if (!out && tool_delta_event::is_tool_type(name))
    {
        // Copies into the default storage: a copy constructor keeps the source's, which is the
        // parser's arena when the client reads a stream, and the event outlives it.
        tool_delta_event tool{.type = std::string(name), .fields = json::object(delta, json::storage_ptr())};
        tool.fields.erase("type");
        out.emplace(std::move(tool));
    }
    if (!out)
        out.emplace(unknown_delta_event{json::object(delta, json::storage_ptr())});
    out->payload_extra = payload_rest(payload, "delta");
    return std::move(*out);
}

event read_error(const json::object& payload, const json_path& root)
{
    json_path at = root.member("error");
    error_event e;
    detail::read_members(required_object(payload, "error", at), e, at, false);
    event out(std::move(e));
    out.payload_extra = payload_rest(payload, "error");
    return out;
}

/// interaction.created, status_update, step.start, step.stop, interaction.completed; nullopt for
/// other event types.
std::optional<event> read_plain(std::string_view name, const json::object& payload, const json_path& root)
{
    std::optional<event> out;
    boost::mp11::mp_for_each<alternatives>([&](auto id) {
        using A = typename decltype(id)::type;
        if constexpr (requires { A::type_name; } && !delta_alternative<A> && !std::same_as<A, error_event>)
        {
            if (!out && A::type_name == name)
            {
                A value;
                detail::read_members(payload, value, root, false);
                for (std::string_view key : {"event_type", "event_id", "index"})
                    value.extra.erase(key);
                out.emplace(std::move(value));
            }
        }
    });
    if (out && (out->is<interaction_created_event>() || out->is<interaction_completed_event>()))
        (void)required_object(payload, "interaction", root.member("interaction"));
    if (out && out->is<step_start_event>())
        (void)required_object(payload, "step", root.member("step"));
    return out;
}

template<class A>
void write_delta(const A& alt, json::object& delta)
{
    if constexpr (fixed_delta<A>)
    {
        delta.emplace("type", A::delta_type);
        detail::write_members(body(alt), delta);
    }
    else if constexpr (std::same_as<A, tool_delta_event>)
    {
        delta.emplace("type", alt.type);
        for (const auto& kv : alt.fields)
            delta.insert_or_assign(kv.key(), kv.value());
    }
    else
        delta = alt.raw;
}

} // namespace

bool tool_delta_event::is_tool_type(std::string_view delta_type) noexcept
{
    return std::find(types.begin(), types.end(), delta_type) != types.end();
}

std::string_view unknown_delta_event::type() const noexcept
{
    return string_member(raw, "type");
}

std::string_view event::event_type() const noexcept
{
    return std::visit(
        [](const auto& alt) -> std::string_view {
            using A = std::remove_cvref_t<decltype(alt)>;
            if constexpr (std::same_as<A, opaque>)
                return string_member(alt.raw, "event_type");
            else
                return A::type_name;
        },
        static_cast<const variant_type&>(*this));
}

std::string_view event::delta_type() const noexcept
{
    return std::visit(
        [](const auto& alt) -> std::string_view {
            using A = std::remove_cvref_t<decltype(alt)>;
            if constexpr (fixed_delta<A>)
                return A::delta_type;
            else if constexpr (std::same_as<A, tool_delta_event>)
                return alt.type;
            else if constexpr (std::same_as<A, unknown_delta_event>)
                return alt.type();
            else
                return {};
        },
        static_cast<const variant_type&>(*this));
}

bool event::is_delta() const noexcept
{
    return std::visit([](const auto& alt) { return delta_alternative<std::remove_cvref_t<decltype(alt)>>; },
                      static_cast<const variant_type&>(*this));
}

bool event::is_terminal() const noexcept
{
    return is<interaction_completed_event>() || is<error_event>();
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const event& e)
{
    std::visit(
        [&](const auto& alt) {
            using A = std::remove_cvref_t<decltype(alt)>;
            if constexpr (std::same_as<A, opaque>)
            {
                json::object& obj = jv.emplace_object();
                obj = alt.raw;
                if (e.index)
                    obj.insert_or_assign("index", *e.index);
                if (e.event_id)
                    obj.insert_or_assign("event_id", *e.event_id);
            }
            else
            {
                json::object& obj = jv.emplace_object();
                if (e.index)
                    obj.emplace("index", *e.index);
                if constexpr (delta_alternative<A>)
                    write_delta(alt, obj["delta"].emplace_object());
                else if constexpr (std::same_as<A, error_event>)
                {
                    json::object& error = obj["error"].emplace_object();
                    detail::write_members(alt, error);
                    if (alt.code.is_null())
                        error.erase("code");
                }
                else
                    detail::write_members(alt, obj);
                for (const auto& kv : e.payload_extra)
                    obj.insert_or_assign(kv.key(), kv.value());
                if (e.event_id)
                    obj.insert_or_assign("event_id", *e.event_id);
                obj.insert_or_assign("event_type", A::type_name);
            }
        },
        static_cast<const event::variant_type&>(e));
}

event tag_invoke(boost::json::value_to_tag<event>, const boost::json::value& jv)
{
    json_path root;
    detail::require_finite_numbers(jv, root);
    const json::object& payload = detail::expect_object(jv, root);
    const json::value* type = payload.if_contains("event_type");
    if (type == nullptr)
        detail::fail(root.member("event_type"), "missing discriminator");
    if (!type->is_string())
        detail::fail(root.member("event_type"), "expected string");
    std::string_view name = type->get_string();

    std::optional<event> out;
    if (name == "step.delta")
        out = read_delta(payload, root);
    else if (name == error_event::type_name)
        out = read_error(payload, root);
    else
        out = read_plain(name, payload, root);
    if (!out)
        out.emplace(opaque{json::object(payload, json::storage_ptr())});   // not the parser's arena

    if (const json::value* id = payload.if_contains("event_id"))
        detail::read(*id, out->event_id, root.member("event_id"));
    if (const json::value* index = payload.if_contains("index"))
        detail::read(*index, out->index, root.member("index"));
    return std::move(*out);
}

event parse_event(std::string_view json)
{
    return boost::json::value_to<event>(boost::json::parse(json));
}

} // namespace gemini
