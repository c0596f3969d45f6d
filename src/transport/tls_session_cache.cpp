#include "transport/tls_session_cache.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/ssl.h>

#include <ctime>
#include <utility>

namespace gemini::detail {

namespace {

int cache_index()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

bool still_valid(SSL_SESSION* s)
{
    return SSL_SESSION_is_resumable(s) &&
           SSL_SESSION_get_time(s) + SSL_SESSION_get_timeout(s) > static_cast<long>(std::time(nullptr));
}

} // namespace

bool tls_session_cache::enable(boost::asio::ssl::context& ctx)
{
    SSL_CTX* native = ctx.native_handle();
    const auto existing = SSL_CTX_sess_get_new_cb(native);
    if (existing && existing != &tls_session_cache::on_new_session)
        return false;
    // Client mode calls the callback; OpenSSL's own store is for servers, so it stays empty.
    SSL_CTX_set_session_cache_mode(native, SSL_CTX_get_session_cache_mode(native) | SSL_SESS_CACHE_CLIENT |
                                               SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(native, &tls_session_cache::on_new_session);
    return true;
}

tls_session_cache::~tls_session_cache()
{
    if (session_)
        SSL_SESSION_free(session_);
}

bool tls_session_cache::has_session_locked() const noexcept
{
    return session_ && still_valid(session_);
}

tls_session_cache::handshake_place::~handshake_place()
{
    if (cache_)
        cache_->end_full_handshake();
}

tls_session_cache::handshake_place& tls_session_cache::handshake_place::operator=(handshake_place&& other) noexcept
{
    if (this != &other)
    {
        if (cache_)
            cache_->end_full_handshake();
        cache_ = std::move(other.cache_);
    }
    return *this;
}

boost::asio::awaitable<tls_session_cache::handshake_place> tls_session_cache::wait_for_handshake(clock::time_point until)
{
    namespace asio = boost::asio;
    if (max_full_ == 0)
        co_return handshake_place();
    const auto self = shared_from_this();   // the pool may let go of the cache while this waits
    const auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<asio::steady_timer> timer;
    for (;;)
    {
        enum { take_place, go_without, wait_more } next = wait_more;
        {
            std::lock_guard lock(mutex_);
            const bool place_free = full_handshakes_ < max_full_;
            if (has_session_locked())
                next = go_without;
            else if (place_free)
            {
                ++full_handshakes_;
                next = take_place;
            }
            else if (clock::now() >= until)
                next = go_without;
            else
            {
                if (!timer)
                    timer = std::make_shared<asio::steady_timer>(executor);
                // A wake-up still on its way from an earlier round cancels this wait too: the
                // loop looks again, nothing more.
                timer->expires_at(until);
                waiters_.push_back(waiter{executor, timer});
            }
        }
        if (next == take_place)
            co_return handshake_place(self);
        if (next == go_without)
            co_return handshake_place();
        auto wait_op = timer->async_wait(asio::as_tuple(asio::use_awaitable));
        co_await std::move(wait_op);
        const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none)
        {
            // This waiter may have been the one woken for a free place: the next one takes it.
            std::optional<waiter> pass_on;
            {
                std::lock_guard lock(mutex_);
                if (full_handshakes_ < max_full_)
                    pass_on = take_first_waiter_locked();
            }
            if (pass_on)
                wake(std::move(*pass_on));
            throw boost::system::system_error(asio::error::operation_aborted);
        }
    }
}

void tls_session_cache::end_full_handshake() noexcept
{
    std::optional<waiter> next;
    {
        std::lock_guard lock(mutex_);
        --full_handshakes_;
        next = take_first_waiter_locked();
    }
    if (next)
        wake(std::move(*next));
}

std::optional<tls_session_cache::waiter> tls_session_cache::take_first_waiter_locked()
{
    while (!waiters_.empty())
    {
        waiter first = std::move(waiters_.front());
        waiters_.pop_front();
        if (!first.timer.expired())
            return first;
    }
    return std::nullopt;
}

void tls_session_cache::wake(waiter w)
{
    boost::asio::post(w.executor, [timer = std::move(w.timer)] {
        if (auto t = timer.lock())
            t->cancel();
    });
}

void tls_session_cache::attach(SSL* ssl)
{
    SSL_set_ex_data(ssl, cache_index(), this);
    SSL_SESSION* copy = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (session_ && still_valid(session_))
            copy = SSL_SESSION_dup(session_);
    }
    if (copy)
    {
        SSL_set_session(ssl, copy);   // takes its own reference: the connection owns the copy
        SSL_SESSION_free(copy);
    }
}

// Called by OpenSSL inside the handshake (TLS 1.2) or when a TLS 1.3 NewSessionTicket is read,
// that is during the first response on the connection. No SSL_SESSION is ever shared between
// connections (each gets a copy, and the cache keeps its own): connections on other threads
// would otherwise read and free one object synchronised only by OpenSSL's reference count,
// which ThreadSanitizer cannot see into and which TLS 1.3 ticket handling modifies around.
// The copy also outlives its connection however that ends: OpenSSL marks the session of an SSL
// freed without close_notify as not resumable, which is how the client ends most connections
// (a deadline, a cancellation, the server's "connection: close"). Whether a ticket is still
// good is the server's call; a refused one costs a full handshake, nothing else.
int tls_session_cache::on_new_session(SSL* ssl, SSL_SESSION* session)
{
    auto* cache = static_cast<tls_session_cache*>(SSL_get_ex_data(ssl, cache_index()));
    if (!cache)
        return 0;   // a connection of a pool that does not resume, on a shared context
    if (SSL_SESSION* copy = SSL_SESSION_dup(session))
        cache->store(copy);
    return 0;   // OpenSSL keeps its own reference
}

void tls_session_cache::store(SSL_SESSION* session)
{
    SSL_SESSION* previous = nullptr;
    std::deque<waiter> woken;   // all of them resume it
    {
        std::lock_guard lock(mutex_);
        previous = session_;
        session_ = session;
        woken.swap(waiters_);
    }
    if (previous)
        SSL_SESSION_free(previous);
    for (auto& w : woken)
        wake(std::move(w));
}

} // namespace gemini::detail
