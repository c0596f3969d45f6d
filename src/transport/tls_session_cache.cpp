#include "transport/tls_session_cache.hpp"

#include <openssl/ssl.h>

#include <ctime>

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
    {
        std::lock_guard lock(mutex_);
        previous = session_;
        session_ = session;
    }
    if (previous)
        SSL_SESSION_free(previous);
}

} // namespace gemini::detail
