// The Files API end to end: resumable chunked upload of a 50 MB file that survives an injected
// chunk failure, files as content uris, wait_until_active with its deadline, get and delete.

#include "integration/fixture.hpp"
#include "integration/process.hpp"

#include "emulator/media.hpp"

#include <gemini/files.hpp>
#include <gemini/media.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gemini::test::emulator_fixture;
using gemini::test::temp_dir;

namespace {

// Writes `size` pseudo-random bytes behind an MP4 `ftyp` box, 1 MiB at a time, and returns the
// base64 SHA-256 of the whole file (computed while writing, never holding the file).
std::string write_video(const fs::path& path, std::size_t size)
{
    std::ofstream out(path, std::ios::binary);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr);
    std::mt19937_64 gen(2026);
    std::string block(1u << 20, '\0');
    for (std::size_t done = 0; done < size;)
    {
        for (std::size_t i = 0; i < block.size(); i += 8)
        {
            const auto v = gen();
            std::memcpy(block.data() + i, &v, 8);
        }
        if (done == 0)
            block.replace(0, 16, std::string("\0\0\0\x18" "ftypmp42\0\0\0\0", 16));
        const std::size_t n = std::min(block.size(), size - done);
        out.write(block.data(), static_cast<std::streamsize>(n));
        EVP_DigestUpdate(sha.get(), block.data(), n);
        done += n;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(sha.get(), digest, &len);
    return gemini::base64_encode(std::span(reinterpret_cast<const std::byte*>(digest), len));
}

bool has_code(const gemini::error& e, gemini::errc code) { return e.code() == code; }

} // namespace

BOOST_AUTO_TEST_SUITE(files_api)

BOOST_AUTO_TEST_CASE(fifty_megabytes_in_chunks_survive_a_failed_chunk)
{
    temp_dir dir;
    constexpr std::size_t size = 50u << 20, chunk = 4u << 20;
    const auto path = dir.path / "clip.mp4";
    const auto sha = write_video(path, size);

    emulator_fixture fx;
    // The fourth chunk fails with 503 after 100000 of its bytes reached the server: the client
    // must ask for the offset and continue from there (its own offset would be refused).
    constexpr std::size_t kept = 100000;
    fx.server.add_fault_rule("route=upload;skip=3;times=1;status=503;upload-keep=" + std::to_string(kept));
    auto settings = fx.client_settings();
    std::mutex mu;
    std::vector<gemini::trace_event> seen;
    settings.trace = [&](const gemini::trace_event& e) {
        std::lock_guard lock(mu);
        seen.push_back(e);
    };
    auto c = fx.make_client(settings);
    fx.run([&]() -> asio::awaitable<void> {
        gemini::upload_options o;
        o.chunk_size = chunk;
        o.display_name = "fifty megabytes";
        auto up = gemini::upload_file(c, path, o);
        gemini::file f = co_await std::move(up);
        BOOST_TEST(f.size_bytes.value_or(0) == static_cast<std::int64_t>(size));
        BOOST_TEST(f.mime_type == "video/mp4");   // from the ftyp box
        BOOST_TEST(f.sha256_hash == sha);          // the server hashed exactly the file's bytes
        BOOST_TEST(f.display_name == "fifty megabytes");
        BOOST_TEST(f.name.starts_with("files/"));

        std::vector<gemini::trace_event> upload;
        {
            std::lock_guard lock(mu);
            upload = seen;
        }
        // start + 3 chunks + the failed one + query + the chunks after the reported offset.
        const std::size_t resumed_at = 3 * chunk + kept;
        const std::size_t after = (size - resumed_at + chunk - 1) / chunk;
        BOOST_TEST(upload.size() == 1 + 3 + 1 + 1 + after);
        std::size_t failed = 0;
        for (const auto& e : upload)
        {
            BOOST_TEST(e.operation == "upload_file");
            failed += e.status == 503;
        }
        BOOST_TEST(failed == 1u);
        BOOST_TEST(upload.front().path == "/upload/v1beta/files");
        BOOST_TEST(upload.back().path.find("upload_id=") != std::string::npos);
        BOOST_TEST(fx.server.stats().faults_injected == 1u);

        auto ready_op = gemini::wait_until_active(c, f, {.interval = 10ms, .timeout = 10s});
        f = co_await std::move(ready_op);
        BOOST_TEST(f.is_active());

        gemini::request req{.model = "gemini-3.5-flash",
                            .input = std::vector<gemini::content>{gemini::content::text("Summarise this clip."), f.as_content()}};
        auto create = c.create(req);
        auto answer = co_await std::move(create);
        BOOST_TEST(answer.output_text().find("Video 1: video/mp4, 52428800 bytes.") != std::string::npos,
                   answer.output_text());
    }());
}

BOOST_AUTO_TEST_CASE(wait_until_active_honours_its_deadline_then_sees_active)
{
    gemini::emulator::options o;
    o.file_processing_duration = 10s;   // virtual: only advance() makes the file ACTIVE
    emulator_fixture fx(o);
    auto settings = fx.client_settings();
    std::atomic<int> polls{0};
    std::atomic<bool> advance_on_poll{false};
    settings.trace = [&](const gemini::trace_event& e) {
        if (e.operation != "get_file")
            return;
        ++polls;
        if (advance_on_poll.exchange(false))
            fx.server.advance(10s);   // after this poll was answered: the next one sees ACTIVE
    };
    auto c = fx.make_client(settings);
    fx.run([&]() -> asio::awaitable<void> {
        const auto png = gemini::emulator::detail::make_png(640, 480, 3);
        auto up = gemini::upload_bytes(c, png, {.chunk_size = 1000});   // type from the magic bytes
        gemini::file f = co_await std::move(up);
        BOOST_TEST(f.mime_type == "image/png");
        BOOST_TEST(f.state == "PROCESSING");

        const auto start = std::chrono::steady_clock::now();
        try
        {
            auto w = gemini::wait_until_active(c, f.name, {.interval = 25ms, .timeout = 300ms});
            co_await std::move(w);
            BOOST_FAIL("wait_until_active returned before the file was ACTIVE");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::timeout);
            BOOST_TEST(e.diag().operation == "wait_until_active");
            BOOST_TEST(e.diag().library_message.find("PROCESSING") != std::string::npos);
        }
        const auto waited = std::chrono::steady_clock::now() - start;
        BOOST_TEST(waited >= 300ms);
        BOOST_TEST(waited < 5s);
        BOOST_TEST(polls.load() >= 2);

        // A PROCESSING file cannot be used yet.
        gemini::request req{.model = "gemini-3.5-flash",
                            .input = std::vector<gemini::content>{gemini::content::text("Describe."), f.as_content()}};
        try
        {
            auto early = c.create(req);
            co_await std::move(early);
            BOOST_FAIL("a PROCESSING file was accepted");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::bad_request);
            BOOST_TEST(e.api_code() == "failed_precondition");
        }

        polls = 0;
        advance_on_poll = true;
        auto w = gemini::wait_until_active(c, f.uri, {.interval = 10ms, .timeout = 10s});   // by uri
        auto active = co_await std::move(w);
        BOOST_TEST(active.is_active());
        BOOST_TEST(polls.load() == 2);

        auto create = c.create(req);
        auto answer = co_await std::move(create);
        BOOST_TEST(answer.output_text().find("Image 1: image/png, 640x480.") != std::string::npos, answer.output_text());

        // get / delete, and the completion-token form.
        auto got_op = gemini::get_file(c, f.name);
        auto got = co_await std::move(got_op);
        BOOST_TEST(got.sha256_hash == f.sha256_hash);
        auto del = gemini::delete_file(c, f.name);
        auto info = co_await std::move(del);
        BOOST_TEST(info.status == 200u);
        auto again = gemini::async_get_file(c, f.name, {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, gone] = co_await std::move(again);
        BOOST_TEST(ec == gemini::errc::not_found);
        BOOST_TEST(gone.name.empty());
    }());
}

BOOST_AUTO_TEST_CASE(a_connection_lost_mid_chunk_resumes_from_the_servers_offset)
{
    // The second chunk's connection drops after 5 of its bytes arrived. Whatever the client tries
    // first (a transparent resend on a fresh connection gets 400 for its stale offset), it must
    // end up asking the session and continuing from byte 4096 + 5.
    emulator_fixture fx;
    fx.server.add_fault_rule("route=upload;skip=1;times=1;close;upload-keep=5");
    auto c = fx.make_client();
    fx.run([&]() -> asio::awaitable<void> {
        std::string data(3 * 4096 + 17, '\0');
        std::mt19937 gen(5);
        for (auto& ch : data)
            ch = static_cast<char>(gen() & 0xff);
        gemini::upload_options o;
        o.mime_type = "application/octet-stream";
        o.chunk_size = 4096;
        auto up = gemini::upload_bytes(c, data, o);
        gemini::file f = co_await std::move(up);
        BOOST_TEST(f.size_bytes.value_or(0) == static_cast<std::int64_t>(data.size()));
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
        BOOST_TEST(f.sha256_hash == gemini::base64_encode(std::span(reinterpret_cast<const std::byte*>(digest), len)));
        BOOST_TEST(fx.server.stats().faults_injected == 1u);
    }());
}

BOOST_AUTO_TEST_CASE(an_upload_is_cancelled_through_the_callers_slot)
{
    emulator_fixture fx;
    auto settings = fx.client_settings();
    asio::cancellation_signal cancel;
    int chunks = 0;
    settings.trace = [&](const gemini::trace_event& e) {
        if (e.path.find("upload_id=") != std::string::npos && ++chunks == 2)
            cancel.emit(asio::cancellation_type::terminal);
    };
    auto c = fx.make_client(settings);
    fx.run([&]() -> asio::awaitable<void> {
        gemini::upload_options o;
        o.mime_type = "text/plain";
        o.chunk_size = 1000;
        auto op = gemini::async_upload_bytes(c, std::string(100000, 'x'), o,
                                             asio::bind_cancellation_slot(cancel.slot(), asio::as_tuple(asio::use_awaitable)));
        auto [ec, f] = co_await std::move(op);
        BOOST_TEST(ec == asio::error::operation_aborted);
        BOOST_TEST(f.name.empty());
        BOOST_TEST(chunks < 100);   // it stopped long before the last chunk
    }());
}

BOOST_AUTO_TEST_CASE(a_retry_hint_beyond_the_call_deadline_is_not_waited_out)
{
    // Retry-After: a day, on a chunk: the upload slept it (three times) before.
    emulator_fixture fx;
    fx.server.add_fault_rule("route=upload;times=1;status=503;retry-after=86400");
    auto c = fx.make_client();
    fx.run([&]() -> asio::awaitable<void> {
        gemini::upload_options o;
        o.mime_type = "text/plain";
        o.chunk_size = 4;
        auto op = gemini::async_upload_bytes(c, "some text", o, asio::as_tuple(asio::use_awaitable));
        auto [ec, f] = co_await std::move(op);
        BOOST_TEST(ec == gemini::errc::server_error);
        BOOST_TEST(fx.server.stats().faults_injected == 1u);
    }());
}

BOOST_AUTO_TEST_CASE(an_upload_gives_up_after_its_attempts)
{
    emulator_fixture fx;
    fx.server.add_fault_rule("route=upload;status=503");
    auto c = fx.make_client();
    fx.run([&]() -> asio::awaitable<void> {
        gemini::upload_options o;
        o.mime_type = "text/plain";
        o.chunk_size = 4;
        o.max_chunk_attempts = 3;
        auto op = gemini::async_upload_bytes(c, "some text", o, asio::as_tuple(asio::use_awaitable));
        auto [ec, f] = co_await std::move(op);
        BOOST_TEST(ec == gemini::errc::server_error);
        BOOST_TEST(fx.server.stats().faults_injected == 3u);

        // An unknown type with no MIME type is refused before anything is sent.
        bool refused = false;
        try
        {
            auto unknown = gemini::upload_bytes(c, "no magic here");
            co_await std::move(unknown);
        }
        catch (const gemini::error& e)
        {
            refused = has_code(e, gemini::errc::invalid_argument);
        }
        BOOST_TEST(refused);
        BOOST_TEST(fx.server.stats().faults_injected == 3u);
    }());
}

BOOST_AUTO_TEST_SUITE_END()
