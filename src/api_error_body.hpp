#pragma once
// Reading what the API says about a failure: both error body shapes (flat string `code`, and
// google.rpc.Status with an integer code) and the retry hints in headers and details.

#include <gemini/error.hpp>
#include <gemini/response_info.hpp>

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

namespace gemini::detail {

/// The error code for a non-success HTTP status.
errc errc_for_status(unsigned status) noexcept;

/// The error code for an API error `code` string that arrived without an HTTP status (an
/// `error` event inside a stream): the status the same code has on a unary call.
errc errc_for_api_code(std::string_view code) noexcept;

/// Fills api_code / rpc_code / api_status / api_message / details from an `error` object
/// (either shape). Returns false when `error` is not an object.
bool read_error_object(const boost::json::value& error, diagnostics& diag);

/// Diagnostics for a non-success answer: status, API code/message/details, retry hint.
/// Bodies that are not JSON are described, never thrown on.
diagnostics diagnose_api_error(const response_info& info, std::string_view body);

/// At most `limit` bytes of `text` as valid UTF-8, for a diagnostics excerpt of what the server
/// sent: malformed bytes become U+FFFD, a character the limit would cut is left out.
std::string utf8_excerpt(std::string_view text, std::size_t limit);

} // namespace gemini::detail
