#pragma once
// A request as it goes on the wire. The client formats the request line and the header block
// straight into text once per attempt: Beast's message kept every field in a node of its own
// (five allocations per request) only for the connection to flatten it again into one buffer.

#include <boost/beast/http/verb.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace gemini::detail {

class outgoing_request
{
public:
    /// A body up to this size goes in the same buffer as the header block: one TLS record and
    /// one system call for a typical request. A larger one (a file upload) is sent from where it
    /// is, after the header block, without being copied.
    static constexpr std::size_t max_inline_body = 64 * 1024;

    /// The request target is `target` followed by `target_rest`: a base path and the path under
    /// it need not be joined into a string of their own first.
    outgoing_request(boost::beast::http::verb method, std::string_view target, std::string_view target_rest = {});
    outgoing_request(outgoing_request&& other) noexcept;
    outgoing_request& operator=(outgoing_request&& other) noexcept;
    outgoing_request(const outgoing_request&) = delete;
    outgoing_request& operator=(const outgoing_request&) = delete;
    ~outgoing_request();   // wipes the bytes: they hold the credential

    /// Appends `name: value`. False, appending nothing, when the name is not an HTTP token or
    /// the value holds a control character other than a tab (CR and LF would let a value add
    /// header lines of its own).
    bool add_header(std::string_view name, std::string_view value);

    /// Ends the header block, with the Content-Length that Beast's prepare_payload would set (none
    /// for an empty body, except on POST, PUT and OPTIONS). `body` must outlive this request.
    void finish(std::string_view body);

    /// The header block, followed by the body when it is at most max_inline_body.
    std::string_view bytes() const noexcept { return bytes_; }
    /// The body when it is larger, to be sent after bytes(); empty otherwise.
    std::string_view rest() const noexcept { return rest_; }

private:
    void wipe() noexcept;
    void make_room(std::size_t extra);

    boost::beast::http::verb method_;
    std::string bytes_;
    std::string_view rest_;
};

} // namespace gemini::detail
