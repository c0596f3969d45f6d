#pragma once
// What the Boost.JSON basic_parser handlers of the readers of common shapes (text deltas,
// interactions) share: they read only strings, integers, objects and arrays, refuse every other
// kind of value (which stops the parser: the general path then decides), and join the keys and
// strings that the parser hands over in parts.

#include <boost/json/basic_parser_impl.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace gemini::detail {

class shape_handler
{
public:
    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
    bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) { return false; }
    bool on_double(double, std::string_view, boost::system::error_code&) { return false; }
    bool on_bool(bool, boost::system::error_code&) { return false; }
    bool on_null(boost::system::error_code&) { return false; }
    bool on_comment_part(std::string_view, boost::system::error_code&) { return false; }
    bool on_comment(std::string_view, boost::system::error_code&) { return false; }

protected:
    /// A key or string that arrived in parts (escapes, say) is whole only in pending_: the parts
    /// go there, and this gives the whole with the last one. pending_ is cleared by the handler
    /// once it has used the whole (at the end of its on_key and on_string), not here: the view
    /// returned may be pending_ itself.
    std::string_view joined(std::string_view last)
    {
        if (pending_.empty())
            return last;
        pending_.append(last);
        return pending_;
    }

    std::string pending_;
};

/// The part the readers of step.delta shapes (text, media) share: an event object whose `delta`
/// member is an object, nothing deeper, no arrays, every member classified by
/// `Derived::classify(key, depth)` (1: the event, 2: its delta) into `Member` and allowed once,
/// an integer `index`. An unknown or repeated member stops the parser: the general path decides.
/// `Member` has `none`, `delta` and `index` and fewer than 32 members.
template <class Derived, class Member>
class delta_shape_handler : public shape_handler
{
public:
    static constexpr std::size_t max_object_size = 8;
    static constexpr std::size_t max_array_size = 0;
    static constexpr std::size_t max_key_size = 16;
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

    bool on_object_begin(boost::system::error_code&)
    {
        ++depth_;
        return depth_ == 1 || (depth_ == 2 && current_ == Member::delta);
    }
    bool on_object_end(std::size_t, boost::system::error_code&)
    {
        --depth_;
        return true;
    }
    bool on_array_begin(boost::system::error_code&) { return false; }
    bool on_array_end(std::size_t, boost::system::error_code&) { return false; }

    bool on_key_part(std::string_view part, std::size_t, boost::system::error_code&)
    {
        pending_.append(part);
        return true;
    }
    bool on_key(std::string_view last, std::size_t, boost::system::error_code&)
    {
        const std::string_view key = joined(last);
        current_ = Derived::classify(key, depth_);
        pending_.clear();
        if (current_ == Member::none || seen(current_))
            return false;
        seen_ |= flag(current_);
        return true;
    }

    bool on_int64(std::int64_t v, std::string_view, boost::system::error_code&)
    {
        index_ = v;
        return current_ == Member::index;
    }

protected:
    static constexpr unsigned flag(Member m) noexcept { return 1u << static_cast<unsigned>(m); }
    bool seen(Member m) const noexcept { return (seen_ & flag(m)) != 0; }

    int depth_ = 0;
    Member current_ = Member::none;
    unsigned seen_ = 0;   ///< flag() of every member read
    std::int64_t index_ = 0;
};

/// Runs a delta_shape_handler over the whole of `json`: its take() when the parser read the
/// document to its end without giving up, else nothing.
template <class Handler>
auto read_with(std::string_view json) -> decltype(std::declval<Handler&>().take())
{
    boost::json::basic_parser<Handler> parser{boost::json::parse_options{}};
    boost::system::error_code ec;
    const std::size_t used = parser.write_some(false, json.data(), json.size(), ec);
    if (ec || used != json.size() || !parser.done())
        return {};
    return parser.handler().take();
}

} // namespace gemini::detail
