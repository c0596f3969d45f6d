#pragma once
// Reading what the API says about a failure: both error body shapes (flat string `code`, and
// google.rpc.Status with an integer code) and the retry hints in headers and details.

#include <gemini/error.hpp>
#include <gemini/response_info.hpp>

#include <string_view>

namespace gemini::detail {

/// The error code for a non-success HTTP status.
errc errc_for_status(unsigned status) noexcept;

/// Diagnostics for a non-success answer: status, API code/message/details, retry hint.
/// Bodies that are not JSON are described, never thrown on.
diagnostics diagnose_api_error(const response_info& info, std::string_view body);

} // namespace gemini::detail
