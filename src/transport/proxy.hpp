#pragma once
// Reaching the service through an HTTP proxy: which proxy (client_options, else the
// environment), which hosts bypass it (NO_PROXY), the CONNECT request that opens a tunnel and
// the errors a proxy can cause. No I/O here, so that every rule is unit-tested on its own; the
// tunnel itself is opened by connection::open.

#include "transport/target.hpp"

#include <gemini/error.hpp>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gemini::detail {

/// A parsed proxy URL. `authorization` is a credential: it goes into the CONNECT request and
/// nowhere else (no message, trace or diagnostics ever contains it).
struct proxy_endpoint
{
    std::string host;            ///< without brackets for IPv6 literals
    std::string port;
    std::string authorization;   ///< "Basic base64(user:password)", or empty

    /// "host:port" for messages: never the credentials.
    std::string display() const;
};

/// Parses `http://[user[:password]@]host[:port][/]` (no scheme: http). `source` names where the
/// URL came from, for the error text. Throws gemini::error(invalid_argument) for other
/// schemes (https:// proxies are not implemented) and malformed URLs; the text never repeats
/// the URL, which may hold a password.
proxy_endpoint parse_proxy_url(std::string_view url, std::string_view source);

/// NO_PROXY matching. `list`: entries separated by commas or white space; each is `*` (every
/// host), a host name or domain suffix (`example.com` and `.example.com` both match
/// example.com and any sub-domain; a leading `*.` is read as `.`), an IP literal (IPv6 with
/// or without brackets) or an IP CIDR range; any entry may end in `:port`, and then matches
/// only that port. Names compare case-insensitively, without resolving anything.
bool no_proxy_matches(std::string_view list, std::string_view host, std::string_view port);

/// Proxy settings found in the environment. Lower-case names win, as in curl; an empty value
/// counts as unset.
struct proxy_environment
{
    std::optional<std::string> https_proxy;
    std::string https_proxy_name;   ///< the variable it came from, for error text
    std::optional<std::string> no_proxy;

    static proxy_environment from_process();
};

/// The proxy for connections to `where`, or none. Precedence: plain http:// base URLs
/// (loopback only) never use a proxy; a set `proxy_option` wins over the environment ("" means
/// none); the environment's proxy is not used for loopback hosts; then NO_PROXY
/// (`no_proxy_option` when set, else the environment's) can exempt the host.
std::optional<proxy_endpoint> select_proxy(const target& where, const std::optional<std::string>& proxy_option,
                                           const std::optional<std::string>& no_proxy_option,
                                           const proxy_environment& env);

/// "host:port" as the CONNECT request target and Host header (IPv6 literals bracketed).
std::string tunnel_authority(const target& where);

/// The CONNECT request for a tunnel to `where`.
boost::beast::http::request<boost::beast::http::empty_body> make_connect_request(const proxy_endpoint& proxy,
                                                                                 const target& where);

/// The proxy answered CONNECT with a non-2xx status: errc::proxy_failed with the status.
error proxy_refused(const proxy_endpoint& proxy, const target& where, unsigned status, std::string_view reason);

/// The proxy's answer to CONNECT was not usable HTTP: errc::proxy_failed, status 0.
error proxy_malformed(const proxy_endpoint& proxy, const target& where, std::string_view what);

} // namespace gemini::detail
