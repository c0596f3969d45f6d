#include "model/text_delta_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace gemini::detail {
namespace {

namespace json = boost::json;
using boost::system::error_code;

/// SAX handler: accepts only the text-delta shape and gives up (returns false, which stops the
/// parser) at the first member, type or value outside it.
class text_delta_handler
{
public:
    static constexpr std::size_t max_object_size = 8;
    static constexpr std::size_t max_array_size = 0;
    static constexpr std::size_t max_key_size = 16;
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

    /// The delta, once the whole document was accepted.
    std::optional<text_delta_fields> take()
    {
        const unsigned required = bit(member::event_type) | bit(member::delta) | bit(member::delta_type) |
                                  bit(member::text);
        if ((seen_ & required) != required)
            return std::nullopt;
        std::optional<text_delta_fields> out(std::in_place);
        out->text = std::move(text_);
        if (seen_ & bit(member::index))
            out->index = index_;
        if (seen_ & bit(member::event_id))
            out->event_id = std::move(event_id_);
        return out;
    }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }

    bool on_object_begin(error_code&)
    {
        ++depth_;
        return depth_ == 1 || (depth_ == 2 && current_ == member::delta);
    }
    bool on_object_end(std::size_t, error_code&)
    {
        --depth_;
        return true;
    }
    bool on_array_begin(error_code&) { return false; }
    bool on_array_end(std::size_t, error_code&) { return false; }

    bool on_key_part(std::string_view part, std::size_t, error_code&)
    {
        pending_.append(part);
        return true;
    }
    bool on_key(std::string_view last, std::size_t, error_code&)
    {
        const std::string_view key = joined(last);
        current_ = depth_ == 1   ? top_level(key)
                   : depth_ == 2 ? delta_level(key)
                                 : member::none;
        pending_.clear();
        if (current_ == member::none || (seen_ & bit(current_)))
            return false;   // unknown or repeated: the general path decides
        seen_ |= bit(current_);
        return true;
    }

    bool on_string_part(std::string_view part, std::size_t, error_code&)
    {
        pending_.append(part);
        return true;
    }
    bool on_string(std::string_view last, std::size_t, error_code&)
    {
        const std::string_view value = joined(last);
        bool ok = true;
        switch (current_)
        {
        case member::event_type: ok = value == "step.delta"; break;
        case member::delta_type: ok = value == "text"; break;
        case member::event_id: event_id_.assign(value); break;
        case member::text: text_.assign(value); break;
        default: ok = false;
        }
        pending_.clear();
        return ok;
    }

    bool on_number_part(std::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t v, std::string_view, error_code&)
    {
        index_ = v;
        return current_ == member::index;
    }
    bool on_uint64(std::uint64_t, std::string_view, error_code&) { return false; }
    bool on_double(double, std::string_view, error_code&) { return false; }
    bool on_bool(bool, error_code&) { return false; }
    bool on_null(error_code&) { return false; }
    bool on_comment_part(std::string_view, error_code&) { return false; }
    bool on_comment(std::string_view, error_code&) { return false; }

private:
    enum class member : unsigned { none, event_type, index, event_id, delta, delta_type, text };

    static constexpr unsigned bit(member m) noexcept { return 1u << static_cast<unsigned>(m); }

    static member top_level(std::string_view key) noexcept
    {
        if (key == "event_type")
            return member::event_type;
        if (key == "index")
            return member::index;
        if (key == "event_id")
            return member::event_id;
        if (key == "delta")
            return member::delta;
        return member::none;
    }

    static member delta_level(std::string_view key) noexcept
    {
        if (key == "type")
            return member::delta_type;
        if (key == "text")
            return member::text;
        return member::none;
    }

    /// A key or string that arrived in parts (escapes, say) is whole only in pending_.
    std::string_view joined(std::string_view last)
    {
        if (pending_.empty())
            return last;
        pending_.append(last);
        return pending_;
    }

    int depth_ = 0;
    member current_ = member::none;
    unsigned seen_ = 0;
    std::int64_t index_ = 0;
    std::string event_id_;
    std::string text_;
    std::string pending_;
};

} // namespace

std::optional<text_delta_fields> read_text_delta(std::string_view json)
{
    json::basic_parser<text_delta_handler> parser{json::parse_options{}};
    error_code ec;
    const std::size_t used = parser.write_some(false, json.data(), json.size(), ec);
    if (ec || used != json.size() || !parser.done())
        return std::nullopt;
    return parser.handler().take();
}

event to_event(text_delta_fields&& fields)
{
    event out(text_delta_event{.text = std::move(fields.text)});
    out.event_id = std::move(fields.event_id);
    out.index = fields.index;
    return out;
}

} // namespace gemini::detail
