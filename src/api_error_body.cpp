#include "api_error_body.hpp"

#include "model/utf8_sequence.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <cstdint>
#include <ctime>

namespace gemini::detail {
namespace json = boost::json;

errc errc_for_status(unsigned status) noexcept
{
    switch (status)
    {
    case 400: return errc::bad_request;
    case 401: return errc::unauthenticated;
    case 402: return errc::payment_required;
    case 403: return errc::permission_denied;
    case 404: return errc::not_found;
    case 409: return errc::conflict;
    case 429: return errc::rate_limited;
    default: return status >= 500 && status < 600 ? errc::server_error : errc::api_error;
    }
}

errc errc_for_api_code(std::string_view code) noexcept
{
    struct mapping
    {
        std::string_view code;
        unsigned status;
    };
    static constexpr mapping table[] = {
        {"invalid_request", 400},     {"failed_precondition", 400}, {"parameter_unknown", 400},
        {"authentication", 401},      {"payment_required", 402},    {"permission_denied", 403},
        {"not_found", 404},           {"model_not_found", 404},     {"already_exists", 409},
        {"aborted", 409},             {"rate_limit_exceeded", 429}, {"quota_exceeded", 429},
        {"too_many_requests", 429},   {"api_error", 500},           {"service_unavailable", 503},
        {"deadline_exceeded", 504},   {"gateway_timeout", 504},     {"safety", 400},
        {"recitation", 400},          {"prohibited_content", 400},  {"spii", 400},
        {"blocklist", 400},           {"image_safety", 400},        {"image_prohibited_content", 400},
        {"image_recitation", 400},    {"image_other", 400},         {"no_image", 400},
    };
    for (const auto& m : table)
        if (m.code == code)
            return errc_for_status(m.status);
    return errc::api_error;
}

bool read_error_object(const json::value& error, diagnostics& diag)
{
    const auto* err = error.if_object();
    if (!err)
        return false;
    if (const auto* code = err->if_contains("code"))
    {
        if (code->is_string())
            diag.api_code = code->get_string();
        else if (code->is_int64())
            diag.rpc_code = static_cast<int>(code->get_int64());
    }
    if (const auto* status = err->if_contains("status"); status && status->is_string())
        diag.api_status = status->get_string();
    if (diag.api_code.empty())
        diag.api_code = diag.api_status;
    if (const auto* message = err->if_contains("message"); message && message->is_string())
        diag.api_message = message->get_string();
    if (const auto* details = err->if_contains("details"))
        diag.details = *details;
    return true;
}

namespace {

/// The largest retry hint kept (about a year).
constexpr std::chrono::milliseconds max_retry_hint = std::chrono::hours(24 * 366);

std::optional<std::chrono::milliseconds> parse_number_ms(std::string_view text, long scale)
{
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || !(value >= 0))   // also rejects NaN
        return std::nullopt;
    // Found by fuzzing: "1e300" (or "inf") overflowed the conversion to an integer. Any hint
    // beyond the cap is as good as infinite (the call's deadline caps the wait anyway).
    const double ms = value * static_cast<double>(scale);
    if (!(ms < static_cast<double>(max_retry_hint.count())))
        return max_retry_hint;
    return std::chrono::milliseconds(static_cast<long long>(ms));
}

// Retry-After is either delta-seconds or an HTTP date (RFC 9110 IMF-fixdate).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view text)
{
    if (auto seconds = parse_number_ms(text, 1000))
        return seconds;
    std::tm tm{};
    const std::string copy(text);
    if (!strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm))
        return std::nullopt;
    // In seconds first (found by fuzzing: a date in year 1013 or 9999 overflowed the
    // nanosecond system_clock when converted with from_time_t).
    const std::time_t when = timegm(&tm);
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    if (when <= now)
        return std::chrono::milliseconds(0);
    const auto cap_s = std::chrono::duration_cast<std::chrono::seconds>(max_retry_hint).count();
    const auto delta_s = when - now;
    if (delta_s >= cap_s)
        return max_retry_hint;
    return std::chrono::milliseconds(static_cast<long long>(delta_s) * 1000);
}

// google.rpc.RetryInfo: {"@type": ".../google.rpc.RetryInfo", "retryDelay": "42s"}
std::optional<std::chrono::milliseconds> retry_info_delay(const json::value& details)
{
    if (!details.is_array())
        return std::nullopt;
    for (const auto& d : details.get_array())
    {
        const auto* obj = d.if_object();
        const auto* delay = obj ? obj->if_contains("retryDelay") : nullptr;
        if (delay && delay->is_string())
        {
            std::string_view text = delay->get_string();
            if (!text.empty() && text.back() == 's')
                text.remove_suffix(1);
            if (auto ms = parse_number_ms(text, 1000))
                return ms;
        }
    }
    return std::nullopt;
}

} // namespace

// At most `limit` bytes of `text`, as valid UTF-8: an error page from a proxy may be in any
// encoding, and the excerpt goes into JSON (gemini-batch's results, a relay's answers), where
// invalid UTF-8 makes the whole document unreadable. A malformed byte becomes U+FFFD; a
// character the limit would cut is left out.
std::string utf8_excerpt(std::string_view text, std::size_t limit)
{
    std::string out;
    while (!text.empty())
    {
        const std::size_t n = utf8_sequence_length(text.data(), text.size());
        const std::string_view piece = n ? text.substr(0, n) : std::string_view("\xEF\xBF\xBD");
        if (out.size() + piece.size() > limit)
            break;
        out.append(piece);
        text.remove_prefix(n ? n : 1);
    }
    return out;
}

diagnostics diagnose_api_error(const response_info& info, std::string_view body)
{
    diagnostics diag;
    diag.http_status = info.status;

    error_code ec;
    const json::value parsed = json::parse(body, ec);
    const json::value* err = nullptr;
    if (!ec && parsed.is_object())
        err = parsed.get_object().if_contains("error");
    if (!err || !read_error_object(*err, diag))
    {
        constexpr std::size_t excerpt = 200;
        diag.library_message = "error body is not a JSON error object";
        diag.api_message = utf8_excerpt(body, excerpt);
    }

    if (auto ms = info.header("retry-after-ms"); !ms.empty())
        diag.retry_after = parse_number_ms(ms, 1);
    if (!diag.retry_after)
        if (auto ra = info.header("retry-after"); !ra.empty())
            diag.retry_after = parse_retry_after(ra);
    if (!diag.retry_after)
        diag.retry_after = retry_info_delay(diag.details);
    return diag;
}

} // namespace gemini::detail
