#pragma once
// TLS session resumption for the connections of one pool, that is one host. The newest
// session the server issued is offered by every new connection; a resumed handshake skips the
// server's certificate chain, its decoding and its verification, which halves the client's CPU
// for a new connection (docs/performance.md, "Reconnects").
//
// A session is offered to more than one connection, as OpenSSL, Go and curl clients do: RFC
// 8446 asks for single use only so that an observer cannot link connections, and a pool's
// connections come from one address with one API key anyway. Sessions stay in memory.
//
// A burst of new connections on a pool without a session (a new client, a batch job's first
// wave) would each pay the full handshake, as none can resume what no server has issued yet.
// So while the cache is empty, at most max_full_handshakes connections handshake at once; the
// others wait for the session the first ones bring (or for their place) and resume it. The
// client's CPU for a burst of 1,000 connections: docs/performance.md, "Bursts of new
// connections".

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

namespace gemini::detail {

class tls_session_cache : public std::enable_shared_from_this<tls_session_cache>
{
public:
    using clock = std::chrono::steady_clock;

    /// Makes `ctx` hand the sessions its servers issue to the cache of the connection they
    /// belong to. False when the context has a new-session callback of its own (a context the
    /// user configured that way): its connections then never resume.
    static bool enable(boost::asio::ssl::context& ctx);

    /// `max_full_handshakes`: how many connections may handshake at once while the cache holds
    /// no session (0: no limit).
    explicit tls_session_cache(std::size_t max_full_handshakes = 0) noexcept : max_full_(max_full_handshakes) {}
    tls_session_cache(const tls_session_cache&) = delete;
    tls_session_cache& operator=(const tls_session_cache&) = delete;
    ~tls_session_cache();

    /// A connection's place among the full handshakes; empty when it took none (a session was
    /// there to resume, or the wait ran out). Ending it lets a waiting connection start.
    class handshake_place
    {
    public:
        handshake_place() = default;
        handshake_place(handshake_place&& other) noexcept : cache_(std::move(other.cache_)) {}
        handshake_place& operator=(handshake_place&& other) noexcept;
        ~handshake_place();
        explicit operator bool() const noexcept { return cache_ != nullptr; }

    private:
        friend class tls_session_cache;
        explicit handshake_place(std::shared_ptr<tls_session_cache> cache) noexcept : cache_(std::move(cache)) {}
        std::shared_ptr<tls_session_cache> cache_;
    };

    /// Before a new connection (its TCP connect included, so that waiting holds no socket the
    /// server would time out): returns at once when a session is cached or a place is free,
    /// else when a session arrives or a place frees, or at `until` (then without a place: the
    /// connection handshakes anyway and meets its own deadline). Throws operation_aborted when
    /// the caller is cancelled.
    boost::asio::awaitable<handshake_place> wait_for_handshake(clock::time_point until);

    /// Before `ssl`'s handshake: offers the cached session, if it has not expired, and routes
    /// the sessions this connection receives here. The cache must outlive `ssl`.
    void attach(SSL* ssl);

private:
    /// A connection waiting in wait_for_handshake(): its timer, cancelled on its executor (the
    /// caller's strand) to wake it.
    struct waiter
    {
        boost::asio::any_io_executor executor;
        std::weak_ptr<boost::asio::steady_timer> timer;
    };

    static int on_new_session(SSL* ssl, SSL_SESSION* session);
    void store(SSL_SESSION* session);
    bool has_session_locked() const noexcept;
    void end_full_handshake() noexcept;
    // The first waiter whose wait still runs; the ones before it (cancelled, or out of time) go.
    std::optional<waiter> take_first_waiter_locked();
    static void wake(waiter w);

    std::mutex mutex_;   // connections of one pool run on any thread
    SSL_SESSION* session_ = nullptr;
    const std::size_t max_full_;
    std::size_t full_handshakes_ = 0;   // places taken
    std::deque<waiter> waiters_;        // first come first
};

} // namespace gemini::detail
