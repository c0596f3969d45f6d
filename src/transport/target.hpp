#pragma once
// Where a client sends its requests, parsed once from the base URL.

#include <gemini/error.hpp>

#include <string>
#include <string_view>

namespace gemini::detail {

struct target
{
    bool tls = true;
    std::string host;          ///< without brackets for IPv6 literals
    std::string port;          ///< numeric service
    std::string host_header;   ///< host[:port] as sent in the Host header
    std::string base_path;     ///< path prefix without trailing slash ("" or "/proxy")
    bool host_is_ip = false;   ///< IP literals get no SNI

    /// Parses and checks a base URL: https anywhere, http only to loopback hosts.
    /// Throws gemini::error (invalid_argument or insecure_transport).
    static target parse(std::string_view base_url);
};

bool is_loopback_host(std::string_view host) noexcept;

} // namespace gemini::detail
