#include "transport/proxy.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>

namespace gemini::detail {
namespace {

namespace http = boost::beast::http;
namespace ip = boost::asio::ip;

[[noreturn]] void reject(std::string message)
{
    diagnostics diag;
    diag.operation = "client setup";
    diag.library_message = std::move(message);
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string base64(std::string_view in)
{
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    const int n = ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                    reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<ip::address> ip_literal(std::string_view host)
{
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    auto address = ip::make_address(std::string(host), ec);
    if (ec)
        return std::nullopt;
    return address;
}

bool in_network(const ip::address& host, std::string_view cidr)
{
    boost::system::error_code ec;
    if (host.is_v4())
    {
        auto net = ip::make_network_v4(std::string(cidr), ec);
        return !ec && ip::network_v4(host.to_v4(), net.prefix_length()).canonical() == net.canonical();
    }
    auto net = ip::make_network_v6(std::string(cidr), ec);
    return !ec && ip::network_v6(host.to_v6(), net.prefix_length()).canonical() == net.canonical();
}

// Splits one NO_PROXY entry into its host part and optional port.
void split_entry(std::string_view entry, std::string_view& name, std::string_view& port)
{
    name = entry;
    port = {};
    if (entry.starts_with('['))
    {
        const auto close = entry.find(']');
        if (close == std::string_view::npos)
            return;
        name = entry.substr(1, close - 1);
        if (close + 1 < entry.size() && entry[close + 1] == ':')
            port = entry.substr(close + 2);
        return;
    }
    // One colon: name:port. More: a bare IPv6 literal (possibly with a CIDR suffix).
    const auto colon = entry.find(':');
    if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos)
    {
        name = entry.substr(0, colon);
        port = entry.substr(colon + 1);
    }
}

} // namespace

std::string proxy_endpoint::display() const
{
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

proxy_endpoint parse_proxy_url(std::string_view url, std::string_view source)
{
    std::string text(url);
    if (text.find("://") == std::string::npos)
        text = "http://" + text;
    auto parsed = boost::urls::parse_uri(text);
    // Never quote the URL: it may carry a password.
    if (!parsed)
        reject("the proxy URL in " + std::string(source) + " is not a valid URL");
    const boost::urls::url_view& u = *parsed;
    if (u.scheme_id() == boost::urls::scheme::https)
        reject("the proxy URL in " + std::string(source) +
               " is https://: TLS to the proxy is not supported, use an http:// proxy URL (the tunnel "
               "still carries end-to-end TLS to the service)");
    if (u.scheme_id() != boost::urls::scheme::http)
        reject("the proxy URL in " + std::string(source) + " must be http://host:port (scheme '" +
               std::string(u.scheme()) + "' is not supported)");
    if ((!u.encoded_path().empty() && u.encoded_path() != "/") || u.has_query() || u.has_fragment())
        reject("the proxy URL in " + std::string(source) + " must not have a path, query or fragment");

    proxy_endpoint p;
    p.host = u.host_type() == boost::urls::host_type::ipv6 ? u.host_ipv6_address().to_string()
                                                           : std::string(u.encoded_host_address());
    if (p.host.empty())
        reject("the proxy URL in " + std::string(source) + " has no host");
    p.port = u.has_port() ? std::string(u.port()) : "1080";   // curl's default proxy port
    if (u.has_port() && (p.port.empty() || u.port_number() == 0))
        reject("the proxy URL in " + std::string(source) + " has an invalid port");
    if (u.has_userinfo())
    {
        std::string credentials = u.user();
        credentials += ':';
        credentials += u.password();
        p.authorization = "Basic " + base64(credentials);
    }
    return p;
}

bool no_proxy_matches(std::string_view list, std::string_view host, std::string_view port)
{
    std::string host_name = lower(host);
    if (host_name.size() >= 2 && host_name.front() == '[' && host_name.back() == ']')
        host_name = host_name.substr(1, host_name.size() - 2);
    while (!host_name.empty() && host_name.back() == '.')
        host_name.pop_back();
    const auto host_ip = ip_literal(host_name);

    std::size_t pos = 0;
    while (pos < list.size())
    {
        const auto end = list.find_first_of(", \t", pos);
        const auto entry = list.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? list.size() : end + 1;
        if (entry.empty())
            continue;
        if (entry == "*")
            return true;

        std::string_view name, entry_port;
        split_entry(entry, name, entry_port);
        if (!entry_port.empty() && entry_port != port)
            continue;
        if (name.find('/') != std::string_view::npos)
        {
            if (host_ip && in_network(*host_ip, name))
                return true;
            continue;
        }
        if (const auto entry_ip = ip_literal(name))
        {
            if (host_ip && *host_ip == *entry_ip)
                return true;
            continue;
        }
        if (name.starts_with("*."))
            name.remove_prefix(2);
        else if (name.starts_with('.'))
            name.remove_prefix(1);
        std::string suffix = lower(name);
        while (!suffix.empty() && suffix.back() == '.')
            suffix.pop_back();
        if (suffix.empty() || host_ip)
            continue;
        if (host_name == suffix ||
            (host_name.size() > suffix.size() && host_name.ends_with(suffix) &&
             host_name[host_name.size() - suffix.size() - 1] == '.'))
            return true;
    }
    return false;
}

proxy_environment proxy_environment::from_process()
{
    proxy_environment env;
    for (const char* name : {"https_proxy", "HTTPS_PROXY"})
        if (const char* value = std::getenv(name); value && *value)
        {
            env.https_proxy = value;
            env.https_proxy_name = name;
            break;
        }
    for (const char* name : {"no_proxy", "NO_PROXY"})
        if (const char* value = std::getenv(name); value && *value)
        {
            env.no_proxy = value;
            break;
        }
    return env;
}

std::optional<proxy_endpoint> select_proxy(const target& where, const std::optional<std::string>& proxy_option,
                                           const std::optional<std::string>& no_proxy_option,
                                           const proxy_environment& env)
{
    // Plain HTTP goes to loopback only, and through a proxy the request (API key included)
    // would be readable by the proxy.
    if (!where.tls)
        return std::nullopt;
    std::optional<proxy_endpoint> chosen;
    if (proxy_option)
    {
        if (proxy_option->empty())
            return std::nullopt;
        chosen = parse_proxy_url(*proxy_option, "client_options::proxy");
    }
    else
    {
        // A proxy from the environment cannot reach this machine's loopback services (the
        // in-process emulator, a local gateway), so they are always reached directly.
        if (!env.https_proxy || env.https_proxy->empty() || is_loopback_host(where.host))
            return std::nullopt;
        chosen = parse_proxy_url(*env.https_proxy, env.https_proxy_name.empty() ? "HTTPS_PROXY" : env.https_proxy_name);
    }
    const std::string& exempt = no_proxy_option ? *no_proxy_option : env.no_proxy ? *env.no_proxy : std::string();
    if (no_proxy_matches(exempt, where.host, where.port))
        return std::nullopt;
    return chosen;
}

std::string tunnel_authority(const target& where)
{
    return (where.host.find(':') != std::string::npos ? "[" + where.host + "]" : where.host) + ":" + where.port;
}

http::request<http::empty_body> make_connect_request(const proxy_endpoint& proxy, const target& where)
{
    const auto authority = tunnel_authority(where);
    http::request<http::empty_body> req{http::verb::connect, authority, 11};
    req.set(http::field::host, authority);
    if (!proxy.authorization.empty())
        req.set(http::field::proxy_authorization, proxy.authorization);
    return req;
}

error proxy_refused(const proxy_endpoint& proxy, const target& where, unsigned status, std::string_view reason)
{
    diagnostics diag;
    diag.http_status = status;
    // The reason phrase is the proxy's text: bounded, and printable characters only.
    std::string phrase;
    for (char c : reason.substr(0, 120))
        phrase += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    diag.library_message = "proxy " + proxy.display() + " refused the tunnel to " + tunnel_authority(where) +
                           ": HTTP " + std::to_string(status) + (phrase.empty() ? "" : " " + phrase);
    // 407 is the standard answer; some proxies (tinyproxy) answer wrong credentials with 401.
    if (status == 407 || status == 401)
        diag.library_message += proxy.authorization.empty()
                                    ? " (proxy authentication required: give credentials as http://user:password@host:port)"
                                    : " (proxy authentication required: the proxy rejected the credentials)";
    return error(make_error_code(errc::proxy_failed), std::move(diag));
}

error proxy_malformed(const proxy_endpoint& proxy, const target& where, std::string_view what)
{
    diagnostics diag;
    diag.library_message = "proxy " + proxy.display() + " gave no usable answer to CONNECT " +
                           tunnel_authority(where) + ": " + std::string(what);
    return error(make_error_code(errc::proxy_failed), std::move(diag));
}

} // namespace gemini::detail
