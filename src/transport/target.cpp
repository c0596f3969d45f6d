#include "transport/target.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace gemini::detail {
namespace {

[[noreturn]] void reject(errc code, std::string message)
{
    diagnostics diag;
    diag.operation = "client setup";
    diag.library_message = std::move(message);
    throw error(make_error_code(code), std::move(diag));
}

} // namespace

bool is_loopback_host(std::string_view host) noexcept
{
    if (host == "localhost")
        return true;
    error_code ec;
    auto address = boost::asio::ip::make_address(std::string(host), ec);
    return !ec && address.is_loopback();
}

target target::parse(std::string_view base_url)
{
    auto parsed = boost::urls::parse_uri(base_url);
    if (!parsed)
        reject(errc::invalid_argument, "base URL is not a valid absolute URL: " + std::string(base_url));
    const boost::urls::url_view& url = *parsed;

    target t;
    if (url.scheme_id() == boost::urls::scheme::https)
        t.tls = true;
    else if (url.scheme_id() == boost::urls::scheme::http)
        t.tls = false;
    else
        reject(errc::invalid_argument, "base URL scheme must be https or http");
    if (url.has_userinfo() || url.has_query() || url.has_fragment())
        reject(errc::invalid_argument, "base URL must not contain credentials, a query or a fragment");

    t.host = std::string(url.encoded_host_address());
    if (url.host_type() == boost::urls::host_type::ipv6)
        t.host = std::string(url.host_ipv6_address().to_string());
    if (t.host.empty())
        reject(errc::invalid_argument, "base URL has no host");
    t.host_is_ip = url.host_type() == boost::urls::host_type::ipv4 ||
                   url.host_type() == boost::urls::host_type::ipv6;
    t.port = url.has_port() ? std::string(url.port()) : (t.tls ? "443" : "80");
    t.host_header = std::string(url.encoded_host_and_port());
    t.base_path = std::string(url.encoded_path());
    while (!t.base_path.empty() && t.base_path.back() == '/')
        t.base_path.pop_back();

    if (!t.tls && !is_loopback_host(t.host))
        reject(errc::insecure_transport, "refusing plain HTTP to non-loopback host " + t.host);
    return t;
}

} // namespace gemini::detail
