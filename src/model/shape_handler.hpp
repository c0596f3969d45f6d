#pragma once
// What the Boost.JSON basic_parser handlers of the readers of common shapes (text deltas,
// interactions) share: they read only strings, integers, objects and arrays, refuse every other
// kind of value (which stops the parser: the general path then decides), and join the keys and
// strings that the parser hands over in parts.

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <string_view>

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

} // namespace gemini::detail
