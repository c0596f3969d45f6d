#pragma once
// The per-client connection pool for HTTP/1.1. Policy (style.md section 4): take an idle
// connection that is neither too old nor closed by the peer; otherwise open one below
// max_connections; otherwise wait in a bounded FIFO. A connection goes back only when its
// response was read completely; anything else closes it. State sits behind one mutex because a
// client may be shared by threads; completions are posted to each waiter's own executor.

#include "transport/connection.hpp"
#include "transport/deadline.hpp"

#include <gemini/client_options.hpp>
#include <gemini/pool_stats.hpp>

#include <boost/asio/any_completion_handler.hpp>

#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace gemini::detail {

class connection_pool : public std::enable_shared_from_this<connection_pool>
{
public:
    struct settings
    {
        target where;
        pool_params params;
        timeouts limits;
        asio::ssl::context* tls = nullptr;   ///< owned by the client, outlives the pool
        std::optional<proxy_endpoint> proxy; ///< every connection is a CONNECT tunnel through it
        bool resume_tls_sessions = false;    ///< `tls` was set up by tls_session_cache::enable()
    };

    /// A connection lent to one operation, or (while it is being opened) the right to open
    /// one. Ending it closes the connection or frees the slot, unless give_back() said that the
    /// connection may be reused (a complete response): then it returns to the pool.
    class lease
    {
    public:
        lease() = default;
        lease(std::shared_ptr<connection_pool> pool, std::unique_ptr<connection> conn) noexcept;
        lease(lease&&) noexcept = default;
        lease& operator=(lease&&) noexcept;
        ~lease();

        connection* operator->() const noexcept { return conn_.get(); }
        connection& operator*() const noexcept { return *conn_; }
        bool reused() const noexcept { return reused_; }
        /// False for a slot: the right to open a connection, which acquire() exercises.
        bool holds_connection() const noexcept { return conn_ != nullptr; }
        /// The connection goes back to the pool when the lease ends, not at once: an exchange
        /// still disarms the connection's timer after its response (connection::bounded()),
        /// and the next owner may run on another thread.
        void give_back() noexcept { give_back_ = true; }

    private:
        friend class connection_pool;
        void end() noexcept;
        std::shared_ptr<connection_pool> pool_;
        std::unique_ptr<connection> conn_;   // null: a slot to open a connection in
        bool reused_ = false;
        bool give_back_ = false;
    };

    explicit connection_pool(settings s);
    ~connection_pool();

    /// A turn granted at once, as most are: an idle connection, or a slot to open one in
    /// (finished by acquire()); nothing when the caller must wait. No coroutine, so that a
    /// request on a warm pool spends none on its connection. `fresh` as for acquire().
    std::optional<lease> try_acquire(bool fresh);

    /// Waits for a connection no later than `deadline`, and opens one when the turn is a
    /// slot. `turn` is what try_acquire() granted just before: a slot, or nothing (then this
    /// waits for a turn). `fresh` asks for a newly opened connection (after a reused one failed
    /// before answering). Throws transport_failure, deadline_exceeded, or
    /// system_error(operation_aborted).
    asio::awaitable<lease> acquire(clock::time_point deadline, bool fresh, std::optional<lease> turn);

    pool_stats stats() const;
    const target& where() const noexcept { return settings_.where; }

    /// Closes idle connections, fails waiters with operation_aborted, refuses new acquisitions.
    void shutdown();

private:
    // Grant of one turn: a connection to reuse, or null meaning "you may open one".
    using turn_handler = asio::any_completion_handler<void(error_code, std::unique_ptr<connection>)>;
    struct waiter
    {
        turn_handler handler;
    };

    template <class Token>
    auto async_take_turn(bool fresh, Token&& token);
    asio::awaitable<lease> take_turn(bool fresh);
    void initiate_turn(bool fresh, turn_handler handler);
    // With the mutex held: an idle connection (checked; dead or expired ones go to `to_close`)
    // or, as null, a free slot to open one in; nothing when the caller must wait.
    std::optional<std::unique_ptr<connection>> take_now_locked(bool fresh,
                                                               std::vector<std::unique_ptr<connection>>& to_close);
    void cancel_waiter(const std::shared_ptr<waiter>& w);
    void release(std::unique_ptr<connection> conn, bool reusable) noexcept;
    void give_up_slot() noexcept;
    // Called with the mutex held: hands a freed slot (null) or connection to the first waiter.
    void grant_locked(std::unique_ptr<connection> conn);
    bool expired(const connection& c, clock::time_point now) const noexcept;

    asio::awaitable<std::unique_ptr<connection>> open_connection(clock::time_point deadline);
    asio::awaitable<tcp::resolver::results_type> resolve(clock::time_point deadline);
    struct pending_lookup;
    static asio::awaitable<tcp::resolver::results_type> wait_for(std::shared_ptr<pending_lookup> lookup);

    settings settings_;
    mutable std::mutex mutex_;
    static constexpr std::size_t warm_idle = 4;      // idle connections that keep their buffers
    std::deque<std::unique_ptr<connection>> idle_;   // least recently used first
    std::list<std::shared_ptr<waiter>> waiters_;
    std::size_t open_ = 0;
    std::size_t in_use_ = 0;
    std::uint64_t created_total_ = 0;
    std::uint64_t reused_total_ = 0;
    std::uint64_t discarded_total_ = 0;
    std::uint64_t resumed_total_ = 0;
    std::shared_ptr<tls_session_cache> tls_sessions_;   // null: no resumption
    bool shut_down_ = false;

    std::mutex dns_mutex_;
    tcp::resolver::results_type dns_cache_;
    clock::time_point dns_expiry_{};
};

} // namespace gemini::detail
