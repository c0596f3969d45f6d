#include "continuation.hpp"

#include "create_body.hpp"
#include "operation.hpp"
#include "stream_state.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>

#include <algorithm>
#include <limits>

namespace gemini::detail {
namespace {

/// a + b held at the bounds of int64: both come from the server, whose numbers may be anything.
std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept
{
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(a, b, &sum))
        return sum;
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

void add_count(std::optional<std::int64_t>& total, const std::optional<std::int64_t>& hop)
{
    if (hop)
        total = saturating_add(total.value_or(0), *hop);
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

bool streams_continue(const request& req, const request_options& opts, const client_options& client)
{
    // extra_body members are written last, over the request's own (create_body).
    const auto* agent = opts.extra_body.if_contains("agent");
    if (sent_flag(opts, "background", req.background, false) || (agent ? !agent->is_null() : req.agent.has_value()))
        return false;
    return opts.automatic_continuation.value_or(client.continuation.automatic) && client.continuation.max_hops > 0;
}

bool should_continue(const interaction& answer, const request& req, const request_options& opts,
                     const client_options& client)
{
    if (answer.status != interaction_status::requires_continuation || !answer.continuation_token ||
        answer.continuation_token->empty())
        return false;
    return streams_continue(req, opts, client);
}

asio::awaitable<interaction> follow_continuation(std::shared_ptr<client_impl> impl, request original,
                                                 request_options opts, interaction combined)
{
    const unsigned max_hops = impl->options.continuation.max_hops;
    // The request as sent, extra_body members included: they are written over the request's own
    // fields, and would put back into every hop what the hop leaves out or sets (input,
    // previous_interaction_id), and a store:false among them decides the hop's form.
    if (!opts.extra_body.empty())
        original = boost::json::value_to<request>(boost::json::parse(create_body(original, opts, false)));
    const request_options no_extra_body;
    for (unsigned hops = 0; hops < max_hops && combined.status == interaction_status::requires_continuation &&
                            combined.continuation_token && !combined.continuation_token->empty();
         ++hops)
    {
        const request next = continuation_request(original, combined);
        http_call call{http::verb::post, impl->version_path + "/interactions", create_body(next, no_extra_body, false),
                       &opts, false, false, "create"};
        auto exchange = impl->execute(std::move(call));
        auto reply = co_await std::move(exchange);
        append_hop(combined, decode_interaction(std::move(reply)));
    }
    co_return combined;
}

} // namespace gemini::detail

namespace gemini::detail {

// ---- streams that follow hops ------------------------------------------------------------------
// The consumer sees one interaction: the next hop's interaction.created and status updates are
// dropped (they name another interaction; the stream stays in_progress), its step indexes
// continue after the previous hop's, an intermediate interaction.completed (status
// requires_continuation) is held back and its usage added to the final one's.

void stream_state::follow_continuation(unsigned max_hops)
{
    max_hops_ = max_hops;
}

bool stream_state::hop_event(std::optional<std::int64_t>& index, event* whole, std::string_view event_type)
{
    if (hops_ > 0 && (event_type == "interaction.created" || event_type == "interaction.status_update"))
        return false;
    if (index)
    {
        *index = saturating_add(*index, index_offset_);
        next_index_ = std::max(next_index_, saturating_add(*index, 1));
    }
    if (auto* done = whole ? whole->get_if<interaction_completed_event>() : nullptr)
    {
        auto& result = done->interaction;
        if (result.status == interaction_status::requires_continuation && result.continuation_token &&
            !result.continuation_token->empty() && hops_ < max_hops_)
        {
            if (result.usage)
            {
                if (!usage_sum_)
                    usage_sum_.emplace();
                add_usage(*usage_sum_, *result.usage);
            }
            hop_token_ = *result.continuation_token;
            hop_id_ = result.id.empty() ? interaction_id_ : result.id;
            return false;
        }
        if (usage_sum_)
        {
            usage total = *usage_sum_;
            if (result.usage)
                add_usage(total, *result.usage);
            result.usage = std::move(total);
        }
    }
    return true;
}

asio::awaitable<void> stream_state::start_hop()
{
    need_hop_ = false;
    interaction issued;
    issued.id = std::exchange(hop_id_, {});
    issued.continuation_token = std::exchange(hop_token_, {});
    // The body of the last exchange is the request the hop continues (the create's, or the last
    // hop's, which continuation_request made from it): read back, it gives the same next body.
    // Its `stream` and the options' extra_body fields come back as the request's own; the
    // options' extra_body is not written again, which would put back what the hop leaves out
    // or sets (input, previous_interaction_id).
    const request last = boost::json::value_to<request>(boost::json::parse(create_body_));
    const request next = continuation_request(last, issued);
    create_body_ = create_body(next, request_options{}, true);
    ++hops_;
    index_offset_ = next_index_;
    interaction_id_.clear();
    last_event_id_.clear();
    since_last_id_ = 0;
    skip_ = 0;
    saw_terminal_ = false;
    saw_done_ = false;
    auto open_hop = connect(false);
    co_await std::move(open_hop);
}

} // namespace gemini::detail
