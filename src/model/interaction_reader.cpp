#include "model/interaction_reader.hpp"

#include "model/shape_handler.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace gemini::detail {
namespace {

namespace json = boost::json;
using boost::system::error_code;

/// The index of `key` in `names`, or -1. The search starts at `next`, the member after the one
/// found last: the service writes the members of an object in one order, the order of the
/// tables below, so that nearly every key is found at the first compare.
template<std::size_t N>
int index_of(std::string_view key, const std::string_view (&names)[N], std::size_t next = 0) noexcept
{
    for (std::size_t i = next; i < N; ++i)
        if (names[i] == key)
            return static_cast<int>(i);
    for (std::size_t i = 0; i < next && i < N; ++i)
        if (names[i] == key)
            return static_cast<int>(i);
    return -1;
}

// Of the interaction, in the service's order.
constexpr std::string_view root_members[] = {
    "id", "object", "model", "agent", "status", "created", "updated", "service_tier",
    "previous_interaction_id", "environment_id", "continuation_token", "steps", "usage"};
enum root_member : int
{
    root_id, root_object, root_model, root_agent, root_status, root_created, root_updated,
    root_service_tier, root_previous_interaction_id, root_environment_id, root_continuation_token,
    root_steps, root_usage
};

// Of the usage: the counts first, in the order of usage_counts, then the lists.
constexpr std::string_view usage_members[] = {
    "total_input_tokens", "total_output_tokens", "total_thought_tokens", "total_cached_tokens",
    "total_tool_use_tokens", "total_tokens", "initial_input_tokens", "input_tokens_by_modality",
    "output_tokens_by_modality", "cached_tokens_by_modality", "tool_use_tokens_by_modality"};
constexpr std::optional<std::int64_t> usage::* usage_counts[] = {
    &usage::total_input_tokens, &usage::total_output_tokens, &usage::total_thought_tokens,
    &usage::total_cached_tokens, &usage::total_tool_use_tokens, &usage::total_tokens,
    &usage::initial_input_tokens};
constexpr std::optional<std::vector<modality_tokens>> usage::* usage_lists[] = {
    &usage::input_tokens_by_modality, &usage::output_tokens_by_modality,
    &usage::cached_tokens_by_modality, &usage::tool_use_tokens_by_modality};
constexpr int usage_count_members = static_cast<int>(std::size(usage_counts));
static_assert(std::size(root_members) == root_usage + 1, "a name for each root_member");
static_assert(std::size(usage_members) == std::size(usage_counts) + std::size(usage_lists),
              "a name for each count and list of the usage");

constexpr std::string_view thought_members[] = {"type", "signature", "summary"};
constexpr std::string_view output_members[] = {"type", "content"};
constexpr std::string_view text_members[] = {"type", "text"};
constexpr std::string_view modality_members[] = {"modality", "tokens"};

/// SAX handler: fills the interaction while the text keeps to the shape, and gives up (returns
/// false, which stops the parser) at the first member, type or value outside it.
class common_interaction_handler : public shape_handler
{
public:
    // Above the shape's largest object (13 members) and longest key (27 bytes): beyond them the
    // parser stops, which declines, as an unknown member would.
    static constexpr std::size_t max_object_size = 64;
    static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_key_size = 64;
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

    explicit common_interaction_handler(interaction& out) noexcept : out_(out) {}

    bool on_object_begin(error_code&)
    {
        if (depth_ == 0)
            return enter(scope::root);
        switch (top())
        {
        case scope::steps:
            // Which step it is, its `type` (the first member) says.
            thought_ = nullptr;
            output_ = nullptr;
            return enter(scope::step);
        case scope::blocks:
            text_ = nullptr;
            return enter(scope::block);
        case scope::modality_list:
            entry_ = &list_->emplace_back();
            return enter(scope::modality);
        default:
            if (take_expected() != expect::usage)
                return false;
            usage_ = &out_.usage.emplace();
            return enter(scope::usage);
        }
    }

    bool on_object_end(std::size_t, error_code&)
    {
        // A step or block without its type is not of the shape (the general reader refuses it).
        if ((top() == scope::step && !thought_ && !output_) || (top() == scope::block && !text_))
            return false;
        --depth_;
        return true;
    }

    bool on_array_begin(error_code&)
    {
        if (depth_ == 0)
            return false;
        switch (take_expected())
        {
        case expect::steps:
            // A thought and the output: most answers. One allocation instead of two, and no move.
            out_.steps.emplace().reserve(2);
            return enter(scope::steps);
        case expect::blocks: return enter(scope::blocks);
        case expect::modality_list: return enter(scope::modality_list);
        default: return false;
        }
    }

    bool on_array_end(std::size_t, error_code&)
    {
        --depth_;
        return true;
    }

    bool on_key_part(std::string_view part, std::size_t, error_code&)
    {
        pending_.append(part);
        return true;
    }

    bool on_key(std::string_view last, std::size_t, error_code&)
    {
        const bool known = take_key(joined(last));
        pending_.clear();
        return known;
    }

    bool on_string_part(std::string_view part, std::size_t, error_code&)
    {
        if (expected_ == expect::string)
            string_->append(part);
        else
            pending_.append(part);
        return true;
    }

    bool on_string(std::string_view last, std::size_t, error_code&)
    {
        const expect what = take_expected();
        if (what == expect::string)
        {
            string_->append(last);
            return true;
        }
        const std::string_view value = joined(last);
        bool ok = true;
        switch (what)
        {
        case expect::status: out_.status = open_enum<interaction_status>(value); break;
        case expect::service_tier: out_.service_tier.emplace(value); break;
        case expect::modality_name: entry_->modality.emplace(value); break;
        case expect::step_type: ok = begin_step(value); break;
        case expect::block_type: ok = begin_block(value); break;
        default: ok = false;
        }
        pending_.clear();
        return ok;
    }

    bool on_int64(std::int64_t v, std::string_view, error_code&)
    {
        if (take_expected() != expect::integer)
            return false;
        *integer_ = v;
        return true;
    }

private:
    /// The object or array being read.
    enum class scope : std::uint8_t { root, steps, step, blocks, block, usage, modality_list, modality };

    /// What the value after the last key must be, and where it goes.
    enum class expect : std::uint8_t
    {
        nothing,                                             ///< no value has a place here
        string,                                              ///< appended to *string_
        status, service_tier, modality_name,                 ///< an open enum
        step_type, block_type,                               ///< a discriminator
        integer,                                             ///< into *integer_
        steps, blocks, usage, modality_list                  ///< a container
    };

    struct frame
    {
        scope where;
        std::uint32_t seen;   ///< the members read so far, by index
        std::uint8_t next;    ///< the index after the member read last
    };

    scope top() const noexcept { return frames_[depth_ - 1].where; }

    bool enter(scope where)
    {
        if (depth_ == max_depth)
            return false;
        frames_[depth_++] = frame{where, 0, 0};
        return true;
    }

    expect take_expected() noexcept
    {
        const expect e = expected_;
        expected_ = expect::nothing;
        return e;
    }

    /// The index of `key` among the members of the current object, or -1.
    template<std::size_t N>
    int find(std::string_view key, const std::string_view (&names)[N]) noexcept
    {
        frame& f = frames_[depth_ - 1];
        const int index = index_of(key, names, f.next);
        f.next = static_cast<std::uint8_t>(index + 1);
        return index;
    }

    /// Marks member `index` of the current object as read; false when it is unknown or repeated
    /// (the general reader keeps one of two equal keys; this one does not decide which).
    bool mark(int index) noexcept
    {
        if (index < 0)
            return false;
        const std::uint32_t bit = std::uint32_t{1} << index;
        if (frames_[depth_ - 1].seen & bit)
            return false;
        frames_[depth_ - 1].seen |= bit;
        return true;
    }

    void expect_string(std::string& target) noexcept
    {
        string_ = &target;
        expected_ = expect::string;
    }

    void expect_integer(std::optional<std::int64_t>& target)
    {
        integer_ = &target.emplace();
        expected_ = expect::integer;
    }

    bool take_key(std::string_view key)
    {
        switch (top())
        {
        case scope::root: return take_root_key(key);
        case scope::step: return take_step_key(key);
        case scope::block:
        {
            const int index = find(key, text_members);
            if (!mark(index) || (index == 0) == (text_ != nullptr))   // `type` first, then text
                return false;
            if (index == 0)
                expected_ = expect::block_type;
            else
                expect_string(text_->text);
            return true;
        }
        case scope::usage:
        {
            const int index = find(key, usage_members);
            if (!mark(index))
                return false;
            if (index < usage_count_members)
                expect_integer(usage_->*usage_counts[index]);
            else
            {
                list_ = &(usage_->*usage_lists[index - usage_count_members]).emplace();
                expected_ = expect::modality_list;
            }
            return true;
        }
        case scope::modality:
        {
            const int index = find(key, modality_members);
            if (!mark(index))
                return false;
            if (index == 0)
                expected_ = expect::modality_name;
            else
                expect_integer(entry_->tokens);
            return true;
        }
        default: return false;
        }
    }

    bool take_root_key(std::string_view key)
    {
        const int index = find(key, root_members);
        if (!mark(index))
            return false;
        switch (static_cast<root_member>(index))
        {
        case root_id: expect_string(out_.id); break;
        case root_object: expect_string(out_.object.emplace()); break;
        case root_model: expect_string(out_.model.emplace()); break;
        case root_agent: expect_string(out_.agent.emplace()); break;
        case root_status: expected_ = expect::status; break;
        case root_created: expect_string(out_.created.emplace()); break;
        case root_updated: expect_string(out_.updated.emplace()); break;
        case root_service_tier: expected_ = expect::service_tier; break;
        case root_previous_interaction_id: expect_string(out_.previous_interaction_id.emplace()); break;
        case root_environment_id: expect_string(out_.environment_id.emplace()); break;
        case root_continuation_token: expect_string(out_.continuation_token.emplace()); break;
        case root_steps: expected_ = expect::steps; break;
        case root_usage: expected_ = expect::usage; break;
        }
        return true;
    }

    bool take_step_key(std::string_view key)
    {
        if (thought_ == nullptr && output_ == nullptr)
        {
            // `type` first: the members after it are read into the step it names.
            if (key != "type" || !mark(0))
                return false;
            frames_[depth_ - 1].next = 1;
            expected_ = expect::step_type;
            return true;
        }
        if (thought_ != nullptr)
        {
            const int index = find(key, thought_members);
            if (index <= 0 || !mark(index))
                return false;
            if (index == 1)
                expect_string(thought_->signature.emplace());
            else
            {
                blocks_ = &thought_->summary.emplace();
                expected_ = expect::blocks;
            }
            return true;
        }
        const int index = find(key, output_members);
        if (index <= 0 || !mark(index))
            return false;
        blocks_ = &output_->content;
        expected_ = expect::blocks;
        return true;
    }

    bool begin_step(std::string_view type)
    {
        if (type == thought_step::type_name)
            thought_ = out_.steps->emplace_back(std::in_place_type<thought_step>).get_if<thought_step>();
        else if (type == model_output_step::type_name)
            output_ = out_.steps->emplace_back(std::in_place_type<model_output_step>).get_if<model_output_step>();
        return thought_ != nullptr || output_ != nullptr;
    }

    bool begin_block(std::string_view type)
    {
        if (type == text_content::type_name)
            text_ = blocks_->emplace_back(std::in_place_type<text_content>).get_if<text_content>();
        return text_ != nullptr;
    }

    // Root, steps, step, blocks, block. The scopes admit nothing deeper; enter() checks anyway,
    // as frames_ is an array.
    static constexpr int max_depth = 5;

    interaction& out_;
    frame frames_[max_depth]{};
    int depth_ = 0;
    expect expected_ = expect::nothing;
    std::string* string_ = nullptr;
    std::int64_t* integer_ = nullptr;
    gemini::usage* usage_ = nullptr;
    std::vector<modality_tokens>* list_ = nullptr;
    modality_tokens* entry_ = nullptr;
    thought_step* thought_ = nullptr;
    model_output_step* output_ = nullptr;
    std::vector<content>* blocks_ = nullptr;
    text_content* text_ = nullptr;
};

} // namespace

plain_scan scan_common_interaction(std::string_view json, interaction& out)
{
    common_interaction_handler handler(out);
    return plain_sax_driver(json, handler).run();
}

bool read_common_interaction_with_tokenizer(std::string_view json, interaction& out)
{
    json::basic_parser<common_interaction_handler> parser{json::parse_options{}, out};
    error_code ec;
    const std::size_t used = parser.write_some(false, json.data(), json.size(), ec);
    return !ec && used == json.size() && parser.done();
}

bool read_common_interaction(std::string_view json, interaction& out)
{
    switch (scan_common_interaction(json, out))
    {
    case plain_scan::accepted: return true;
    case plain_scan::declined: return false;
    case plain_scan::unsure: break;
    }
    out = interaction{};   // what the scan filled before it gave up
    return read_common_interaction_with_tokenizer(json, out);
}

} // namespace gemini::detail
