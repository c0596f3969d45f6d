#pragma once
// TLS over a TCP socket, as an Asio/Beast stream: OpenSSL reads its records from a receive area
// that Asio's socket reads fill, and writes them to a send area that Asio's socket writes
// drain. asio::ssl::stream does the same through a BIO pair and an engine, which per unary
// request cost three SSL_read calls (two of them finding nothing yet), four error-queue
// clears, two extra copies of every byte and its own timers; and per connection two 17 KiB
// buffers besides the BIO pair's two. Here a read that knows nothing is buffered goes
// straight to the socket, one SSL_read takes the record, and the areas are one receive
// buffer (allocated on first use, released with release_buffers()) and a send buffer the
// size of what is being sent.
//
// Waiting is always an Asio socket read or write, never a readiness wait: Asio's reactor
// tries those at once under its descriptor lock, where a readiness wait started after the
// data arrived could miss it on an io_context run by several threads.
//
// Errors are those asio::ssl::stream gives, so that callers and Beast see no difference:
// asio::error::eof after the peer's close_notify, asio::ssl::error::stream_truncated for a
// close without it, OpenSSL's error codes in Asio's ssl category.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/write.hpp>

#include <cstddef>
#include <memory>
#include <string>

struct ssl_st;

namespace gemini::detail {

/// Which end of the handshake a stream takes.
enum class tls_role
{
    client,
    server,
};

class tls_stream
{
public:
    using executor_type = boost::asio::any_io_executor;
    using next_layer_type = boost::asio::ip::tcp::socket;
    using error_code = boost::system::error_code;

    /// A client-side TLS stream with `ctx`'s settings (verification, CA store, callbacks).
    tls_stream(const executor_type& ex, boost::asio::ssl::context& ctx);
    /// A stream over a connected socket, taking `role` in the handshake (the emulator's
    /// accepted connections are server-side ones).
    tls_stream(next_layer_type socket, boost::asio::ssl::context& ctx, tls_role role);
    ~tls_stream();
    tls_stream(const tls_stream&) = delete;   // OpenSSL's BIO points to this object
    tls_stream& operator=(const tls_stream&) = delete;

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    next_layer_type& next_layer() noexcept { return socket_; }
    ssl_st* native_handle() noexcept { return ssl_; }

    /// Received bytes not yet read by the caller: in the receive area or inside OpenSSL.
    bool holds_unread() const noexcept;

    /// Frees the receive and send areas when they hold nothing (OpenSSL's record buffers are
    /// the caller's: SSL_free_buffers). Not while an operation is under way: a pending socket
    /// read writes into the receive area.
    void release_buffers() noexcept;

    // ---- Beast's stream concepts -------------------------------------------------------------

    template <class Token>
    auto async_handshake(Token&& token)
    {
        return async_run(handshake_step{}, std::forward<Token>(token));
    }

    /// Sends close_notify and completes with (error, 0) once it has reached the socket. The
    /// peer's own close_notify is not waited for: the caller closes the connection next.
    template <class Token>
    auto async_shutdown(Token&& token)
    {
        return async_run(shutdown_step{}, std::forward<Token>(token));
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token)
    {
        return async_run(read_step{first_buffer<boost::asio::mutable_buffer>(buffers), false},
                         std::forward<Token>(token));
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token)
    {
        return async_run(write_step{first_buffer<boost::asio::const_buffer>(buffers)}, std::forward<Token>(token));
    }

    /// Without waiting: the socket is non-blocking, and what it cannot give or take now is
    /// boost::asio::error::would_block.
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, error_code& ec)
    {
        return read_now(first_buffer<boost::asio::mutable_buffer>(buffers), ec);
    }
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers, error_code& ec)
    {
        return write_now(first_buffer<boost::asio::const_buffer>(buffers), ec);
    }
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers)
    {
        error_code ec;
        return or_throw(read_some(buffers, ec), ec);
    }
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers)
    {
        error_code ec;
        return or_throw(write_some(buffers, ec), ec);
    }

private:
    /// What an attempt of an operation needs before it can go on.
    enum class need
    {
        nothing,   ///< it is over: `bytes` and `ec` are its result
        send,      ///< the send area must reach the socket; then it is over if `finished`, else retried
        receive,   ///< the receive area must be refilled from the socket; then it is retried
    };
    struct attempt
    {
        need next = need::nothing;
        bool finished = false;
        std::size_t bytes = 0;
        error_code ec;
    };

    // The operations, each one attempt without waiting.
    struct handshake_step
    {
        attempt operator()(tls_stream& s) const { return s.try_handshake(); }
    };
    struct shutdown_step
    {
        attempt operator()(tls_stream& s) const { return s.try_shutdown(); }
    };
    struct read_step
    {
        boost::asio::mutable_buffer into;
        bool tried;   // a first read with nothing buffered goes to the socket before OpenSSL
        attempt operator()(tls_stream& s) { return s.try_read(into, tried); }
    };
    struct write_step
    {
        boost::asio::const_buffer from;
        attempt operator()(tls_stream& s) const { return s.try_write(from); }
    };

    attempt try_handshake();
    attempt try_shutdown();
    attempt try_read(boost::asio::mutable_buffer into, bool& tried);
    attempt try_write(boost::asio::const_buffer from);
    std::size_t read_now(boost::asio::mutable_buffer into, error_code& ec);
    bool send_now(error_code& ec);
    std::size_t receive_now(error_code& ec);
    template <class Attempt>
    std::size_t run_now(Attempt try_once, error_code& ec);   // the synchronous forms' loop
    std::size_t write_now(boost::asio::const_buffer from, error_code& ec);

    // After a socket read or write that an attempt asked for.
    boost::asio::mutable_buffer receive_area();
    void received(std::size_t n) noexcept;
    error_code receive_failed(const error_code& socket_error) const noexcept;
    boost::asio::const_buffer send_area() const noexcept { return boost::asio::buffer(send_); }
    void sent(std::size_t n) noexcept { send_.erase(0, n); }

    /// One OpenSSL call, `call(bytes moved)`, once the send area is empty; its attempt.
    template <class Call>
    attempt perform(Call call);
    attempt outcome(int result, std::size_t bytes);
    error_code ssl_failure(int ssl_error) const;

    static std::size_t or_throw(std::size_t n, const error_code& ec)
    {
        if (ec)
            throw boost::system::system_error(ec);
        return n;
    }

    template <class Buffer, class Buffers>
    static Buffer first_buffer(const Buffers& buffers)
    {
        for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it)
            if (Buffer b(*it); b.size() != 0)
                return b;
        return Buffer();
    }

    /// Drives `step` to its end: the attempts, the socket reads and writes between them, and
    /// a result ready before any wait posted rather than handed over inside the initiation.
    template <class Step>
    struct run_op
    {
        tls_stream& s;
        Step step;
        attempt last{};
        enum class phase { start, sending, receiving, posted } at = phase::start;

        template <class Self>
        void operator()(Self& self)
        {
            if (at == phase::posted)
                return self.complete(last.ec, last.bytes);
            go_on(self, false);
        }

        template <class Self>
        void operator()(Self& self, error_code ec, std::size_t n)
        {
            if (at == phase::sending)
            {
                // A failure OpenSSL reported stays the error when its alert cannot be sent.
                if (ec)
                    return self.complete(last.finished && last.ec ? last.ec : ec, std::size_t(0));
                s.sent(n);
                if (last.finished)
                    return self.complete(last.ec, last.bytes);
            }
            else
            {
                if (ec)
                    return self.complete(s.receive_failed(ec), std::size_t(0));
                s.received(n);
            }
            // A cancellation that came while the completion was queued reached no socket
            // operation: it is honoured here, as asio::ssl::stream does, not after another wait.
            if (self.cancelled() != boost::asio::cancellation_type::none)
                return self.complete(boost::asio::error::operation_aborted, std::size_t(0));
            go_on(self, true);
        }

        template <class Self>
        void go_on(Self& self, bool waited)
        {
            last = step(s);
            switch (last.next)
            {
            case need::send:
                at = phase::sending;
                boost::asio::async_write(s.socket_, s.send_area(), std::move(self));
                return;
            case need::receive:
            {
                at = phase::receiving;
                const auto area = s.receive_area();
                if (area.size() == 0)   // no memory for it
                    return finish_now(self, waited, boost::asio::error::no_memory);
                s.socket_.async_read_some(area, std::move(self));
                return;
            }
            case need::nothing: return finish_now(self, waited, last.ec);
            }
        }

        // A result ready before any wait is posted, never handed over inside the initiation.
        template <class Self>
        void finish_now(Self& self, bool waited, error_code ec)
        {
            last.ec = ec;
            if (waited)
                return self.complete(last.ec, last.bytes);
            at = phase::posted;
            boost::asio::post(std::move(self));
        }
    };

    template <class Step, class Token>
    auto async_run(Step step, Token&& token)
    {
        return boost::asio::async_compose<Token, void(error_code, std::size_t)>(
            run_op<Step>{*this, std::move(step)}, token, socket_);
    }

    next_layer_type socket_;
    ssl_st* ssl_ = nullptr;
    std::unique_ptr<char[]> receive_buffer_;   // receive_capacity bytes once allocated
    std::size_t receive_begin_ = 0;            // unread bytes: [receive_begin_, receive_end_)
    std::size_t receive_end_ = 0;
    std::string send_;                         // records OpenSSL wrote, for the socket

    friend struct tls_stream_bio;
};

} // namespace gemini::detail
