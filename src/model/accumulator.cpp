// The fold of stream events into an interaction (rules in gemini/model/accumulator.hpp).
#include "model/json_io.hpp"

#include <gemini/model/accumulator.hpp>

#include <boost/describe/members.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <utility>

namespace gemini {

namespace {

namespace json = boost::json;
using detail::fail;
using detail::json_path;

/// Copies into `dst` the members `src` carries: set optionals, non-empty strings, enums and
/// lists; then src's unknown members. Steps are the caller's business.
template<detail::described T>
void merge_present(T& dst, const T& src)
{
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
        const auto& from = src.*d.pointer;
        using M = std::remove_cvref_t<decltype(from)>;
        if constexpr (detail::is_optional<M>::value)
        {
            if (from)
                dst.*d.pointer = from;
        }
        else if constexpr (detail::is_open_enum<M>::value)
        {
            if (!from.str().empty())
                dst.*d.pointer = from;
        }
        else if (!from.empty())
            dst.*d.pointer = from;
    });
    for (const auto& kv : src.extra)
        dst.extra.insert_or_assign(kv.key(), kv.value());
}

std::string index_text(std::int64_t index)
{
    return "index " + std::to_string(index);
}

} // namespace

/// Applies one event to an accumulator; one overload per kind of event.
struct accumulator::folder
{
    accumulator& self;
    const event* ev;   ///< null for a text delta given as its parts (add_text_delta)
    const std::optional<std::int64_t>& index;
    json_path root{};

    // Named only in error messages, so looked up only for them.
    std::string event_type() const { return std::string(ev ? ev->event_type() : "step.delta"); }
    std::string delta_type() const { return std::string(ev ? ev->delta_type() : "text"); }

    // ---- steps --------------------------------------------------------------------------------

    json_path index_path() const noexcept { return root.member("index"); }

    std::int64_t required_index() const
    {
        if (!index)
            fail(index_path(), "missing step index in a " + event_type() + " event");
        return *index;
    }

    /// Position in result_.steps of the step `ev` is about (started, not stopped).
    std::size_t position() const
    {
        std::int64_t index = required_index();
        for (std::size_t i = self.states_.size(); i-- > 0;)
        {
            if (self.states_[i].index != index)
                continue;
            if (self.states_[i].stopped)
                fail(index_path(), event_type() + " for " + index_text(index) + " after its step.stop");
            return i;
        }
        fail(index_path(), "no step.start for " + index_text(index));
    }

    step& step_at(std::size_t pos) const { return (*self.result_.steps)[pos]; }

    /// The step of a delta if it is an S; nullptr for steps of unknown types (not folded).
    template<class S>
    S* target(std::size_t pos) const
    {
        step& s = step_at(pos);
        if (S* found = s.get_if<S>())
            return found;
        if (s.is<opaque>())
            return nullptr;
        json_path delta = root.member("delta");
        fail(delta.member("type"), "a " + delta_type() + " delta does not apply to the " +
                                       std::string(s.type()) + " step at " + index_text(self.states_[pos].index));
    }

    template<class S>
    S* target() const
    {
        return target<S>(position());
    }

    // ---- events -------------------------------------------------------------------------------

    void operator()(const interaction_created_event& e) const { merge_interaction(e.interaction); }

    void operator()(const interaction_status_update_event& e) const
    {
        interaction& it = self.result_;
        if (!e.interaction_id.empty())
        {
            if (it.id.empty())
                it.id = e.interaction_id;
            else if (it.id != e.interaction_id)
                fail(root.member("interaction_id"), "status update of " + e.interaction_id + " in the stream of " + it.id);
        }
        if (!e.status.str().empty())
            it.status = e.status;
        if (e.usage)
            it.usage = e.usage;
        if (e.continuation_token)
            it.continuation_token = e.continuation_token;
    }

    void operator()(const step_start_event& e) const
    {
        std::int64_t index = required_index();
        for (const step_state& s : self.states_)
            if (s.index == index)
                fail(index_path(), "a second step.start for " + index_text(index));
        if (self.states_.empty())
            self.result_.steps.emplace(); // the fold owns the steps, whatever interaction.created said
        self.result_.steps->push_back(e.step);
        self.states_.push_back(step_state{.index = index});
    }

    void operator()(const step_stop_event& e) const
    {
        std::size_t pos = position();
        self.finish_arguments(pos);
        self.states_[pos].stopped = true;
        if (e.usage)
            self.result_.usage = e.usage;
    }

    void operator()(const interaction_completed_event& e) const
    {
        merge_interaction(e.interaction);
        for (std::size_t pos = 0; pos < self.states_.size(); ++pos)
            self.finish_arguments(pos);
        self.finished_ = true;
    }

    void operator()(const error_event&) const {}
    void operator()(const opaque&) const {}

    // ---- deltas -------------------------------------------------------------------------------

    void operator()(const text_delta_event& d) const { text(d.text); }

    void text(std::string_view delta) const
    {
        auto* s = target<model_output_step>();
        if (s == nullptr)
            return;
        if (!s->content.empty())
            if (auto* last = s->content.back().get_if<text_content>())
            {
                last->text += delta;
                return;
            }
        s->content.emplace_back(text_content{.text = std::string(delta)});
    }

    template<class Delta>
        requires requires { typename Delta::block_type; }
    void operator()(const Delta& d) const
    {
        if (auto* s = target<model_output_step>())
            s->content.emplace_back(static_cast<const typename Delta::block_type&>(d));
    }

    // A media delta given by add(event&&): its block (the data, megabytes of base64) is moved.
    template<class Delta>
        requires(!std::is_reference_v<Delta> && requires { typename Delta::block_type; })
    void operator()(Delta&& d) const
    {
        if (auto* s = target<model_output_step>())
            s->content.emplace_back(static_cast<typename Delta::block_type&&>(d));
    }

    void operator()(const text_annotation_delta_event& d) const
    {
        std::size_t pos = position();
        auto* s = target<model_output_step>(pos);
        if (s == nullptr)
            return;
        for (auto block = s->content.rbegin(); block != s->content.rend(); ++block)
            if (auto* text = block->get_if<text_content>())
            {
                auto& list = text->annotations ? *text->annotations : text->annotations.emplace();
                list.insert(list.end(), d.annotations.begin(), d.annotations.end());
                return;
            }
        json_path delta = root.member("delta");
        fail(delta.member("annotations"), "no text block to annotate in the step at " + index_text(self.states_[pos].index));
    }

    void operator()(const thought_summary_delta_event& d) const
    {
        if (auto* s = target<thought_step>())
            (s->summary ? *s->summary : s->summary.emplace()).push_back(d.content);
    }

    void operator()(const thought_signature_delta_event& d) const
    {
        if (auto* s = target<thought_step>())
            s->signature = d.signature;
    }

    void operator()(const arguments_delta_event& d) const
    {
        std::size_t pos = position();
        if (target<function_call_step>(pos) == nullptr)
            return;
        self.states_[pos].arguments += d.arguments;
        self.states_[pos].has_arguments = true;
    }

    void operator()(const function_result_delta_event& d) const
    {
        auto* s = target<function_result_step>();
        if (s == nullptr)
            return;
        if (d.result)
            s->result = *d.result;
        if (d.name)
            s->name = d.name;
        if (d.is_error)
            s->is_error = d.is_error;
        if (d.signature)
            s->signature = d.signature;
        for (const auto& kv : d.extra)
            s->extra.insert_or_assign(kv.key(), kv.value());
    }

    void operator()(const tool_delta_event& d) const
    {
        std::size_t pos = position();
        step& s = step_at(pos);
        if (s.is<opaque>())
            return;
        json_path delta = root.member("delta");
        if (s.type() != d.type)
            fail(delta.member("type"), "a " + d.type + " delta does not apply to the " + std::string(s.type()) +
                                           " step at " + index_text(self.states_[pos].index));
        // Replace the members the delta carries and read the step back: the delta's members are
        // checked exactly as a step's would be (errors name them under `delta`).
        json::value merged;
        detail::write(s, merged);
        for (const auto& kv : d.fields)
            merged.as_object().insert_or_assign(kv.key(), kv.value());
        step rebuilt;
        detail::read(merged, rebuilt, delta);
        s = std::move(rebuilt);
    }

    void operator()(const unknown_delta_event&) const { (void)position(); }

    // ---- helpers ------------------------------------------------------------------------------

    void merge_interaction(const interaction& from) const
    {
        interaction& it = self.result_;
        auto steps = std::exchange(it.steps, std::nullopt);
        merge_present(it, from);
        if (!self.states_.empty() || !it.steps)
            it.steps = std::move(steps);
    }
};

void accumulator::refuse_after_completion(const event& e) const
{
    if (finished_ && !e.is<opaque>())
    {
        json_path root;
        fail(root.member("event_type"), std::string(e.event_type()) + " after interaction.completed");
    }
}

void accumulator::add(const event& e)
{
    refuse_after_completion(e);
    std::visit(folder{*this, &e, e.index}, static_cast<const event::variant_type&>(e));
}

void accumulator::add(event&& e)
{
    refuse_after_completion(e);
    std::visit(folder{*this, &e, e.index}, static_cast<event::variant_type&&>(e));
}

void accumulator::add_text_delta(const std::optional<std::int64_t>& index, std::string_view text)
{
    if (finished_)
    {
        json_path root;
        fail(root.member("event_type"), "step.delta after interaction.completed");
    }
    folder{*this, nullptr, index}.text(text);
}

void accumulator::finish_arguments(std::size_t position)
{
    step_state& state = states_[position];
    if (!state.has_arguments)
        return;
    std::string text = std::move(state.arguments);
    state.arguments.clear();
    state.has_arguments = false;
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        return;

    json_path root;
    json_path steps = root.member("steps");
    json_path item = steps.element(position);
    json_path at = item.member("arguments");
    boost::system::error_code ec;
    json::value parsed = json::parse(text, ec);
    if (ec)
        fail(at, "the arguments_delta fragments are not valid JSON (" + ec.message() + "): " + text);
    if (!parsed.is_object())
        fail(at, "the arguments_delta fragments are not a JSON object: " + text);
    detail::require_finite_numbers(parsed, at);
    (*result_.steps)[position].get_if<function_call_step>()->arguments = std::move(parsed.get_object());
}

interaction accumulator::take()
{
    for (std::size_t pos = 0; pos < states_.size(); ++pos)
        finish_arguments(pos);
    interaction out = std::move(result_);
    result_ = interaction{};
    states_.clear();
    finished_ = false;
    return out;
}

} // namespace gemini
