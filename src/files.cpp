// The Files API: resumable upload (start, chunks, finalize, query after a failure), get, delete
// and waiting for ACTIVE.
#include <gemini/files.hpp>
#include <gemini/media.hpp>

#include "files_sansio.hpp"
#include "operation.hpp"
#include "transport/deadline.hpp"
#include "transport/transport_failure.hpp"
#include "model/json_io.hpp"
#include "model/scratch_document.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <fstream>

namespace gemini {

namespace json = boost::json;

namespace {

// The processing error's message, when the file resource carries one.
std::string failure_message(const json::object& error)
{
    if (const auto* v = error.if_contains("message"); v && v->is_string())
        return std::string(v->get_string());
    return {};
}

} // namespace

file parse_file(const json::value& v)
{
    if (!v.is_object())
        throw std::invalid_argument("file: expected an object");
    const json::object* o = &v.get_object();
    if (const auto* inner = o->if_contains("file"))
    {
        if (!inner->is_object())
            throw std::invalid_argument("file: expected an object");
        o = &inner->get_object();
    }
    if (!o->contains("name"))
        throw std::invalid_argument("file: missing 'name'");
    detail::require_finite_numbers(v, detail::json_path{nullptr, "file"});
    file f;
    for (const auto& [key, value] : *o)
    {
        auto text = [&](std::string& out) {
            if (!value.is_string())
                throw std::invalid_argument("file." + std::string(key) + ": expected string");
            out = std::string(value.get_string());
        };
        if (key == "name")
            text(f.name);
        else if (key == "uri")
            text(f.uri);
        else if (key == "mimeType")
            text(f.mime_type);
        else if (key == "displayName")
            text(f.display_name);
        else if (key == "state")
            text(f.state);
        else if (key == "createTime")
            text(f.create_time);
        else if (key == "updateTime")
            text(f.update_time);
        else if (key == "expirationTime")
            text(f.expiration_time);
        else if (key == "sha256Hash")
            text(f.sha256_hash);
        else if (key == "sizeBytes")
        {
            // int64 travels as a JSON string in Google APIs; accept a number too.
            std::int64_t n = 0;
            if (value.is_string())
            {
                const auto s = value.get_string();
                auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
                if (ec != std::errc{} || p != s.data() + s.size())
                    throw std::invalid_argument("file.sizeBytes: not an integer");
            }
            else if (value.is_int64())
                n = value.get_int64();
            else if (value.is_uint64())   // above int64: to_number would throw a system_error
                throw std::invalid_argument("file.sizeBytes: out of range");
            else
                throw std::invalid_argument("file.sizeBytes: expected string");
            if (n < 0)
                throw std::invalid_argument("file.sizeBytes: negative");
            f.size_bytes = n;
        }
        else
            f.extra[key] = value;
    }
    return f;
}

content file::as_content() const { return media_from_uri(uri, mime_type); }

namespace detail {

std::string upload_target(std::string_view session_url)
{
    auto parsed = boost::urls::parse_uri_reference(session_url);
    if (!parsed || parsed->encoded_path().empty())
        return {};
    std::string target(parsed->encoded_path());
    if (parsed->has_query())
        target += "?" + std::string(parsed->encoded_query());
    return target;
}

std::string file_resource_name(std::string_view name)
{
    if (const auto pos = name.rfind("/files/"); pos != std::string_view::npos)
        name = name.substr(pos + 7);
    else if (name.starts_with("files/"))
        name = name.substr(6);
    if (name.empty() || name.find('/') != std::string_view::npos || name.find('?') != std::string_view::npos)
        return {};
    return "files/" + std::string(name);
}

upload_status parse_upload_status(std::string_view status, std::string_view size_received)
{
    upload_status out;
    out.final = status == "final";
    out.active = status == "active";
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(size_received.data(), size_received.data() + size_received.size(), n);
    if (!size_received.empty() && ec == std::errc{} && p == size_received.data() + size_received.size())
        out.received = n;
    return out;
}

std::chrono::milliseconds chunk_backoff(unsigned n, std::chrono::milliseconds initial, std::chrono::milliseconds max)
{
    auto d = initial;
    for (unsigned i = 1; i < n && d < max; ++i)
        d *= 2;
    return std::min(d, max);
}

namespace {

[[noreturn]] void fail(errc code, std::string message, unsigned status = 0)
{
    diagnostics diag;
    diag.library_message = std::move(message);
    diag.http_status = status;
    throw error(make_error_code(code), std::move(diag));
}

file decode_file(http_reply reply)
{
    // The same checks as for an interaction: a file answer in another content type (an HTML
    // error page from a proxy, say) is not one, whatever its body.
    const auto content_type = reply.info.header("content-type");
    if (content_type.substr(0, 16) != "application/json")
        fail(errc::malformed_response, "expected application/json, got '" + std::string(content_type) + "'",
             reply.info.status);
    error_code ec;
    scratch_document document;
    json::value parsed = document.parse(reply.body, ec);
    if (ec)
        fail(errc::malformed_response, "file response is not valid JSON: " + ec.message(), reply.info.status);
    file f;
    try
    {
        f = parse_file(parsed);
    }
    catch (const std::exception& e)
    {
        fail(errc::malformed_response, std::string("unexpected file JSON: ") + e.what(), reply.info.status);
    }
    f.http = std::move(reply.info);
    return f;
}

// Where the bytes come from: a file read at any offset, or a string.
struct upload_source
{
    std::filesystem::path path;
    std::ifstream in;
    std::string bytes;
    bool from_file = false;
    std::uint64_t size = 0;

    std::string read(std::uint64_t offset, std::size_t n)
    {
        if (!from_file)
            return bytes.substr(static_cast<std::size_t>(offset), n);
        std::string out(n, '\0');
        in.clear();
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(out.data(), static_cast<std::streamsize>(n));
        if (static_cast<std::size_t>(in.gcount()) != n)
            reject_argument("cannot read '" + path.string() + "' at offset " + std::to_string(offset) +
                            ": the file changed during the upload");
        return out;
    }

    std::string head()
    {
        return read(0, static_cast<std::size_t>(std::min<std::uint64_t>(size, 64)));
    }
};

request_options with_headers(const request_options& base, std::initializer_list<std::pair<std::string, std::string>> headers)
{
    request_options o = base;
    o.extra_body = {};
    for (const auto& h : headers)
        o.headers.push_back(h);
    return o;
}

// Whether a failed chunk may be resumed from the server's offset (the session survives these).
bool resumable(const error& e)
{
    const unsigned s = e.diag().http_status;
    return s == 400 || s == 408 || s == 429 || s / 100 == 5;
}

// A lost or refused connection may be resumed; an answer that arrived but is too large or not
// HTTP, or a TLS failure, is the same failure as for any other call and is not.
bool resumable(const transport_failure& f)
{
    return f.code == errc::connection_closed || f.code == errc::connect_failed || f.code == errc::resolve_failed;
}

asio::awaitable<file> run_upload(std::shared_ptr<client_impl> impl, std::shared_ptr<upload_source> src,
                                 upload_options opts)
{
    if (opts.chunk_size == 0)
        reject_argument("upload_options::chunk_size must not be zero");
    if (opts.max_chunk_attempts == 0)
        opts.max_chunk_attempts = 1;
    std::string mime = opts.mime_type.value_or("");
    if (mime.empty())
    {
        const auto head = src->head();
        if (auto sniffed = sniff_mime_type(std::span(reinterpret_cast<const std::byte*>(head.data()), head.size())))
            mime = *sniffed;
        else if (src->from_file)
            mime = mime_type_from_extension(src->path).value_or("");
        if (mime.empty())
            reject_argument("cannot tell the MIME type of the upload: set upload_options::mime_type");
    }
    std::string display_name = opts.display_name.value_or(src->from_file ? src->path.filename().string() : "");

    // 1. Start the session.
    json::object meta{{"mimeType", mime}, {"sizeBytes", std::to_string(src->size)}};
    if (!display_name.empty())
        meta["displayName"] = display_name;
    const auto start_opts = with_headers(opts.request, {{"X-Goog-Upload-Protocol", "resumable"},
                                                        {"X-Goog-Upload-Command", "start"},
                                                        {"X-Goog-Upload-Header-Content-Length", std::to_string(src->size)},
                                                        {"X-Goog-Upload-Header-Content-Type", mime}});
    http_call start{http::verb::post, "/upload" + impl->version_path + "/files",
                    json::serialize(json::object{{"file", std::move(meta)}}), &start_opts, false, true, "upload_file"};
    auto start_op = impl->execute(std::move(start));
    auto started = co_await std::move(start_op);
    const std::string target = upload_target(started.info.header("x-goog-upload-url"));
    if (target.empty())
        fail(errc::malformed_response, "the upload start answer has no usable x-goog-upload-url header",
             started.info.status);

    // 2. Chunks; after a failure, ask the server how much it has and continue from there.
    const retry_policy& policy = opts.request.retry ? *opts.request.retry : impl->options.retry;
    std::uint64_t offset = 0;
    unsigned failures = 0;
    for (;;)
    {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(opts.chunk_size, src->size - offset));
        const bool last = offset + n == src->size;
        auto chunk_opts = with_headers(opts.request, {{"X-Goog-Upload-Command", last ? "upload, finalize" : "upload"},
                                                      {"X-Goog-Upload-Offset", std::to_string(offset)}});
        chunk_opts.retry = retry_policy::none();   // failures are resumed below, not resent blindly
        http_call chunk{http::verb::post, target, src->read(offset, n), &chunk_opts, false, false, "upload_file",
                        "application/octet-stream", true};
        std::exception_ptr failure;
        error_code reason;
        unsigned failed_status = 0;
        std::optional<std::chrono::milliseconds> hint;
        http_reply reply;
        try
        {
            auto op = impl->execute(std::move(chunk));
            reply = co_await std::move(op);
        }
        catch (const error& e)
        {
            if (!resumable(e))
                throw;
            failure = std::current_exception();
            reason = e.code();
            failed_status = e.diag().http_status;
            hint = e.diag().retry_after;
        }
        catch (const transport_failure& f)
        {
            if (!resumable(f))
                throw;
            failure = std::current_exception();
            reason = make_error_code(f.code);
        }
        catch (const deadline_exceeded&)
        {
            failure = std::current_exception();
            reason = make_error_code(errc::timeout);
        }
        if (!failure)
        {
            const auto status = parse_upload_status(reply.info.header("x-goog-upload-status"), {});
            if (status.final)
                co_return decode_file(std::move(reply));
            if (status.active && !last)
            {
                offset += n;
                failures = 0;
                continue;
            }
            // No status (the JS SDK retries then), or a finalize that did not finalize.
            try
            {
                fail(errc::malformed_response,
                     last ? "the finalize answer is not final" : "the chunk answer has no x-goog-upload-status",
                     reply.info.status);
            }
            catch (const error& e)
            {
                failure = std::current_exception();
                reason = e.code();
                failed_status = reply.info.status;
            }
        }

        if (++failures >= opts.max_chunk_attempts)
            std::rethrow_exception(failure);
        // A server hint longer than a call's whole deadline is not waited out, as for any call.
        const auto call_limit = opts.request.timeout.count() > 0 ? opts.request.timeout : impl->options.timeout.request;
        if (hint && *hint >= call_limit)
            std::rethrow_exception(failure);
        // A 429/503's Retry-After (or RetryInfo) is honoured as for any other call; the resume
        // is reported to on_retry like the retries of the other operations.
        const auto delay = hint ? *hint : chunk_backoff(failures, policy.initial_backoff, policy.max_backoff);
        if (policy.on_retry)
            policy.on_retry(retry_event{"upload_file", failures, delay, reason, failed_status, hint.has_value()});
        asio::steady_timer pause(co_await asio::this_coro::executor, delay);
        auto wait = pause.async_wait(asio::use_awaitable);
        co_await std::move(wait);

        const auto query_opts = with_headers(opts.request, {{"X-Goog-Upload-Command", "query"}});
        http_call query{http::verb::post, target, {}, &query_opts, false, true, "upload_file", "application/json", true};
        bool answered = false;
        try
        {
            auto op = impl->execute(std::move(query));
            reply = co_await std::move(op);
            answered = true;
        }
        catch (const error& e)
        {
            if (!resumable(e))
                throw;
        }
        catch (const transport_failure&)
        {
        }
        catch (const deadline_exceeded&)
        {
        }
        if (!answered)
            continue;   // resend from our offset; a mismatch is answered with 400 and queried again
        const auto status = parse_upload_status(reply.info.header("x-goog-upload-status"),
                                                reply.info.header("x-goog-upload-size-received"));
        if (status.final)
            co_return decode_file(std::move(reply));
        if (!status.active || !status.received || *status.received > src->size)
            fail(errc::malformed_response, "the upload session cannot be resumed (query answer: status '" +
                                               std::string(reply.info.header("x-goog-upload-status")) + "')",
                 reply.info.status);
        offset = *status.received;
    }
}

asio::awaitable<file> run_get_file(std::shared_ptr<client_impl> impl, std::string name, request_options opts)
{
    const auto resource = file_resource_name(name);
    if (resource.empty())
        reject_argument("not a file name: '" + name + "' (expected files/ID, ID or a file uri)");
    http_call call{http::verb::get, impl->version_path + "/files/" + encode_id(resource.substr(6)), {}, &opts, false,
                   true, "get_file"};
    auto op = impl->execute(std::move(call));
    auto reply = co_await std::move(op);
    co_return decode_file(std::move(reply));
}

asio::awaitable<response_info> run_delete_file(std::shared_ptr<client_impl> impl, std::string name,
                                               request_options opts)
{
    const auto resource = file_resource_name(name);
    if (resource.empty())
        reject_argument("not a file name: '" + name + "' (expected files/ID, ID or a file uri)");
    http_call call{http::verb::delete_, impl->version_path + "/files/" + encode_id(resource.substr(6)), {}, &opts,
                   false, true, "delete_file"};
    auto op = impl->execute(std::move(call));
    auto reply = co_await std::move(op);
    co_return std::move(reply.info);
}

asio::awaitable<file> run_wait(std::shared_ptr<client_impl> impl, std::string name, wait_options opts)
{
    const auto deadline = std::chrono::steady_clock::now() + opts.timeout;
    for (;;)
    {
        auto get = run_get_file(impl, name, opts.request);
        file f = co_await std::move(get);
        if (f.is_active())
            co_return f;
        if (f.is_failed())
        {
            std::string why;
            if (const auto* e = f.extra.if_contains("error"); e && e->is_object())
                why = ": " + failure_message(e->get_object());
            fail(errc::api_error, "file " + f.name + " failed processing" + why);
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            fail(errc::timeout, "file " + f.name + " is still " + f.state + " at the deadline");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        asio::steady_timer pause(co_await asio::this_coro::executor, std::min(opts.interval, left));
        auto wait = pause.async_wait(asio::use_awaitable);
        co_await std::move(wait);
    }
}

std::shared_ptr<upload_source> open_source(const std::filesystem::path& path)
{
    auto src = std::make_shared<upload_source>();
    src->path = path;
    src->from_file = true;
    std::error_code ec;
    src->size = std::filesystem::file_size(path, ec);
    if (ec)
        reject_argument("cannot read '" + path.string() + "': " + ec.message());
    src->in.open(path, std::ios::binary);
    if (!src->in)
        reject_argument("cannot open '" + path.string() + "'");
    return src;
}

// An argument error found before the operation starts still completes through the handler.
asio::awaitable<file> rethrow_file(std::exception_ptr e)
{
    std::rethrow_exception(e);
    co_return file{};
}

} // namespace

void initiate_upload_file(const std::shared_ptr<client_impl>& impl, std::filesystem::path path, upload_options opts,
                          diagnostics* diag, file_handler handler)
{
    auto* out = diag ? diag : opts.request.diagnostics_out;
    std::shared_ptr<upload_source> src;
    try
    {
        src = open_source(path);
    }
    catch (...)
    {
        launch<file>(impl, "upload_file", {}, out, std::move(handler), rethrow_file(std::current_exception()));
        return;
    }
    launch<file>(impl, "upload_file", {}, out, std::move(handler), run_upload(impl, std::move(src), std::move(opts)));
}

void initiate_upload_bytes(const std::shared_ptr<client_impl>& impl, std::string bytes, upload_options opts,
                           diagnostics* diag, file_handler handler)
{
    auto* out = diag ? diag : opts.request.diagnostics_out;
    auto src = std::make_shared<upload_source>();
    src->size = bytes.size();
    src->bytes = std::move(bytes);
    launch<file>(impl, "upload_file", {}, out, std::move(handler), run_upload(impl, std::move(src), std::move(opts)));
}

void initiate_get_file(const std::shared_ptr<client_impl>& impl, std::string name, request_options opts,
                       diagnostics* diag, file_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    launch<file>(impl, "get_file", {}, out, std::move(handler), run_get_file(impl, std::move(name), std::move(opts)));
}

void initiate_delete_file(const std::shared_ptr<client_impl>& impl, std::string name, request_options opts,
                          diagnostics* diag, response_handler handler)
{
    auto* out = diag ? diag : opts.diagnostics_out;
    launch<response_info>(impl, "delete_file", {}, out, std::move(handler),
                          run_delete_file(impl, std::move(name), std::move(opts)));
}

void initiate_wait_file(const std::shared_ptr<client_impl>& impl, std::string name, wait_options opts,
                        diagnostics* diag, file_handler handler)
{
    auto* out = diag ? diag : opts.request.diagnostics_out;
    launch<file>(impl, "wait_until_active", {}, out, std::move(handler), run_wait(impl, std::move(name), std::move(opts)));
}

} // namespace detail

boost::asio::awaitable<file> upload_file(client& c, std::filesystem::path path, upload_options opts)
{
    return async_upload_file(c, std::move(path), std::move(opts), use_awaitable);
}

boost::asio::awaitable<file> upload_bytes(client& c, std::string bytes, upload_options opts)
{
    return async_upload_bytes(c, std::move(bytes), std::move(opts), use_awaitable);
}

boost::asio::awaitable<file> get_file(client& c, std::string name, request_options opts)
{
    return async_get_file(c, std::move(name), std::move(opts), use_awaitable);
}

boost::asio::awaitable<response_info> delete_file(client& c, std::string name, request_options opts)
{
    return async_delete_file(c, std::move(name), std::move(opts), use_awaitable);
}

boost::asio::awaitable<file> wait_until_active(client& c, std::string name, wait_options opts)
{
    return async_wait_until_active(c, std::move(name), std::move(opts), use_awaitable);
}

} // namespace gemini
