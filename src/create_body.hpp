// The JSON body of POST /interactions, for a first request and for the hops of a continuation.
#pragma once

#include <gemini/model/request.hpp>
#include <gemini/request_options.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gemini::detail {

/// `req` with the call's `extra_body` merged last; `streaming` adds "stream": true (owned by the
/// call, create() or stream(), not by the request). Throws gemini::error with
/// errc::invalid_argument for a request the API would refuse or JSON cannot carry: neither or
/// both of model and agent, stream:true outside stream(), NaN or an infinity anywhere.
std::string create_body(const request& req, const request_options& opts, bool streaming);

/// create_body through a Boost.JSON DOM, for any request, without create_body's argument checks.
/// create_body writes the most common requests (strings and booleans only) without one; the
/// tests check that both give the same JSON.
std::string create_body_generally(const request& req, const request_options& opts, bool streaming);

/// A boolean field as create_body sends it: the call's extra_body member (written last, over the
/// request's own) when it is there, else the request's; `absent` when neither holds a boolean.
bool sent_flag(const request_options& opts, std::string_view key, const std::optional<bool>& own, bool absent);

} // namespace gemini::detail
