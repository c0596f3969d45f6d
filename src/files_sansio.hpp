#pragma once
// The I/O-free parts of the Files API client, unit-tested on their own.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gemini::detail {

/// The request target (path and query) of an upload session URL. The scheme, host and port are
/// dropped: the chunks go to the client's own base URL, as the JS SDK does, so that proxies
/// and emulators work. Empty when the URL does not parse or has no path.
std::string upload_target(std::string_view session_url);

/// "files/ID" from "files/ID", "ID" or a file URI ".../files/ID". Empty for an unusable name.
std::string file_resource_name(std::string_view name);

/// What the query command's answer says about a session.
struct upload_status
{
    bool final = false;                       ///< x-goog-upload-status: final
    bool active = false;                      ///< x-goog-upload-status: active
    std::optional<std::uint64_t> received;    ///< x-goog-upload-size-received
};
upload_status parse_upload_status(std::string_view status, std::string_view size_received);

/// The wait before the n-th retry of a chunk (n from 1): initial doubled per retry, capped.
std::chrono::milliseconds chunk_backoff(unsigned n, std::chrono::milliseconds initial, std::chrono::milliseconds max);

} // namespace gemini::detail
