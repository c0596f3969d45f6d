#include "transport/connection_pool.hpp"

#include "transport/transport_failure.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/assert.hpp>

#include <algorithm>

namespace gemini::detail {

// ---- lease ------------------------------------------------------------------------------------

connection_pool::lease::lease(std::shared_ptr<connection_pool> pool, std::unique_ptr<connection> conn) noexcept
    : pool_(std::move(pool)), conn_(std::move(conn)), reused_(conn_ != nullptr)
{
}

connection_pool::lease& connection_pool::lease::operator=(lease&& other) noexcept
{
    if (this != &other)
    {
        end();
        pool_ = std::move(other.pool_);
        conn_ = std::move(other.conn_);
        reused_ = other.reused_;
        give_back_ = other.give_back_;
    }
    return *this;
}

connection_pool::lease::~lease() { end(); }

void connection_pool::lease::end() noexcept
{
    if (!pool_)
        return;
    if (conn_)
        pool_->release(std::move(conn_), give_back_);
    else
        pool_->give_up_slot();
    pool_.reset();
}

// ---- pool -------------------------------------------------------------------------------------

connection_pool::connection_pool(settings s)
    : settings_(std::move(s)),
      tls_sessions_(settings_.tls && settings_.resume_tls_sessions
                        ? std::make_shared<tls_session_cache>(settings_.params.max_full_handshakes)
                        : nullptr)
{
}

connection_pool::~connection_pool() { shutdown(); }

pool_stats connection_pool::stats() const
{
    std::lock_guard lock(mutex_);
    return pool_stats{open_,          idle_.size(),   in_use_,          waiters_.size(),
                      created_total_, reused_total_, discarded_total_, resumed_total_};
}

bool connection_pool::expired(const connection& c, clock::time_point now) const noexcept
{
    const auto& p = settings_.params;
    if (p.idle_timeout.count() > 0 && now - c.last_used() >= p.idle_timeout)
        return true;
    return p.max_lifetime.count() > 0 && now - c.created() >= p.max_lifetime;
}

template <class Token>
auto connection_pool::async_take_turn(bool fresh, Token&& token)
{
    return asio::async_initiate<Token, void(error_code, std::unique_ptr<connection>)>(
        [this](auto handler, bool fresh_connection) { initiate_turn(fresh_connection, turn_handler(std::move(handler))); },
        token, fresh);
}

namespace {

void complete_later(asio::any_completion_handler<void(error_code, std::unique_ptr<connection>)> handler,
                    error_code ec, std::unique_ptr<connection> conn)
{
    // Never inline: the caller holds the pool's lock or is still inside the initiation.
    auto ex = asio::prefer(asio::get_associated_executor(handler), asio::execution::blocking.never,
                           asio::execution::relationship.fork);
    ex.execute([handler = std::move(handler), ec, conn = std::move(conn)]() mutable {
        std::move(handler)(ec, std::move(conn));
    });
}

} // namespace

std::optional<std::unique_ptr<connection>> connection_pool::take_now_locked(
    bool fresh, std::vector<std::unique_ptr<connection>>& to_close)
{
    const auto now = clock::now();
    while (!idle_.empty())
    {
        auto conn = std::move(idle_.back());   // most recently used: the warmest
        idle_.pop_back();
        if (fresh || expired(*conn, now) || !conn->still_open_while_idle())
        {
            --open_;
            ++discarded_total_;
            to_close.push_back(std::move(conn));
            continue;
        }
        ++in_use_;
        ++reused_total_;
        return conn;
    }
    if (open_ < settings_.params.max_connections)
    {
        ++open_;
        ++in_use_;
        return std::unique_ptr<connection>();
    }
    return std::nullopt;
}

std::optional<connection_pool::lease> connection_pool::try_acquire(bool fresh)
{
    std::vector<std::unique_ptr<connection>> to_close;
    std::optional<std::unique_ptr<connection>> turn;
    {
        std::lock_guard lock(mutex_);
        if (!shut_down_)
            turn = take_now_locked(fresh, to_close);
    }
    for (auto& c : to_close)
        c->close();
    if (!turn)
        return std::nullopt;
    return lease(shared_from_this(), std::move(*turn));
}

void connection_pool::initiate_turn(bool fresh, turn_handler handler)
{
    std::vector<std::unique_ptr<connection>> to_close;
    std::unique_lock lock(mutex_);
    if (shut_down_)
    {
        lock.unlock();
        complete_later(std::move(handler), asio::error::operation_aborted, nullptr);
        return;
    }
    if (auto turn = take_now_locked(fresh, to_close))
    {
        lock.unlock();
        complete_later(std::move(handler), {}, std::move(*turn));
    }
    else if (waiters_.size() >= settings_.params.max_waiters)
    {
        lock.unlock();
        complete_later(std::move(handler), make_error_code(errc::pool_exhausted), nullptr);
    }
    else
    {
        auto w = std::make_shared<waiter>(waiter{std::move(handler)});
        auto slot = asio::get_associated_cancellation_slot(w->handler);
        waiters_.push_back(w);
        lock.unlock();
        if (slot.is_connected())
        {
            std::weak_ptr<connection_pool> weak_pool = weak_from_this();
            slot.assign([weak_pool, w](asio::cancellation_type) {
                if (auto pool = weak_pool.lock())
                    pool->cancel_waiter(w);
            });
        }
    }
    for (auto& c : to_close)
        c->close();
}

void connection_pool::cancel_waiter(const std::shared_ptr<waiter>& w)
{
    std::unique_lock lock(mutex_);
    auto it = std::find(waiters_.begin(), waiters_.end(), w);
    if (it == waiters_.end())
        return;   // already granted: the grant is on its way
    waiters_.erase(it);
    lock.unlock();
    complete_later(std::move(w->handler), asio::error::operation_aborted, nullptr);
}

void connection_pool::grant_locked(std::unique_ptr<connection> conn)
{
    if (waiters_.empty())
        return;
    auto w = std::move(waiters_.front());
    waiters_.pop_front();
    ++in_use_;
    if (conn)
        ++reused_total_;
    else
        ++open_;
    complete_later(std::move(w->handler), {}, std::move(conn));
}

void connection_pool::release(std::unique_ptr<connection> conn, bool reusable) noexcept
{
    std::vector<std::unique_ptr<connection>> to_close;
    {
        std::lock_guard lock(mutex_);
        --in_use_;
        // A deadline or a cancellation that fired as the exchange ended may have closed it.
        if (reusable && !shut_down_ && conn->buffered() == 0 && conn->is_open())
        {
            conn->touch();
            if (!waiters_.empty())
                grant_locked(std::move(conn));
            else
            {
                // The few most recently parked connections, the ones the next requests take
                // (idle_.back() first), keep their TLS and receive buffers (OpenSSL's two records,
                // the TLS stream's receive area, Beast's buffer: about 55 KiB);
                // the one this park pushes out of that window frees them. So a busy pool does not
                // reallocate them per request (5 % of its instructions), and a quiet one holds
                // at most warm_idle connections' worth.
                idle_.push_back(std::move(conn));
                if (idle_.size() > warm_idle)
                    idle_[idle_.size() - 1 - warm_idle]->release_buffers();
            }
        }
        else
        {
            --open_;
            to_close.push_back(std::move(conn));
            if (!shut_down_ && open_ < settings_.params.max_connections)
                grant_locked(nullptr);
        }
    }
    for (auto& c : to_close)
        c->close();
}

void connection_pool::give_up_slot() noexcept
{
    std::lock_guard lock(mutex_);
    --open_;
    --in_use_;
    if (!shut_down_)
        grant_locked(nullptr);
}

void connection_pool::shutdown()
{
    std::deque<std::unique_ptr<connection>> idle;
    std::list<std::shared_ptr<waiter>> waiters;
    {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
        open_ -= idle_.size();
        idle.swap(idle_);
        waiters.swap(waiters_);
    }
    for (auto& c : idle)
        c->close();
    for (auto& w : waiters)
        complete_later(std::move(w->handler), asio::error::operation_aborted, nullptr);
}

// The grant becomes a lease at once, so that a grant which loses a race against the deadline
// still frees its connection or slot.
asio::awaitable<connection_pool::lease> connection_pool::take_turn(bool fresh)
{
    auto take = async_take_turn(fresh, asio::use_awaitable);
    std::unique_ptr<connection> conn = co_await std::move(take);
    co_return lease(shared_from_this(), std::move(conn));
}

asio::awaitable<connection_pool::lease> connection_pool::acquire(clock::time_point deadline, bool fresh,
                                                                  std::optional<lease> turn)
{
    BOOST_ASSERT_MSG(!turn || (turn->pool_.get() == this && !turn->conn_), "a turn is a slot of this pool");
    lease granted;
    if (turn)
        granted = std::move(*turn);
    else
    {
        auto take = take_turn(fresh);
        auto bounded = with_deadline(std::move(take), deadline, "waiting for a pooled connection");
        granted = co_await std::move(bounded);
    }
    if (granted.conn_)
        co_return granted;

    // A slot: open a connection in it (the lease gives the slot back if this throws).
    auto open = open_connection(deadline);
    granted.conn_ = co_await std::move(open);
    {
        std::lock_guard lock(mutex_);
        ++created_total_;
        if (granted.conn_->resumed())
            ++resumed_total_;
    }
    co_return granted;
}

struct connection_pool::pending_lookup
{
    explicit pending_lookup(const asio::any_io_executor& ex) : resolver(ex), done(ex, asio::steady_timer::time_point::max()) {}

    tcp::resolver resolver;
    asio::steady_timer done;   // cancelled when the lookup completes
    error_code ec;
    tcp::resolver::results_type results;
    bool finished = false;
};

// Both the lookup's completion and this wait run on the caller's executor (its strand).
asio::awaitable<tcp::resolver::results_type> connection_pool::wait_for(std::shared_ptr<pending_lookup> lookup)
{
    if (!lookup->finished)
    {
        auto wait = lookup->done.async_wait(asio::as_tuple(asio::use_awaitable));
        co_await std::move(wait);
        if (!lookup->finished)   // the deadline or the caller's cancellation
            throw boost::system::system_error(asio::error::operation_aborted);
    }
    if (lookup->ec)
        throw boost::system::system_error(lookup->ec);
    co_return lookup->results;
}

asio::awaitable<tcp::resolver::results_type> connection_pool::resolve(clock::time_point deadline)
{
    {
        std::lock_guard lock(dns_mutex_);
        if (!dns_cache_.empty() && clock::now() < dns_expiry_)
            co_return dns_cache_;
    }
    auto ex = co_await asio::this_coro::executor;
    // Through a proxy only the proxy's name is resolved here; the proxy resolves the service's.
    const auto& host = settings_.proxy ? settings_.proxy->host : settings_.where.host;
    const auto& port = settings_.proxy ? settings_.proxy->port : settings_.where.port;
    // Asio runs getaddrinfo on a thread of its own, which nothing interrupts: a cancelled lookup
    // completes only when getaddrinfo returns, tens of seconds later with a resolver that does
    // not answer, and the deadline and the caller's cancellation would wait for it. So the
    // lookup is left to finish on its own, owning its state, and what is bounded is the wait for
    // it. Its answer is cached even when it comes too late for this caller: lookups queue on
    // Asio's one resolver thread, and once the resolver answers again the next caller finds it.
    auto lookup = std::make_shared<pending_lookup>(ex);
    std::weak_ptr<connection_pool> pool = weak_from_this();
    lookup->resolver.async_resolve(
        host, port, [lookup, pool](const error_code& ec, tcp::resolver::results_type found) {
            if (auto alive = pool.lock(); alive && !ec)
            {
                std::lock_guard lock(alive->dns_mutex_);
                alive->dns_cache_ = found;
                alive->dns_expiry_ = clock::now() + alive->settings_.params.dns_ttl;
            }
            lookup->ec = ec;
            lookup->results = std::move(found);
            lookup->finished = true;
            lookup->done.cancel();
        });
    auto wait = wait_for(lookup);
    auto bounded = with_deadline(std::move(wait), deadline, "resolve");
    co_return co_await std::move(bounded);
}

asio::awaitable<std::unique_ptr<connection>> connection_pool::open_connection(clock::time_point deadline)
{
    const auto resolve_deadline = std::min(deadline, clock::now() + settings_.limits.connect);
    tcp::resolver::results_type endpoints;
    try
    {
        auto lookup = resolve(resolve_deadline);
        endpoints = co_await std::move(lookup);
    }
    catch (const boost::system::system_error& e)
    {
        if (e.code() == asio::error::operation_aborted)
            throw;
        throw transport_failure{errc::resolve_failed, e.code(),
                                settings_.proxy ? "resolving the proxy " + settings_.proxy->host
                                                : "resolving " + settings_.where.host,
                                true};
    }

    // On a pool with no session yet, most connections of a burst wait here for the first
    // ones' session (tls_session_cache), at most a connect timeout; the connect's own time
    // starts after. The place, if one was taken, ends with this function.
    tls_session_cache::handshake_place place;
    auto connect_deadline = resolve_deadline;
    if (tls_sessions_)
    {
        auto wait = tls_sessions_->wait_for_handshake(resolve_deadline);
        place = co_await std::move(wait);
        connect_deadline = std::min(deadline, clock::now() + settings_.limits.connect);
    }
    auto ex = co_await asio::this_coro::executor;
    auto conn = std::make_unique<connection>(ex, settings_.tls);
    const auto handshake_deadline = std::min(deadline, clock::now() + settings_.limits.connect +
                                                           settings_.limits.tls_handshake);
    try
    {
        const proxy_endpoint* proxy = settings_.proxy ? &*settings_.proxy : nullptr;
        auto open = conn->open(endpoints, settings_.where, proxy, connect_deadline, handshake_deadline, tls_sessions_);
        co_await std::move(open);
    }
    catch (const error&)
    {
        throw;   // the proxy refused the tunnel: already described
    }
    catch (const boost::system::system_error& e)
    {
        if (e.code() == asio::error::operation_aborted)
            throw;
        const bool tls_error = e.code().category() == asio::error::get_ssl_category() ||
                               e.code() == asio::ssl::error::stream_truncated;
        std::string what = std::string(tls_error ? "TLS handshake with " : "connecting to ") +
                           settings_.where.host + ":" + settings_.where.port;
        if (settings_.proxy)
            what += " through the proxy " + settings_.proxy->display();
        throw transport_failure{tls_error ? errc::tls_failed : errc::connect_failed, e.code(), std::move(what), true};
    }
    co_return conn;
}

} // namespace gemini::detail
