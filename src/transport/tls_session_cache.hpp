#pragma once
// TLS session resumption for the connections of one pool, that is one host. The newest
// session the server issued is offered by every new connection; a resumed handshake skips the
// server's certificate chain, its decoding and its verification, which halves the client's CPU
// for a new connection (docs/performance.md, "Reconnects").
//
// A session is offered to more than one connection, as OpenSSL, Go and curl clients do: RFC
// 8446 asks for single use only so that an observer cannot link connections, and a pool's
// connections come from one address with one API key anyway. Sessions stay in memory.

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>

namespace gemini::detail {

class tls_session_cache
{
public:
    /// Makes `ctx` hand the sessions its servers issue to the cache of the connection they
    /// belong to. False when the context has a new-session callback of its own (a context the
    /// user configured that way): its connections then never resume.
    static bool enable(boost::asio::ssl::context& ctx);

    tls_session_cache() = default;
    tls_session_cache(const tls_session_cache&) = delete;
    tls_session_cache& operator=(const tls_session_cache&) = delete;
    ~tls_session_cache();

    /// Before `ssl`'s handshake: offers the cached session, if it has not expired, and routes
    /// the sessions this connection receives here. The cache must outlive `ssl`.
    void attach(SSL* ssl);

private:
    static int on_new_session(SSL* ssl, SSL_SESSION* session);
    void store(SSL_SESSION* session);

    std::mutex mutex_;   // connections of one pool run on any thread
    SSL_SESSION* session_ = nullptr;
};

} // namespace gemini::detail
