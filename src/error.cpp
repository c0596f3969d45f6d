#include <gemini/error.hpp>

#include <ostream>

namespace gemini {
namespace {

class category_impl final : public boost::system::error_category
{
public:
    const char* name() const noexcept override { return "gemini"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev))
        {
        case errc::bad_request: return "bad request";
        case errc::unauthenticated: return "unauthenticated";
        case errc::payment_required: return "payment required";
        case errc::permission_denied: return "permission denied";
        case errc::not_found: return "not found";
        case errc::conflict: return "conflict";
        case errc::rate_limited: return "rate limited";
        case errc::server_error: return "server error";
        case errc::api_error: return "API error";
        case errc::resolve_failed: return "host name resolution failed";
        case errc::connect_failed: return "connection failed";
        case errc::tls_failed: return "TLS handshake or certificate verification failed";
        case errc::timeout: return "timed out";
        case errc::connection_closed: return "connection closed by peer";
        case errc::malformed_response: return "malformed response";
        case errc::response_too_large: return "response too large";
        case errc::incomplete_stream: return "stream ended before the interaction completed";
        case errc::invalid_argument: return "invalid argument";
        case errc::insecure_transport: return "plain HTTP is only allowed to loopback hosts";
        case errc::pool_exhausted: return "connection pool wait queue is full";
        case errc::output_mismatch: return "model output does not match the expected type";
        case errc::too_many_rounds: return "function calling exceeded its maximum number of rounds";
        case errc::proxy_failed: return "the HTTP proxy did not open a tunnel";
        }
        return "unknown gemini error";
    }
};

} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category_impl instance;
    return instance;
}

std::ostream& operator<<(std::ostream& os, errc e) { return os << error_category().message(static_cast<int>(e)); }

bool is_transport_error(const error_code& ec) noexcept
{
    if (ec.category() != error_category())
        return false;
    switch (static_cast<errc>(ec.value()))
    {
    case errc::resolve_failed:
    case errc::connect_failed:
    case errc::tls_failed:
    case errc::timeout:
    case errc::connection_closed:
    case errc::proxy_failed: return true;
    default: return false;
    }
}

std::string diagnostics::to_string() const
{
    std::string out = "gemini";
    if (!operation.empty())
        out += " " + operation;
    if (!interaction_id.empty())
        out += " (interaction " + interaction_id + ")";
    if (http_status != 0)
        out += ": HTTP " + std::to_string(http_status);
    if (!api_code.empty())
        out += " " + api_code;
    if (!api_message.empty())
        out += ": " + api_message;
    if (!library_message.empty())
        out += " [" + library_message + "]";
    return out;
}

error::error(error_code ec, diagnostics diag)
    : boost::system::system_error(ec, diag.to_string()), diag_(std::move(diag))
{
}

} // namespace gemini
