#pragma once
// An incremental parser for text/event-stream (the WHATWG "server-sent events" format), as the
// Interactions API uses it. Sans-io: fed arbitrary byte slices, it calls back once per complete
// event. Complete lines inside a slice are parsed in place, and an event that lies whole inside
// one slice (nearly all of them: the client reads many events at a time) is delivered as views
// into it. Only a line split across slices, and the `event:` and `data:` of an event the slice
// ends inside, are copied, once each: a `data:` line split across slices is appended to the
// event's data as it comes (an inline image is megabytes on one line), other split lines wait
// whole in a buffer of their own. Memory is bounded by max_event_bytes, and what a large event
// needed is given back once it is delivered.
//
// Beyond the standard: a line that starts with '{' is not SSE at all: the service has sent a
// bare JSON object that way for refusals. It is reported as its own event kind instead of being
// dropped (a standard parser would ignore it as an unknown field).

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <cstring>
#include <string_view>

namespace gemini::detail::sse {

enum class event_kind
{
    message,      ///< an ordinary event: `event:` (may be empty) and `data:`
    done,         ///< `data: [DONE]`, the end-of-stream sentinel
    stray_json,   ///< a bare JSON line outside SSE framing
};

/// One parsed event. Views point into the parser and are valid during the callback only.
struct event
{
    event_kind kind = event_kind::message;
    std::string_view type;    ///< the `event:` field, empty when absent
    std::string_view data;    ///< `data:` lines joined with '\n' (or the stray line)
    std::string_view id;      ///< the last `id:` field seen in the stream (SSE semantics)
};

enum class parse_error
{
    none,
    event_too_large,   ///< an event (or a single line) exceeds max_event_bytes
};

class parser
{
public:
    explicit parser(std::size_t max_event_bytes = 8u << 20) : max_event_bytes_(max_event_bytes) {}

    /// Consumes `bytes`, calling `on_event(const event&)` for every completed event. Returns
    /// parse_error::none, or the error that stops the parser (then it consumes nothing more).
    template <class OnEvent>
    parse_error feed(std::string_view bytes, OnEvent&& on_event)
    {
        // Servers end lines with LF alone: a slice without CR is cut at LFs only, one memchr per line.
        slice_has_cr_ = std::memchr(bytes.data(), '\r', bytes.size()) != nullptr;
        feed_lines(bytes, on_event);
        keep_event_in_progress();
        return error_;
    }

    /// Whether bytes of an unfinished event are buffered (a stream must not end here).
    bool mid_event() const noexcept { return !partial_.empty() || has_data_ || has_type(); }

    /// Bytes held in the parser's buffers (for tests of its memory bound).
    std::size_t buffered_capacity() const noexcept { return partial_.capacity() + data_.capacity() + type_.capacity(); }

    /// The `retry:` field last seen, in milliseconds.
    std::optional<std::size_t> retry_ms() const noexcept { return retry_ms_; }

    std::size_t max_event_bytes() const noexcept { return max_event_bytes_; }

private:
    template <class OnEvent>
    void feed_lines(std::string_view bytes, OnEvent& on_event)
    {
        while (!bytes.empty() && error_ == parse_error::none)
        {
            if (skip_lf_)
            {
                skip_lf_ = false;
                if (bytes.front() == '\n')
                {
                    bytes.remove_prefix(1);
                    continue;
                }
            }
            const auto end = find_line_end(bytes);
            if (end == std::string_view::npos)
            {
                if (data_line_open_)
                    append_data(bytes);
                else if (append_partial(bytes) && partial_.size() > 5 && partial_.starts_with("data:"))
                    open_data_line();
                return;
            }
            skip_lf_ = bytes[end] == '\r';
            std::string_view line = bytes.substr(0, end);
            bytes.remove_prefix(end + 1);
            if (data_line_open_)
            {
                if (!append_data(line))
                    break;
                data_line_open_ = false;
            }
            else if (!partial_.empty())
            {
                if (!append_partial(line))
                    break;
                finish_line(std::string_view(partial_), false, on_event);
                release_if_large(partial_);
            }
            else
                finish_line(line, true, on_event);
        }
    }

    std::size_t data_size() const noexcept { return data_in_place_ ? data_view_.size() : data_.size(); }
    bool has_type() const noexcept { return type_in_place_ ? !type_view_.empty() : !type_.empty(); }

    // The slice ends inside an event: what of it is only viewed is copied before the slice goes.
    void keep_event_in_progress()
    {
        if (data_in_place_)
        {
            data_.assign(data_view_);
            data_in_place_ = false;
        }
        if (type_in_place_)
        {
            type_.assign(type_view_);
            type_in_place_ = false;
        }
    }
    /// The position of the first '\r' or '\n', or npos. Two memchr over the line: libstdc++'s
    /// find_first_of calls memchr once per input byte, which was most of the parser's time.
    std::size_t find_line_end(std::string_view bytes) const noexcept
    {
        const void* lf = std::memchr(bytes.data(), '\n', bytes.size());
        const std::size_t line = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data()) : bytes.size();
        if (!slice_has_cr_)
            return lf ? line : std::string_view::npos;
        if (const void* cr = std::memchr(bytes.data(), '\r', line))
            return static_cast<std::size_t>(static_cast<const char*>(cr) - bytes.data());
        return lf ? line : std::string_view::npos;
    }

    // A `data:` line the slice ends inside (its first character after the colon is known, so the
    // one leading space can be dropped): its value goes to the event's data now, the rest of the
    // line follows it there (append_data), and it is not copied a second time when it ends.
    void open_data_line()
    {
        std::string_view value;
        split_field(partial_, value);
        data_before_line_ = data_size();
        keep_event_in_progress();
        if (has_data_)
            data_.push_back('\n');
        data_.append(value);
        has_data_ = true;
        data_line_open_ = true;
        open_line_bytes_ = partial_.size();
        partial_.clear();
    }

    // Held to the limit exactly as append_partial would hold the line were it gathered whole:
    // the line so far, field name included, with the event's data before it. So a line is never
    // refused later than when it comes in one piece (finish_line), whatever the pieces.
    bool append_data(std::string_view piece)
    {
        open_line_bytes_ += piece.size();
        if (data_before_line_ + open_line_bytes_ > max_event_bytes_)
        {
            error_ = parse_error::event_too_large;
            return false;
        }
        data_.append(piece);
        return true;
    }

    // Cleared for the next use, and given back when a large event made it large: a stream keeps
    // no more than this between events, whatever it once received.
    static void release_if_large(std::string& buffer) noexcept
    {
        constexpr std::size_t kept_capacity = 64 * 1024;
        if (buffer.capacity() > kept_capacity)
            std::string().swap(buffer);
        else
            buffer.clear();
    }

    bool append_partial(std::string_view piece)
    {
        if (partial_.size() + piece.size() + data_size() > max_event_bytes_)
        {
            error_ = parse_error::event_too_large;
            return false;
        }
        partial_.append(piece);
        return true;
    }

    enum class field_name
    {
        data,
        event,
        id,
        retry,
        other,
    };

    /// The line's field and (through `value`) its value without the one space that may lead it.
    /// `data:` and `event:` begin nearly every line and are matched as prefixes: no search for
    /// the colon and no comparison of the name before it.
    static field_name split_field(std::string_view line, std::string_view& value) noexcept
    {
        field_name field = field_name::other;
        std::size_t name_size = 0;
        if (line.starts_with("data:"))
            field = field_name::data, name_size = 4;
        else if (line.starts_with("event:"))
            field = field_name::event, name_size = 5;
        else
        {
            name_size = std::min(line.find(':'), line.size());
            const std::string_view name(line.data(), name_size);
            if (name == "data")
                field = field_name::data;
            else if (name == "event")
                field = field_name::event;
            else if (name == "id")
                field = field_name::id;
            else if (name == "retry")
                field = field_name::retry;
        }
        value = line;
        value.remove_prefix(std::min(name_size + 1, line.size()));
        if (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        return field;
    }

    // `in_place`: `line` lies in the slice being fed (not in partial_), so views of it stay
    // valid until the feed returns.
    template <class OnEvent>
    void finish_line(std::string_view line, bool in_place, OnEvent& on_event)
    {
        // Found by fuzzing: a long `event:` or `id:` line that arrived within one feed was
        // accepted (and copied), while the same line split across feeds was refused.
        if (line.size() > max_event_bytes_)
        {
            error_ = parse_error::event_too_large;
            return;
        }
        if (line.empty())
        {
            dispatch(on_event);
            return;
        }
        if (line.front() == ':')
            return;   // comment
        if (line.front() == '{')
        {
            event e{event_kind::stray_json, {}, line, id_};
            on_event(static_cast<const event&>(e));
            return;
        }
        std::string_view value;
        const field_name field = split_field(line, value);
        if (field == field_name::data)
        {
            if (data_size() + value.size() + 1 > max_event_bytes_)
            {
                error_ = parse_error::event_too_large;
                return;
            }
            if (!has_data_ && in_place)
            {
                data_view_ = value;
                data_in_place_ = true;
            }
            else
            {
                keep_event_in_progress();   // a second data line: the lines are joined in data_
                if (has_data_)
                    data_.push_back('\n');
                data_.append(value);
            }
            has_data_ = true;
        }
        else if (field == field_name::event)
        {
            if (in_place)
            {
                type_view_ = value;
                type_in_place_ = true;
            }
            else
            {
                type_.assign(value);
                type_in_place_ = false;
            }
        }
        else if (field == field_name::id)
        {
            if (value.find('\0') == std::string_view::npos)
                id_.assign(value);
        }
        else if (field == field_name::retry)
        {
            std::size_t ms = 0;
            const char* end = value.data() + value.size();
            auto [stop, ec] = std::from_chars(value.data(), end, ms);
            if (!value.empty() && ec == std::errc() && stop == end)
                retry_ms_ = ms;
        }
        // other fields are ignored, as the SSE standard says
    }

    template <class OnEvent>
    void dispatch(OnEvent& on_event)
    {
        if (has_data_)
        {
            const std::string_view data = data_in_place_ ? data_view_ : std::string_view(data_);
            const std::string_view type = type_in_place_ ? type_view_ : std::string_view(type_);
            event e{data == "[DONE]" ? event_kind::done : event_kind::message, type, data, id_};
            on_event(static_cast<const event&>(e));
        }
        release_if_large(data_);
        type_.clear();
        data_in_place_ = false;
        type_in_place_ = false;
        has_data_ = false;
    }

    std::size_t max_event_bytes_;
    std::string partial_;   // a line split across feeds (but a data line: data_line_open_)
    std::string data_;
    std::string type_;
    // The event's data and type while they are views into the slice being fed.
    std::string_view data_view_;
    std::string_view type_view_;
    bool data_in_place_ = false;
    bool type_in_place_ = false;
    std::string id_;
    std::optional<std::size_t> retry_ms_;
    bool has_data_ = false;
    bool data_line_open_ = false;   // the line being received is a data line, going to data_
    std::size_t open_line_bytes_ = 0;   // that line's length so far, its field name included
    std::size_t data_before_line_ = 0;  // the event's data before that line
    bool slice_has_cr_ = true;
    bool skip_lf_ = false;  // the previous feed ended in CR: a leading LF belongs to it
    parse_error error_ = parse_error::none;
};

} // namespace gemini::detail::sse
