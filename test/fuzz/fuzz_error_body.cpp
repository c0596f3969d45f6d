// Error answers: src/api_error_body.hpp on arbitrary bodies and retry headers. Input: a first
// line `STATUS retry-after-value|retry-after-ms-value`, then the body. The decoder is documented
// never to throw (bodies that are not JSON are described); invariants: the diagnostics render,
// a gemini::error can be built from them, and the retry hint is never negative.
#include "api_error_body.hpp"

#include <gemini/error.hpp>
#include <gemini/response_info.hpp>

#include <boost/json.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nl = input.find('\n');
    std::string_view head = input.substr(0, nl);
    const std::string_view body = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);

    gemini::response_info info;
    const auto space = head.find(' ');
    const std::string_view status = head.substr(0, space);
    std::from_chars(status.data(), status.data() + status.size(), info.status);
    if (space != std::string_view::npos)
    {
        const std::string_view hints = head.substr(space + 1);
        const auto bar = hints.find('|');
        info.headers.emplace_back("Retry-After", std::string(hints.substr(0, bar)));
        if (bar != std::string_view::npos)
            info.headers.emplace_back("retry-after-ms", std::string(hints.substr(bar + 1)));
    }
    info.headers.emplace_back("content-type", "application/json");

    const gemini::diagnostics diag = gemini::detail::diagnose_api_error(info, body);
    if (diag.retry_after && diag.retry_after->count() < 0)
        std::abort();
    (void)diag.to_string();
    const auto ec = make_error_code(gemini::detail::errc_for_status(info.status));
    const gemini::error err(ec, diag);
    (void)err.what();
    (void)gemini::detail::errc_for_api_code(diag.api_code);

    // The same object as a stream's `error` event carries it.
    boost::system::error_code jec;
    const boost::json::value jv = boost::json::parse(body, jec);
    if (!jec && jv.is_object())
        if (const auto* e = jv.as_object().if_contains("error"))
        {
            gemini::diagnostics d;
            (void)gemini::detail::read_error_object(*e, d);
            (void)d.to_string();
        }
    return 0;
}
