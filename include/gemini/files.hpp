#pragma once
// The Files API (spec 10): upload large media once with the resumable protocol, then refer to it
// by `uri` in any number of requests.
//
//     auto up = gemini::upload_file(client, "talk.mp4", {.display_name = "talk"});
//     gemini::file f = co_await std::move(up);
//     auto ready = gemini::wait_until_active(client, f.name);
//     f = co_await std::move(ready);
//     req.input = std::vector<gemini::content>{gemini::content::text("Summarise"), f.as_content()};
//
// Every operation has an `async_` form taking a completion token (default: gemini::use_awaitable)
// and a co_await form that throws gemini::error, like the client's own operations.

#include <gemini/client.hpp>
#include <gemini/model/content.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace gemini {

/// A file stored by the Files API. The JSON members are camelCase on the wire.
struct file
{
    std::string name{};                     ///< "files/abc123"
    std::string uri{};                      ///< what content blocks refer to
    std::string mime_type{};
    std::optional<std::int64_t> size_bytes{};
    std::string display_name{};
    std::string state{};                    ///< "PROCESSING", "ACTIVE", "FAILED"
    std::string create_time{};              ///< RFC 3339
    std::string update_time{};
    std::string expiration_time{};
    std::string sha256_hash{};              ///< as the service reports it (base64)
    boost::json::object extra{};            ///< members this library does not model (error, videoMetadata, ...)
    response_info http{};                   ///< the exchange that returned it

    bool is_active() const noexcept { return state == "ACTIVE"; }
    bool is_failed() const noexcept { return state == "FAILED"; }
    /// A content block of the kind of `mime_type` (image, audio, video, document) whose `uri`
    /// is this file's.
    content as_content() const;
};

/// Reads a file resource (`{"name":...}`) or an upload's final answer (`{"file":{...}}`).
/// Throws std::invalid_argument when it is neither.
file parse_file(const boost::json::value& v);

/// Settings of an upload.
struct upload_options
{
    /// Default: from the magic bytes, then the file extension; unknown → invalid_argument.
    std::optional<std::string> mime_type{};
    /// Default: the file name (for path uploads).
    std::optional<std::string> display_name{};
    /// Bytes per upload request. The real service wants a multiple of 256 KiB (except the last
    /// chunk); the file is read one chunk at a time.
    std::size_t chunk_size = 8u << 20;
    /// Attempts per chunk: after a failed chunk (5xx, 408, 429, a 400 such as an offset
    /// mismatch, a lost or refused connection, a timeout, or an answer without
    /// `x-goog-upload-status`) the session is queried and the upload continues from the offset
    /// the server reports, waiting first the server's hint (Retry-After, retry-after-ms,
    /// RetryInfo) or else the retry policy's backoff; each such resume is reported to the
    /// policy's on_retry. An oversized, non-JSON or non-HTTP answer fails the upload as it fails
    /// any call. 1 = no retry.
    unsigned max_chunk_attempts = 4;
    /// Extra headers, per-HTTP-call timeout, and the retry policy (its backoff paces chunk
    /// retries; the start request is retried by it as usual).
    request_options request{};
};

/// Settings of wait_until_active().
struct wait_options
{
    std::chrono::milliseconds interval{1000}; ///< between two GETs
    std::chrono::milliseconds timeout{300000}; ///< overall deadline → errc::timeout
    request_options request{};
};

namespace detail {

using file_handler = boost::asio::any_completion_handler<void(error_code, file)>;

void initiate_upload_file(const std::shared_ptr<client_impl>&, std::filesystem::path, upload_options, diagnostics*,
                          file_handler);
void initiate_upload_bytes(const std::shared_ptr<client_impl>&, std::string, upload_options, diagnostics*,
                           file_handler);
void initiate_get_file(const std::shared_ptr<client_impl>&, std::string, request_options, diagnostics*, file_handler);
void initiate_delete_file(const std::shared_ptr<client_impl>&, std::string, request_options, diagnostics*,
                          response_handler);
void initiate_wait_file(const std::shared_ptr<client_impl>&, std::string, wait_options, diagnostics*, file_handler);

} // namespace detail

/// Uploads a file from disk with the resumable protocol (start, chunks, finalize). Completes
/// with the file as the final answer describes it (usually PROCESSING: see wait_until_active).
template <class CompletionToken = use_awaitable_t>
auto async_upload_file(client& c, std::filesystem::path path, upload_options opts = {}, CompletionToken&& token = {})
{
    using init = detail::erased_initiation<detail::file_handler, &detail::initiate_upload_file>;
    return boost::asio::async_initiate<CompletionToken, void(error_code, file)>(
        init{detail::client_access::impl(c)}, token, std::move(path), std::move(opts));
}

/// The same for bytes in memory (`mime_type` or recognisable magic bytes required).
template <class CompletionToken = use_awaitable_t>
auto async_upload_bytes(client& c, std::string bytes, upload_options opts = {}, CompletionToken&& token = {})
{
    using init = detail::erased_initiation<detail::file_handler, &detail::initiate_upload_bytes>;
    return boost::asio::async_initiate<CompletionToken, void(error_code, file)>(
        init{detail::client_access::impl(c)}, token, std::move(bytes), std::move(opts));
}

/// GET /{version}/files/{id}. `name` is "files/ID", "ID", or the file's uri.
template <class CompletionToken = use_awaitable_t>
auto async_get_file(client& c, std::string name, request_options opts = {}, CompletionToken&& token = {})
{
    using init = detail::erased_initiation<detail::file_handler, &detail::initiate_get_file>;
    return boost::asio::async_initiate<CompletionToken, void(error_code, file)>(
        init{detail::client_access::impl(c)}, token, std::move(name), std::move(opts));
}

/// DELETE /{version}/files/{id}.
template <class CompletionToken = use_awaitable_t>
auto async_delete_file(client& c, std::string name, request_options opts = {}, CompletionToken&& token = {})
{
    using init = detail::erased_initiation<detail::response_handler, &detail::initiate_delete_file>;
    return boost::asio::async_initiate<CompletionToken, void(error_code, response_info)>(
        init{detail::client_access::impl(c)}, token, std::move(name), std::move(opts));
}

/// Polls GET until the file is ACTIVE. FAILED → errc::api_error; still processing at the
/// deadline → errc::timeout. Cancellable like every operation.
template <class CompletionToken = use_awaitable_t>
auto async_wait_until_active(client& c, std::string name, wait_options opts = {}, CompletionToken&& token = {})
{
    using init = detail::erased_initiation<detail::file_handler, &detail::initiate_wait_file>;
    return boost::asio::async_initiate<CompletionToken, void(error_code, file)>(
        init{detail::client_access::impl(c)}, token, std::move(name), std::move(opts));
}

// co_await conveniences: the async_ forms above, returning the value or throwing gemini::error.

/// Uploads a file from disk (resumable upload in chunks; the MIME type is sniffed).
boost::asio::awaitable<file> upload_file(client& c, std::filesystem::path path, upload_options opts = {});
/// Uploads bytes held in memory.
boost::asio::awaitable<file> upload_bytes(client& c, std::string bytes, upload_options opts = {});
/// GET of a file's metadata by name ("files/abc").
boost::asio::awaitable<file> get_file(client& c, std::string name, request_options opts = {});
/// Deletes an uploaded file.
boost::asio::awaitable<response_info> delete_file(client& c, std::string name, request_options opts = {});
/// Polls until the file is ACTIVE; fails when it becomes FAILED or opts.timeout passes.
boost::asio::awaitable<file> wait_until_active(client& c, std::string name, wait_options opts = {});
/// The same, for a file returned by an upload.
inline boost::asio::awaitable<file> wait_until_active(client& c, const file& f, wait_options opts = {})
{
    return wait_until_active(c, f.name, std::move(opts));
}

} // namespace gemini
