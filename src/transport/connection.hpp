#pragma once
// One HTTP/1.1 connection, TLS or plain, and the I/O the client does on it. A connection is
// used by one operation at a time (the pool hands it over under a lock), so it needs no strand:
// every operation on it is started and completed in the coroutine that holds it.

#include "transport/deadline.hpp"
#include "transport/outgoing_request.hpp"
#include "transport/proxy.hpp"
#include "transport/target.hpp"
#include "transport/tls_session_cache.hpp"
#include "transport/tls_stream.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/assert.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>

namespace gemini::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

class connection
{
public:
    using clock = std::chrono::steady_clock;

    /// `tls_context` null for plain HTTP.
    connection(const asio::any_io_executor& ex, asio::ssl::context* tls_context);

    /// Connects to the first resolved address that accepts, then handshakes (TLS: SNI for DNS
    /// names, peer and host-name verification). With a `proxy`, `endpoints` are the proxy's:
    /// a CONNECT tunnel to `where` is opened first (within the connect deadline), and TLS runs
    /// through it with `where`'s name. With `sessions`, the handshake resumes the host's last
    /// TLS session when it can, and new sessions are kept there.
    asio::awaitable<void> open(const tcp::resolver::results_type& endpoints, const target& where,
                               const proxy_endpoint* proxy, clock::time_point connect_deadline,
                               clock::time_point handshake_deadline,
                               std::shared_ptr<tls_session_cache> sessions = nullptr);

    /// The TLS handshake resumed an earlier session (no certificate exchange).
    bool resumed() const noexcept { return resumed_; }

    /// False when an idle connection was closed by the peer or has unexpected bytes pending
    /// (a TLS close_notify, say): such a connection must not carry a request.
    bool still_open_while_idle() noexcept;

    /// False once closed (by a deadline or a cancellation that raced with the end of the exchange).
    bool is_open() noexcept { return socket().is_open(); }

    void close() noexcept;

    // The exchange I/O below (write, read_header, read, read_some_body) is awaited only inside
    // bounded(), which also stands for the caller's cancellation. It returns Asio's operations as
    // they are, not wrapped in coroutines of their own: a coroutine frame and its scheduling per
    // step is a measurable share of a request.

    /// `req` must outlive the returned operation.
    asio::awaitable<std::size_t> write(const outgoing_request& req);

    /// Writes `req` without waiting when it is at most write_now_limit bytes in one piece, and
    /// says whether it did; a larger request is left to write(). For the start of an exchange
    /// on a reused connection, inside bounded(): the server has answered all that was sent
    /// before, so the socket's send buffer is empty and takes a small request whole, and the
    /// asynchronous write this spares would have completed at once anyway, through a posted
    /// completion, a scheduler round and a coroutine resumption. Should the socket take only
    /// part of it (or TLS need to read first and find nothing), the bytes handed to it are
    /// lost: the connection is closed and the failure thrown. The caller retries that on a
    /// fresh connection, as it does any failure of a reused connection before the response.
    bool write_now(const outgoing_request& req);
    static constexpr std::size_t write_now_limit = 8192;

    /// The receive buffer's room after open(): a usual unary answer, head and body.
    static constexpr std::size_t initial_read_room = 4096;
    /// What the receive buffer may hold at most. Bodies pass through it a read (64 KiB) at a
    /// time, but what Beast cannot parse until a line ends stays: without a bound, a chunk
    /// extension or trailer that never ends would grow it for as long as the deadline allows.
    /// Reads past it fail with http::error::buffer_overflow (response_too_large).
    static constexpr std::size_t receive_buffer_limit = 1 << 20;

    template <class Parser>
    asio::awaitable<std::size_t> read_header(Parser& parser)
    {
        return visit_stream([&](auto& s) { return http::async_read_header(s, buffer_, parser, exchange_io()); });
    }

    template <class Parser>
    asio::awaitable<std::size_t> read(Parser& parser)
    {
        return visit_stream([&](auto& s) { return http::async_read(s, buffer_, parser, exchange_io()); });
    }

    /// One read of an incremental body: Beast's need_buffer (the caller's buffer is full) is
    /// success, other failures come back as the error code; cancellation still throws.
    template <class Parser>
    asio::awaitable<error_code> read_some_body(Parser& parser)
    {
        auto op = visit_stream([&](auto& s) {
            return http::async_read_some(s, buffer_, parser, asio::as_tuple(exchange_io()));
        });
        auto [ec, ignored] = co_await std::move(op);
        if (ec == http::error::need_buffer)
            ec = {};
        // A failure after bounded() closed the connection (the caller's cancellation, the
        // deadline) is thrown for bounded() to name, whatever error the closed socket gave: a
        // close between two steps of a composed read fails the next step with bad_descriptor.
        if (ec == asio::error::operation_aborted || (ec && (cancelled_ || watch_->expired)))
            throw boost::system::system_error(ec);
        co_return ec;
    }

    /// Runs `op`, I/O on this connection only, against `deadline`: when it passes first, the
    /// connection is closed, which fails whatever `op` waits for, and deadline_exceeded{phase}
    /// is thrown. An exchange's deadline used to be with_deadline's race of a co_spawned child
    /// against a timer (two coroutines, a parallel group, their cancellation slots and posted
    /// completions per request or stream read); here it is one wait on the connection's timer. The wait completes on the caller's executor (its strand), so it
    /// never runs beside `op`; a wait that fires after `op` ended finds a newer generation
    /// and does nothing.
    ///
    /// The caller's cancellation closes the connection the same way, and `op` fails with
    /// operation_aborted. The exchange I/O has no cancellation slot of its own (exchange_io()):
    /// with one, each layer under it (Beast's composed read, the SSL stream's operation, the
    /// socket's reactor operation) installs a cancellation handler per operation, eight
    /// allocations per unary request, and a closed connection is all a cancelled exchange
    /// leaves either way. Instead each exchange I/O installs one handler in the caller's slot
    /// (exchange_io()), which Asio clears when that I/O completes; a cancellation between
    /// two of them is thrown by the next co_await (Asio's throw_if_cancelled). The handler runs
    /// on the caller's strand, like `op`.
    template <class T>
    asio::awaitable<T> bounded(asio::awaitable<T> op, clock::time_point deadline, const char* phase)
    {
        auto ex = co_await asio::this_coro::executor;
        asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
        exchange_slot_ = state.slot();
        cancelled_ = false;
        in_exchange_ = true;
        const std::uint64_t generation = ++watch_->generation;
        watch_->expired = false;
        deadline_timer_.expires_at(deadline);
        auto on_expiry = [watch = watch_, generation, this](error_code ec) {
            if (ec || watch->generation.load(std::memory_order_acquire) != generation)
                return;
            watch->expired = true;
            close();
        };
        deadline_timer_.async_wait(asio::bind_executor(ex, std::move(on_expiry)));
        struct disarm
        {
            connection& c;
            ~disarm()
            {
                if (c.exchange_slot_.is_connected())
                    c.exchange_slot_.clear();   // an I/O armed but never started
                c.exchange_slot_ = {};
                c.in_exchange_ = false;
                c.watch_->generation.fetch_add(1, std::memory_order_release);
                c.deadline_timer_.cancel();
            }
        } guard{*this};
        try
        {
            co_return co_await std::move(op);
        }
        catch (...)
        {
            if (cancelled_)
                throw boost::system::system_error(asio::error::operation_aborted);
            if (watch_->expired)
                throw deadline_exceeded{phase};
            throw;
        }
    }

    /// read_some_body without waiting: parses what has already been received, and what the
    /// socket holds, into the parser's body buffer. The TLS stream completes a read with one
    /// TLS record, and a streaming server writes an event per record, so after one wait several
    /// records are usually at hand; taking them here spares an asynchronous operation (and its
    /// deadline, post and scheduler round) per event. asio::error::would_block: nothing more.
    /// The socket is non-blocking from open() on, so this never waits; a TLS message the
    /// client must answer (a key update) that does not fit the socket buffer waits in the TLS
    /// stream's send area for its next operation.
    template <class Parser>
    error_code read_some_body_now(Parser& parser)
    {
        error_code ec;
        visit_stream([&](auto& s) { return http::read_some(s, buffer_, parser, ec); });
        if (ec == http::error::need_buffer)
            ec = {};
        return ec;
    }

    /// Frees the receive buffers (Beast's, the TLS stream's 17 KiB) and OpenSSL's record
    /// buffers (about 34 KiB) when they hold nothing: a long-lived stream between reads, a
    /// connection idle in the pool. OpenSSL keeps its buffers while the connection works (see
    /// open()).
    void release_buffers() noexcept;

    /// Whether OpenSSL frees its record buffers whenever they empty (asio::ssl::stream's
    /// default): off from open() on, so that an exchange reuses them. A stream turns it on while it waits for
    /// data, so that a stream waiting for its next event holds no TLS buffers.
    void release_tls_buffers_when_empty(bool on) noexcept;

    /// Room for `n` more bytes in the receive buffer, a TLS record's worth at most (one SSL_read
    /// returns one record's bytes). Beast reads what the buffer has room for, at least 512
    /// bytes, and a stream gives the buffer back between reads: a stream taking the records at
    /// hand (read_some_body_now) makes room for what its window can take, so that one SSL_read
    /// takes a whole record rather than 512 bytes of it at a time.
    void reserve_read_room(std::size_t n);

    /// Bytes already received beyond the last parsed message (must be zero to reuse).
    std::size_t buffered() const noexcept { return buffer_.size(); }

    clock::time_point created() const noexcept { return created_; }
    clock::time_point last_used() const noexcept { return last_used_; }
    void touch() noexcept { last_used_ = clock::now(); }

private:
    template <class F>
    auto visit_stream(F&& make_op)
    {
        if (auto* tls = std::get_if<tls_stream>(&stream_))
            return make_op(*tls);
        return make_op(std::get<tcp::socket>(stream_));
    }

    tcp::socket& socket() noexcept;
    asio::awaitable<void> open_tunnel(const proxy_endpoint& proxy, const target& where);

    /// The completion token of one exchange I/O, armed first: the caller's cancellation closes
    /// this connection. It is use_awaitable without the caller's cancellation slot (bounded()
    /// says why).
    auto exchange_io()
    {
        BOOST_ASSERT_MSG(in_exchange_, "exchange I/O awaited outside bounded(): neither cancellable nor timed");
        if (exchange_slot_.is_connected())
            exchange_slot_.assign([this](asio::cancellation_type) {
                cancelled_ = true;
                close();
            });
        return asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable);
    }

    /// What bounded()'s timer wait shares with the exchange it bounds. Shared because the wait
    /// can complete after the connection is gone; the generation is atomic because the next
    /// exchange on this connection may run on another operation's strand.
    struct deadline_watch
    {
        std::atomic<std::uint64_t> generation{0};
        bool expired = false;
    };

    std::shared_ptr<tls_session_cache> sessions_;   // before stream_: outlives the SSL object, which points to it
    std::variant<tcp::socket, tls_stream> stream_;
    boost::beast::flat_buffer buffer_{receive_buffer_limit};
    asio::steady_timer deadline_timer_;
    std::shared_ptr<deadline_watch> watch_ = std::make_shared<deadline_watch>();
    asio::cancellation_slot exchange_slot_;   // the caller's, during bounded()
    bool cancelled_ = false;                  // by the caller, during bounded()
    bool in_exchange_ = false;                // inside bounded()
    bool resumed_ = false;
    clock::time_point created_ = clock::now();
    clock::time_point last_used_ = created_;
};

} // namespace gemini::detail
