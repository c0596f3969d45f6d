#include "continuation.hpp"

#include "operation.hpp"

#include <boost/json/serialize.hpp>
#include <algorithm>
#include <boost/json/value_from.hpp>

namespace gemini::detail {
namespace {

namespace json = boost::json;

void add_count(std::optional<std::int64_t>& total, const std::optional<std::int64_t>& hop)
{
    if (hop)
        total = total.value_or(0) + *hop;
}

void add_by_modality(std::optional<std::vector<modality_tokens>>& total,
                     const std::optional<std::vector<modality_tokens>>& hop)
{
    if (!hop)
        return;
    if (!total)
        total.emplace();
    for (const auto& entry : *hop)
    {
        const std::string key = entry.modality ? entry.modality->str() : std::string();
        auto it = std::find_if(total->begin(), total->end(), [&](const modality_tokens& t) {
            return (t.modality ? t.modality->str() : std::string()) == key;
        });
        if (it == total->end())
            total->push_back(entry);
        else
            add_count(it->tokens, entry.tokens);
    }
}

void add_grounding(std::optional<std::vector<grounding_tool_count>>& total,
                   const std::optional<std::vector<grounding_tool_count>>& hop)
{
    if (!hop)
        return;
    if (!total)
        total.emplace();
    for (const auto& entry : *hop)
    {
        const std::string key = entry.type ? entry.type->str() : std::string();
        auto it = std::find_if(total->begin(), total->end(), [&](const grounding_tool_count& t) {
            return (t.type ? t.type->str() : std::string()) == key;
        });
        if (it == total->end())
            total->push_back(entry);
        else
            add_count(it->count, entry.count);
    }
}

// The create body of a hop: as client::create() builds it (extra_body merged last).
std::string hop_body(const request& req, const request_options& opts)
{
    json::value body = json::value_from(req);
    auto& fields = body.as_object();
    for (const auto& [key, value] : opts.extra_body)
        fields[key] = value;
    return json::serialize(body);
}

} // namespace

void add_usage(usage& total, const usage& hop)
{
    add_count(total.total_input_tokens, hop.total_input_tokens);
    add_count(total.total_output_tokens, hop.total_output_tokens);
    add_count(total.total_thought_tokens, hop.total_thought_tokens);
    add_count(total.total_cached_tokens, hop.total_cached_tokens);
    add_count(total.total_tool_use_tokens, hop.total_tool_use_tokens);
    add_count(total.total_tokens, hop.total_tokens);
    add_count(total.initial_input_tokens, hop.initial_input_tokens);
    add_by_modality(total.input_tokens_by_modality, hop.input_tokens_by_modality);
    add_by_modality(total.output_tokens_by_modality, hop.output_tokens_by_modality);
    add_by_modality(total.cached_tokens_by_modality, hop.cached_tokens_by_modality);
    add_by_modality(total.tool_use_tokens_by_modality, hop.tool_use_tokens_by_modality);
    add_grounding(total.grounding_tool_count, hop.grounding_tool_count);
}

request continuation_request(const request& original, const interaction& hop)
{
    request next = original;
    next.continuation_token = hop.continuation_token.value_or(std::string());
    if (original.store.value_or(true))
    {
        // The server holds the input already; the hop names the interaction that issued the token.
        next.input.reset();
        next.previous_interaction_id = hop.id;
    }
    return next;
}

void append_hop(interaction& combined, interaction hop)
{
    if (hop.steps)
    {
        if (!combined.steps)
            combined.steps.emplace();
        for (auto& s : *hop.steps)
            combined.steps->push_back(std::move(s));
    }
    if (hop.usage)
    {
        if (!combined.usage)
            combined.usage.emplace();
        add_usage(*combined.usage, *hop.usage);
    }
    combined.id = std::move(hop.id);
    combined.status = std::move(hop.status);
    if (hop.updated)
        combined.updated = std::move(hop.updated);
    if (hop.errors)
        combined.errors = std::move(hop.errors);
    combined.continuation_token = std::move(hop.continuation_token);
    combined.http = std::move(hop.http);
}

bool should_continue(const interaction& answer, const request& req, const request_options& opts,
                     const client_options& client)
{
    if (answer.status != interaction_status::requires_continuation || !answer.continuation_token ||
        answer.continuation_token->empty())
        return false;
    if (req.background.value_or(false) || req.agent)
        return false;
    return opts.automatic_continuation.value_or(client.continuation.automatic);
}

asio::awaitable<interaction> follow_continuation(std::shared_ptr<client_impl> impl, request original,
                                                 request_options opts, interaction combined)
{
    const unsigned max_hops = impl->options.continuation.max_hops;
    for (unsigned hops = 0; hops < max_hops && combined.status == interaction_status::requires_continuation &&
                            combined.continuation_token && !combined.continuation_token->empty();
         ++hops)
    {
        const request next = continuation_request(original, combined);
        http_call call{http::verb::post, impl->version_path + "/interactions", hop_body(next, opts), &opts,
                       false, false, "create"};
        auto exchange = impl->execute(std::move(call));
        auto reply = co_await std::move(exchange);
        append_hop(combined, decode_interaction(std::move(reply)));
    }
    co_return combined;
}

} // namespace gemini::detail
