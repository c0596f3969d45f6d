#include "transport/tls_stream.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/assert.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace gemini::detail {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// A record with its header and the largest expansion OpenSSL allows: a socket read this size
// takes a whole record of any size, and an answer's usual one or two records in one read.
constexpr std::size_t receive_capacity = SSL3_RT_MAX_PLAIN_LENGTH + SSL3_RT_MAX_ENCRYPTED_OVERHEAD + SSL3_RT_HEADER_LENGTH;

} // namespace

/// The BIO through which OpenSSL reads the receive area and fills the send area.
struct tls_stream_bio
{
    static tls_stream& stream(BIO* b) noexcept { return *static_cast<tls_stream*>(BIO_get_data(b)); }

    static int read(BIO* b, char* out, std::size_t size, std::size_t* done)
    {
        BIO_clear_retry_flags(b);
        auto& s = stream(b);
        const std::size_t held = s.receive_end_ - s.receive_begin_;
        if (held == 0)
        {
            // Nothing now: OpenSSL says "want read", and the operation refills the area (or
            // ends at the socket's end, with receive_failed()'s error).
            BIO_set_retry_read(b);
            *done = 0;
            return 0;
        }
        const std::size_t n = std::min(held, size);
        std::memcpy(out, s.receive_buffer_.get() + s.receive_begin_, n);
        s.receive_begin_ += n;
        *done = n;
        return 1;
    }

    // Takes every record: with partial writes on, SSL_write makes one record per call, and
    // each operation sends the area before it ends.
    static int write(BIO* b, const char* in, std::size_t size, std::size_t* done) noexcept
    {
        BIO_clear_retry_flags(b);
        try
        {
            stream(b).send_.append(in, size);
        }
        catch (const std::bad_alloc&)
        {
            *done = 0;
            return 0;   // a write failure: OpenSSL fails the call
        }
        *done = size;
        return 1;
    }

    static long ctrl(BIO* b, int cmd, long, void*)
    {
        switch (cmd)
        {
        case BIO_CTRL_FLUSH: return 1;   // the operation sends the area after each call
        case BIO_CTRL_PENDING: return static_cast<long>(stream(b).receive_end_ - stream(b).receive_begin_);
        case BIO_CTRL_WPENDING: return static_cast<long>(stream(b).send_.size());
        default: return 0;
        }
    }

    static int create(BIO* b)
    {
        BIO_set_init(b, 1);
        return 1;
    }

    static const BIO_METHOD* method()
    {
        static BIO_METHOD* const m = [] {
            BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gemini tls_stream");
            if (!made || !BIO_meth_set_read_ex(made, &read) || !BIO_meth_set_write_ex(made, &write) ||
                !BIO_meth_set_ctrl(made, &ctrl) || !BIO_meth_set_create(made, &create))
                throw std::bad_alloc();
            return made;
        }();
        return m;
    }
};

tls_stream::tls_stream(const executor_type& ex, asio::ssl::context& ctx)
    : tls_stream(next_layer_type(ex), ctx, tls_role::client)
{
}

tls_stream::tls_stream(next_layer_type socket, asio::ssl::context& ctx, tls_role role) : socket_(std::move(socket))
{
    ssl_ = SSL_new(ctx.native_handle());
    BIO* bio = ssl_ ? BIO_new(tls_stream_bio::method()) : nullptr;
    if (!bio)
    {
        SSL_free(ssl_);
        throw std::bad_alloc();
    }
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);
    // As asio::ssl::stream: writes may complete part of a buffer, and a retried write may
    // come from the caller's buffer wherever it is now.
    // AUTO_RETRY, whatever a user's context says: without it, OpenSSL 3.0 says "want read"
    // after a post-handshake message while the answer waits in the receive area.
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    if (role == tls_role::client)
        SSL_set_connect_state(ssl_);
    else
        SSL_set_accept_state(ssl_);
}

tls_stream::~tls_stream() { SSL_free(ssl_); }

bool tls_stream::holds_unread() const noexcept
{
    return receive_end_ != receive_begin_ || SSL_has_pending(ssl_) == 1;   // a record's decrypted rest too
}

void tls_stream::release_buffers() noexcept
{
    if (receive_end_ == receive_begin_)
    {
        receive_buffer_.reset();
        receive_begin_ = receive_end_ = 0;
    }
    if (send_.empty())
        std::string().swap(send_);
}

asio::mutable_buffer tls_stream::receive_area()
{
    // Asked for only when OpenSSL has taken all the area held.
    BOOST_ASSERT(receive_begin_ == receive_end_);
    receive_begin_ = receive_end_ = 0;
    if (!receive_buffer_)
        receive_buffer_.reset(new (std::nothrow) char[receive_capacity]);
    return receive_buffer_ ? asio::buffer(receive_buffer_.get(), receive_capacity) : asio::mutable_buffer();
}

void tls_stream::received(std::size_t n) noexcept { receive_end_ += n; }

error_code tls_stream::receive_failed(const error_code& socket_error) const noexcept
{
    // As asio::ssl::stream: the end of the connection is the end of the stream only after
    // the peer's close_notify, and anything else is a truncation.
    if (socket_error == asio::error::eof && (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) == 0)
        return asio::ssl::error::stream_truncated;
    return socket_error;
}

error_code tls_stream::ssl_failure(int ssl_error) const
{
    const unsigned long queued = ERR_get_error();
    ERR_clear_error();   // the rest of it: the next call starts with an empty queue
    switch (ssl_error)
    {
    case SSL_ERROR_ZERO_RETURN: return asio::error::eof;   // close_notify
    case SSL_ERROR_SSL: return error_code(static_cast<int>(queued), asio::error::get_ssl_category());
    case SSL_ERROR_SYSCALL:
        return queued == 0 ? error_code(asio::ssl::error::unspecified_system_error)
                           : error_code(static_cast<int>(queued), asio::error::get_ssl_category());
    default: return asio::ssl::error::unexpected_result;
    }
}

// The attempt after an OpenSSL call that returned `result` (having moved `bytes`). Records
// OpenSSL wrote (an alert with a failure included) go to the socket before the end.
tls_stream::attempt tls_stream::outcome(int result, std::size_t bytes)
{
    attempt a;
    if (result == 1)
    {
        a.finished = true;
        a.bytes = bytes;
    }
    else
    {
        const int ssl_error = SSL_get_error(ssl_, result);
        if (ssl_error == SSL_ERROR_WANT_READ)
            a.next = send_.empty() ? need::receive : need::send;
        else if (ssl_error == SSL_ERROR_WANT_WRITE)
            a.next = need::send;
        else
        {
            a.finished = true;
            a.ec = ssl_failure(ssl_error);
        }
    }
    if (a.finished)
        a.next = send_.empty() ? need::nothing : need::send;
    return a;
}

template <class Call>
tls_stream::attempt tls_stream::perform(Call call)
{
    if (!send_.empty())
        return {need::send, false, 0, {}};   // records a synchronous call could not send
    // SSL_get_error decides by ERR_peek_error, so the queue must hold this call's errors only.
    // It is almost always empty already, and peeking costs a quarter of clearing (OpenSSL 3's
    // ERR_clear_error walks all sixteen slots): about 630 instructions per record read.
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    std::size_t n = 0;
    const int result = call(n);
    return outcome(result, n);   // not in one expression: n is read after the call
}

tls_stream::attempt tls_stream::try_handshake()
{
    return perform([this](std::size_t&) { return SSL_do_handshake(ssl_); });
}

tls_stream::attempt tls_stream::try_shutdown()
{
    // 0 is "close_notify sent, the peer's not received yet": all a one-way shutdown waits for.
    return perform([this](std::size_t&) {
        const int result = SSL_shutdown(ssl_);
        return result == 0 ? 1 : result;
    });
}

tls_stream::attempt tls_stream::try_read(asio::mutable_buffer into, bool& tried)
{
    if (into.size() == 0)
        return {need::nothing, true, 0, {}};
    // With nothing received and unread, OpenSSL would only say "want read": go to the socket
    // (unless the stream has ended, which SSL_read reports at once, or records wait to be sent).
    if (!tried)
    {
        tried = true;
        if (!holds_unread() && SSL_get_shutdown(ssl_) == 0 && send_.empty())
            return {need::receive, false, 0, {}};
    }
    return perform([&](std::size_t& n) { return SSL_read_ex(ssl_, into.data(), into.size(), &n); });
}

tls_stream::attempt tls_stream::try_write(asio::const_buffer from)
{
    if (from.size() == 0)
        return {need::nothing, true, 0, {}};
    return perform([&](std::size_t& n) { return SSL_write_ex(ssl_, from.data(), from.size(), &n); });
}

// The synchronous forms: each wait an attempt asks for becomes one non-blocking socket call,
// and would_block when the socket cannot serve it now. Records the socket does not take stay
// in the send area for the next operation, which sends them first; bytes OpenSSL has already
// taken or given are reported, never dropped.
bool tls_stream::send_now(error_code& ec)
{
    const std::size_t n = asio::write(socket_, send_area(), ec);
    sent(n);
    return !ec;
}

std::size_t tls_stream::receive_now(error_code& ec)
{
    const auto area = receive_area();
    if (area.size() == 0)
    {
        ec = asio::error::no_memory;
        return 0;
    }
    const std::size_t n = socket_.read_some(area, ec);
    if (ec)
        ec = receive_failed(ec);
    else
        received(n);
    return n;
}

template <class Attempt>
std::size_t tls_stream::run_now(Attempt try_once, error_code& ec)
{
    for (;;)
    {
        const attempt a = try_once();
        if (a.next == need::receive)
        {
            if (receive_now(ec), ec)
                return 0;
            continue;
        }
        // Bytes OpenSSL took or gave are reported even when a record must wait in the area.
        if (a.next == need::send && !send_now(ec) && !(a.finished && a.bytes != 0 && ec == asio::error::would_block))
            return 0;
        if (a.finished)
        {
            ec = a.ec;
            return a.bytes;
        }
    }
}

std::size_t tls_stream::read_now(asio::mutable_buffer into, error_code& ec)
{
    bool tried = true;   // no shortcut: what OpenSSL already holds is what this wants
    return run_now([&] { return try_read(into, tried); }, ec);
}

std::size_t tls_stream::write_now(asio::const_buffer from, error_code& ec)
{
    return run_now([&] { return try_write(from); }, ec);
}

} // namespace gemini::detail
