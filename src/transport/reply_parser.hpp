#pragma once
// The parser of every response the client reads. Beast's response_parser keeps every header
// field in a node of its own inside the message, only for the client to copy each one again
// into the response_info it reports; this one puts the status and the fields there as they
// arrive, in the order received, and the body either into a string (a whole response) or into
// windows the reader lends (a stream, read as it comes).

#include <gemini/response_info.hpp>

#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <string>

namespace gemini::detail {

class reply_parser final : public boost::beast::http::basic_parser<false>
{
public:
    /// A whole response, its body collected in body(). A body longer than `body_limit` bytes
    /// fails the read with http::error::body_limit.
    explicit reply_parser(std::size_t body_limit);

    struct windowed_t
    {
    };
    static constexpr windowed_t windowed{};

    /// A streamed response, its body unbounded as a whole: its bytes go into the window last
    /// lent, as Beast's buffer_body does. When the window is full, or none is lent, the read
    /// stops with http::error::need_buffer and resumes where it stopped once a window is lent.
    /// It must keep no body limit: for a body that runs until close, Beast counts bytes against
    /// the limit as they are offered, and bytes refused for want of room are offered again.
    explicit reply_parser(windowed_t);

    /// The next `size` bytes of a windowed body go to `data`.
    void lend_window(char* data, std::size_t size) noexcept
    {
        window_ = data;
        window_left_ = size;
    }
    /// The room left in the window lent last.
    std::size_t window_left() const noexcept { return window_left_; }

    /// After a whole header: whether it was an interim response (1xx but 101: 100 Continue,
    /// 103 Early Hints), which has no body and precedes the real one on the same connection.
    /// Then the parser is made ready for that response, and true returned.
    bool skip_interim();

    /// The status and header fields in the order received (complete once the header is read).
    response_info& info() noexcept { return info_; }
    const response_info& info() const noexcept { return info_; }
    /// A whole response's body, chunked transfer coding removed (complete once the message
    /// is read).
    std::string& body() noexcept { return body_; }

private:
    using error_code = boost::system::error_code;
    using string_view = boost::beast::string_view;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override;
    void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
    void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code& ec) override;
    void on_header_impl(error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override;
    std::size_t on_body_impl(string_view data, error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
    std::size_t on_chunk_body_impl(std::uint64_t remain, string_view data, error_code& ec) override;
    void on_finish_impl(error_code& ec) override;
    std::size_t take_body(string_view data, error_code& ec);

    response_info info_;
    std::string body_;
    boost::optional<std::uint64_t> body_limit_;
    bool windowed_ = false;
    char* window_ = nullptr;
    std::size_t window_left_ = 0;
};

} // namespace gemini::detail
