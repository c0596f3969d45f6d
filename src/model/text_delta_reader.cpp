#include "model/text_delta_reader.hpp"

#include "model/shape_handler.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace gemini::detail {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// The members of a text delta, as both readers below know them.
enum class member : unsigned { none, event_type, index, event_id, delta, delta_type, text };

constexpr unsigned bit(member m) noexcept { return 1u << static_cast<unsigned>(m); }

constexpr unsigned required_members =
    bit(member::event_type) | bit(member::delta) | bit(member::delta_type) | bit(member::text);

// `key` at `depth` (1: the event, 2: its delta); none for a member the shape has no place for.
member classify(std::string_view key, int depth) noexcept
{
    if (depth == 1)
        return key == "event_type" ? member::event_type
               : key == "index"    ? member::index
               : key == "event_id" ? member::event_id
               : key == "delta"    ? member::delta
                                   : member::none;
    if (depth == 2)
        return key == "type" ? member::delta_type : key == "text" ? member::text : member::none;
    return member::none;
}

/// SAX handler: accepts only the text-delta shape and gives up (returns false, which stops the
/// parser) at the first member, type or value outside it.
class text_delta_handler : public delta_shape_handler<text_delta_handler, member>
{
public:
    static member classify(std::string_view key, int depth) noexcept { return detail::classify(key, depth); }

    /// The delta, once the whole document was accepted.
    std::optional<text_delta_fields> take()
    {
        if ((seen_ & required_members) != required_members)
            return std::nullopt;
        std::optional<text_delta_fields> out(std::in_place);
        out->text = std::move(text_);
        if (seen(member::index))
            out->index = index_;
        if (seen(member::event_id))
            out->event_id = std::move(event_id_);
        return out;
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

private:
    std::string event_id_;
    std::string text_;
};

/// The plain form of a text delta, read without a JSON tokenizer: members in any order, keys and
/// event id without escapes or bytes above 0x7F, integer index; the text may hold escapes and
/// UTF-8, which the scan decodes and checks. Anything it is unsure of (an escaped surrogate,
/// malformed UTF-8, a number that is not a plain integer, malformed text) goes to the
/// basic_parser reader, which decides as before; what the
/// scan accepts, that reader would accept with the same fields (the fuzz target compares them).
/// A member the text delta has no place for ends the scan with `declined`, as it would end the
/// reader's parse. The scan was a fifth of the instructions of a streamed event.
class plain_text_delta_scan
{
public:
    using outcome = plain_scan;

    plain_text_delta_scan(std::string_view json, std::string& decoded) : json_(json), in_(json), decoded_(&decoded) {}

    outcome run()
    {
        if (canonical())
            return outcome::accepted;
        *this = plain_text_delta_scan(json_, *decoded_);
        if (!object(1))
            return result_;
        in_.skip_space();
        if (!in_.at_end())
            return outcome::unsure;
        return (seen_ & required_members) == required_members ? outcome::accepted : outcome::declined;
    }

    void take(plain_text_delta& out) const
    {
        out.text = text_;
        out.event_id.reset();
        out.index.reset();
        if (seen_ & bit(member::index))
            out.index = index_;
        if (seen_ & bit(member::event_id))
            out.event_id = event_id_;
    }

private:
    bool fail(outcome why)
    {
        result_ = why;
        return false;
    }

    bool plain_string(std::string_view& out) noexcept { return in_.plain_string(out) || fail(outcome::unsure); }

    // The text, with its escapes decoded into decoded_ when it has any (a line break in a
    // model's answer is one).
    bool text_string() { return in_.decoded_string(*decoded_, text_) || fail(outcome::unsure); }

    bool plain_integer() noexcept { return in_.plain_integer(index_) || fail(outcome::unsure); }

    // The key after an opening quote. The keys of the shape are recognised in place; anything
    // else is read as a string and classified (an escape in a key is for the tokenizer).
    bool key(int depth, member& m)
    {
        if (depth == 1)
            m = in_.literal("index\"")        ? member::index
                : in_.literal("delta\"")      ? member::delta
                : in_.literal("event_type\"") ? member::event_type
                : in_.literal("event_id\"")   ? member::event_id
                                          : member::none;
        else
            m = in_.literal("text\"") ? member::text : in_.literal("type\"") ? member::delta_type : member::none;
        if (m != member::none)
            return true;
        std::string_view name;
        if (!plain_string(name))
            return false;
        m = classify(name, depth);
        return true;
    }

    bool value(member m)
    {
        const char next = in_.peek();
        if (in_.at_end())
            return fail(outcome::unsure);
        if (m == member::delta)
            return next == '{' ? object(2) : fail(outcome::declined);
        if (m == member::index)
            return next == '-' || (next >= '0' && next <= '9') ? plain_integer() : fail(outcome::declined);
        if (!in_.take_char('"'))
            return fail(outcome::declined);
        // The two values the shape fixes, recognised in place.
        if ((m == member::event_type && in_.literal("step.delta\"")) || (m == member::delta_type && in_.literal("text\"")))
            return true;
        if (m == member::text)
            return text_string();
        std::string_view text;
        if (!plain_string(text))
            return false;
        switch (m)
        {
        case member::event_type: return text == "step.delta" || fail(outcome::declined);
        case member::delta_type: return text == "text" || fail(outcome::declined);
        default: event_id_ = text; return true;   // member::event_id
        }
    }

    // The service writes a text delta with its members in one order and no whitespace: that
    // form is matched with a few fixed-size compares and the two strings' scans, a quarter of
    // the instructions of object(). Anything else, or anything this cannot decide, goes to
    // object() from the start.
    bool canonical()
    {
        if (!in_.literal(R"({"index":)") || !plain_integer() || !in_.literal(R"(,"delta":{"type":"text","text":")") ||
            !text_string() || !in_.literal(R"(},"event_id":")") || !plain_string(event_id_) ||
            !in_.literal(R"(,"event_type":"step.delta"})") || !in_.at_end())
            return false;
        seen_ = required_members | bit(member::index) | bit(member::event_id);
        return true;
    }

    // An object at `depth` (1: the event, 2: its delta), from its opening brace.
    bool object(int depth)
    {
        if (!in_.take_char('{'))
            return fail(outcome::unsure);
        if (in_.take_char('}'))
            return true;
        for (;;)
        {
            member m = member::none;
            if (!in_.take_char('"') || !key(depth, m))
                return fail(outcome::unsure);
            if (m == member::none || (seen_ & bit(m)))
                return fail(outcome::declined);   // unknown or repeated: the general path decides
            seen_ |= bit(m);
            if (!in_.take_char(':') || !value(m))
                return result_ == outcome::accepted ? fail(outcome::unsure) : false;
            if (in_.take_char('}'))
                return true;
            if (!in_.take_char(','))
                return fail(outcome::unsure);
        }
    }

    std::string_view json_;
    plain_json_cursor in_;
    std::string* decoded_;
    outcome result_ = outcome::accepted;
    unsigned seen_ = 0;
    std::int64_t index_ = 0;
    std::string_view event_id_;
    std::string_view text_;
};

} // namespace

plain_scan scan_plain_text_delta(std::string_view json, plain_text_delta& out, std::string& decoded)
{
    plain_text_delta_scan scan(json, decoded);
    const plain_scan result = scan.run();
    if (result == plain_scan::accepted)
        scan.take(out);
    return result;
}

text_delta_read read_text_delta(std::string_view json, std::string& decoded)
{
    text_delta_read found;
    plain_text_delta& plain = found.emplace<plain_text_delta>();
    switch (scan_plain_text_delta(json, plain, decoded))
    {
    case plain_scan::accepted: return found;
    case plain_scan::declined: return std::monostate{};
    case plain_scan::unsure: break;
    }
    if (auto fields = read_text_delta_with_tokenizer(json))
        return std::move(*fields);
    return std::monostate{};
}

text_delta_fields to_fields(const plain_text_delta& plain)
{
    text_delta_fields out{.text = std::string(plain.text), .event_id = {}, .index = plain.index};
    if (plain.event_id)
        out.event_id.emplace(*plain.event_id);
    return out;
}

std::optional<text_delta_fields> to_fields(text_delta_read&& read)
{
    if (auto* plain = std::get_if<plain_text_delta>(&read))
        return to_fields(*plain);
    if (auto* fields = std::get_if<text_delta_fields>(&read))
        return std::move(*fields);
    return std::nullopt;
}

std::optional<text_delta_fields> read_text_delta_with_tokenizer(std::string_view json)
{
    return read_with<text_delta_handler>(json);
}

event to_event(text_delta_fields&& fields)
{
    event out(text_delta_event{.text = std::move(fields.text)});
    out.event_id = std::move(fields.event_id);
    out.index = fields.index;
    return out;
}

} // namespace gemini::detail
