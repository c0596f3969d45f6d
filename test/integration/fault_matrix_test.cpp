// The fault matrix (docs/reliability.md): every operation against every fault the emulator can
// inject, each cell with its documented outcome (success after retries, a resumed stream, or a
// typed error), and for every cell: bounded time, no connection left behind in the client's
// pool or open on the emulator, for streams the same events as an unfaulted run, and for
// uploads a stored file of the input's size and SHA-256.
//
// The table is printed as Markdown: to the file named by GEMINI_FAULT_MATRIX_OUT, else as a
// Boost.Test message (--log_level=message).

#include "integration/fixture.hpp"
#include "integration/poll.hpp"

#include <gemini/files.hpp>
#include <gemini/media.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

#include <array>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

namespace asio = boost::asio;
using gemini::errc;
using gemini::test::emulator_fixture;
using gemini::test::text_request;

namespace {

// ---- the columns ---------------------------------------------------------------------------

enum class op
{
    create,
    stream,
    get,
    cancel,
    remove,
    upload,   // Files API resumable upload of upload_size bytes in upload_chunk chunks
};
constexpr std::size_t op_count = 6;
constexpr std::array<op, op_count> all_ops{op::create, op::stream, op::get, op::cancel, op::remove, op::upload};
constexpr std::array<const char*, op_count> op_names{"unary create", "stream create", "get",
                                                     "cancel",       "delete",        "upload"};

// Four chunk requests: 0, 64 Ki, 128 Ki (upload) and 192 Ki (upload, finalize). A rule with
// `skip=1` faults the second chunk, `skip=3` the finalize; `route=files` faults the start (and
// the queries, which is why chunk rules leave it alone).
constexpr std::size_t upload_size = 200000;
constexpr std::size_t upload_chunk = 64u << 10;

// The emulator's fault-rule route of each operation (a stream's resume GET is route `get`, so a
// `create` rule leaves it alone).
const char* route_of(op o)
{
    switch (o)
    {
    case op::create:
    case op::stream: return "create";
    case op::get: return "get";
    case op::cancel: return "cancel";
    case op::remove: return "delete";
    case op::upload: return "upload";
    }
    return "any";
}

// ---- the cells -----------------------------------------------------------------------------

enum class kind
{
    ok,        // the call succeeded (after `retries` retries)
    resumed,   // the stream was resumed at least once and delivered every event exactly once
    error,     // the call failed with `code`
    na,        // the fault does not apply to this operation
};

struct expected
{
    kind what = kind::na;
    errc code{};
    unsigned retries = 0;
    bool server_hint = false;   // the retry waited for the server's hint
};

expected ok(unsigned retries = 0) { return {kind::ok, {}, retries}; }
expected hinted() { return {kind::ok, {}, 1, true}; }
expected resumed() { return {kind::resumed}; }
expected fails(errc code, unsigned retries = 0) { return {kind::error, code, retries}; }
const expected na{};

struct cell
{
    std::string fault;   // fault items (without route); empty with a special row
    expected expect;
};

enum class special
{
    none,
    refused,   // nothing listens on the port
    tls,       // the server's certificate is not trusted
};

struct row
{
    std::string name;
    std::array<cell, op_count> cells;   // in all_ops order
    special how = special::none;
    bool short_deadlines = false;       // request timeout 200 ms, stream idle timeout 150 ms
};

// Everything but the stream and upload columns shares one fault.
std::array<cell, op_count> unary(std::string fault, expected create, cell stream, expected get, expected cancel,
                                 expected remove, cell upload)
{
    return {cell{fault, create}, stream, cell{fault, get}, cell{fault, cancel}, cell{fault, remove}, upload};
}
std::array<cell, op_count> same(std::string fault, expected e, cell upload)
{
    return unary(fault, e, cell{fault, e}, e, e, e, upload);
}

// The upload's own cells: a fault string starting with `route=` names its route (the start is
// `route=files`), otherwise it is a chunk rule (`route=upload`).
expected resumed_upload(unsigned retries = 1) { return {kind::resumed, {}, retries}; }
expected resumed_hinted() { return {kind::resumed, {}, 1, true}; }
cell middle_chunk(std::string fault, expected e) { return {"skip=1;" + fault, e}; }
cell finalize(std::string fault, expected e) { return {"skip=3;" + fault, e}; }

// An IMF-fixdate `seconds` from now, for Retry-After.
std::string http_date_in(int seconds)
{
    const std::time_t t = std::time(nullptr) + seconds;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

std::vector<row> fault_rows()
{
    const auto body_not_read = ok();   // delete does not read its (empty-object) body
    std::vector<row> rows;
    rows.push_back({"refused connection",
                    same("", fails(errc::connect_failed, 4), cell{"", fails(errc::connect_failed, 4)}),
                    special::refused});
    rows.push_back({"close before response (FIN)",
                    same("times=1;close", ok(1), cell{"route=files;times=1;close", ok(1)})});
    rows.push_back({"reset before response (RST)",
                    same("times=1;close;reset", ok(1),
                         middle_chunk("times=1;close;reset;upload-keep=20000", resumed_upload()))});
    rows.push_back({"truncated body (close mid-body)",
                    unary("times=1;truncate", fails(errc::connection_closed),
                          cell{"times=1;cut-after-bytes=700", resumed()}, fails(errc::connection_closed),
                          fails(errc::connection_closed), fails(errc::connection_closed),
                          finalize("times=1;truncate", resumed_upload()))});
    rows.push_back({"reset mid-body (RST)",
                    unary("times=1;truncate;reset", fails(errc::connection_closed),
                          cell{"times=1;cut-after-bytes=700;reset", resumed()}, fails(errc::connection_closed),
                          fails(errc::connection_closed), fails(errc::connection_closed),
                          finalize("times=1;truncate;reset", resumed_upload()))});
    rows.push_back({"reset mid-stream (RST after 4 events)",
                    unary("", na, cell{"times=1;cut-after-events=4;reset", resumed()}, na, na, na, cell{"", na})});
    rows.push_back({"stall past the timeout",
                    unary("times=1;delay-ms=1000", fails(errc::timeout), cell{"times=1;stall-ms=1000", resumed()},
                          fails(errc::timeout), fails(errc::timeout), fails(errc::timeout),
                          middle_chunk("times=1;delay-ms=1000", resumed_upload())),
                    special::none, true});
    rows.push_back({"429 Retry-After: 1 (seconds)",
                    same("times=1;status=429;retry-after=1", hinted(),
                         middle_chunk("times=1;status=429;retry-after=1", resumed_hinted()))});
    rows.push_back({"429 Retry-After: HTTP date",
                    same("times=1;status=429;retry-after=@date", hinted(),
                         middle_chunk("times=1;status=429;retry-after=@date", resumed_hinted()))});
    rows.push_back({"429 retry-after-ms: 20",
                    same("times=1;status=429;retry-after-ms=20", hinted(),
                         middle_chunk("times=1;status=429;retry-after-ms=20", resumed_hinted()))});
    rows.push_back({"429 RetryInfo.retryDelay 0.02s",
                    same("times=1;status=429;shape=rpc;retry-delay=0.02s", hinted(),
                         middle_chunk("times=1;status=429;shape=rpc;retry-delay=0.02s", resumed_hinted()))});
    rows.push_back({"500 x2 (within the budget)",
                    same("times=2;status=500", ok(2), middle_chunk("times=2;status=500", resumed_upload(2)))});
    rows.push_back({"503 x2 (within the budget)",
                    same("times=2;status=503", ok(2), middle_chunk("times=2;status=503", resumed_upload(2)))});
    // An upload tries each chunk max_chunk_attempts (4) times: three resumes, then the error.
    rows.push_back({"500 x10 (beyond the budget)",
                    same("times=10;status=500", fails(errc::server_error, 4),
                         middle_chunk("times=10;status=500", fails(errc::server_error, 3)))});
    rows.push_back({"503 x10 (beyond the budget)",
                    same("times=10;status=503", fails(errc::server_error, 4),
                         middle_chunk("times=10;status=503", fails(errc::server_error, 3)))});
    rows.push_back({"malformed JSON",
                    unary("times=1;malformed", fails(errc::malformed_response),
                          cell{"times=1;malformed", fails(errc::malformed_response)}, fails(errc::malformed_response),
                          fails(errc::malformed_response), body_not_read,
                          finalize("times=1;malformed", fails(errc::malformed_response)))});
    rows.push_back({"wrong content type (text/html)",
                    unary("times=1;content-type=text/html", fails(errc::malformed_response),
                          cell{"times=1;content-type=text/html", fails(errc::malformed_response)},
                          fails(errc::malformed_response), fails(errc::malformed_response), body_not_read,
                          finalize("times=1;content-type=text/html", fails(errc::malformed_response)))});
    rows.push_back({"oversized body / event (100 kB padding)",
                    same("times=1;pad=100000", fails(errc::response_too_large),
                         finalize("times=1;pad=100000", fails(errc::response_too_large)))});
    rows.push_back({"invalid UTF-8 in a JSON string",
                    unary("times=1;bad-utf8", fails(errc::malformed_response),
                          cell{"times=1;bad-utf8", fails(errc::malformed_response)}, fails(errc::malformed_response),
                          fails(errc::malformed_response), body_not_read,
                          finalize("times=1;bad-utf8", fails(errc::malformed_response)))});
    rows.push_back({"TLS handshake failure (untrusted certificate)",
                    same("", fails(errc::tls_failed), cell{"", fails(errc::tls_failed)}), special::tls});
    return rows;
}

// ---- running one cell ----------------------------------------------------------------------

struct observed
{
    gemini::error_code ec;
    std::string text;                      // output text (create, stream, get)
    std::vector<std::string> events;       // stream: event_type[:text] per event
    std::size_t resumes = 0;
    std::string status;                    // cancel: the interaction's status
    gemini::file uploaded;                 // upload: the final answer's file
    bool hung = false;
};

// The payload every upload cell sends: pseudo-random bytes, so that a resumed upload that
// skipped or repeated a range cannot have the same hash.
const std::string& upload_payload()
{
    static const std::string bytes = [] {
        std::string b(upload_size, '\0');
        std::uint32_t x = 2463534242u;
        for (auto& c : b)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            c = static_cast<char>(x & 0xff);
        }
        return b;
    }();
    return bytes;
}

std::string sha256_base64(const std::string& data)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    return gemini::base64_encode(std::span(reinterpret_cast<const std::byte*>(digest), len));
}

std::string signature(const gemini::event& e)
{
    std::string s(e.event_type());
    if (const auto* t = e.get_if<gemini::text_delta_event>())
        s += ":" + t->text;
    return s;
}

asio::awaitable<observed> run_op(gemini::client* c, op o, std::string id)
{
    observed out;
    switch (o)
    {
    case op::create:
    {
        auto call = c->async_create(text_request("explain the fault matrix"), {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, answer] = co_await std::move(call);
        out.ec = ec;
        out.text = answer.output_text();
        break;
    }
    case op::stream:
    {
        auto open = c->async_stream(text_request("explain the fault matrix"), {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, s] = co_await std::move(open);
        out.ec = ec;
        while (!out.ec)
        {
            auto pull = s.async_next(asio::as_tuple(asio::use_awaitable));
            auto [nec, e] = co_await std::move(pull);
            out.ec = nec;
            if (nec || !e)
                break;
            out.events.push_back(signature(*e));
            if (const auto* t = e->get_if<gemini::text_delta_event>())
                out.text += t->text;
        }
        if (s)
            out.resumes = s.resumes();
        break;
    }
    case op::get:
    {
        auto call = c->async_get(id, {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, answer] = co_await std::move(call);
        out.ec = ec;
        out.text = answer.output_text();
        break;
    }
    case op::cancel:
    {
        auto call = c->async_cancel(id, {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, answer] = co_await std::move(call);
        out.ec = ec;
        out.status = answer.status.str();
        break;
    }
    case op::remove:
    {
        auto call = c->async_remove(id, {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, info] = co_await std::move(call);
        out.ec = ec;
        break;
    }
    case op::upload:
    {
        gemini::upload_options o;
        o.mime_type = "application/octet-stream";
        o.display_name = "fault matrix";
        o.chunk_size = upload_chunk;
        auto call = gemini::async_upload_bytes(*c, upload_payload(), o, asio::as_tuple(asio::use_awaitable));
        auto [ec, f] = co_await std::move(call);
        out.ec = ec;
        out.uploaded = std::move(f);
        break;
    }
    }
    co_return out;
}

// The operation raced against a deadline: a cell that does not finish in time is a hang.
asio::awaitable<void> bounded(gemini::client* c, op o, std::string id, observed* out)
{
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer limit(co_await asio::this_coro::executor, std::chrono::seconds(15));
    auto body = run_op(c, o, std::move(id));
    auto timeout = limit.async_wait(asio::use_awaitable);
    auto race = std::move(body) || std::move(timeout);
    auto winner = co_await std::move(race);
    if (winner.index() == 0)
        *out = std::get<0>(std::move(winner));
    else
        out->hung = true;
}

struct counts
{
    unsigned attempts = 0;
    unsigned retries = 0;
    bool hint = true;   // every retry waited for a server hint
    std::string last_path;         // of the latest attempt the trace hook saw
    unsigned upload_resumes = 0;   // retries after a failed request on the upload session
};

// The errc's name, shorter than its message in a table cell.
std::string name_of(const gemini::error_code& ec)
{
    if (ec.category() != gemini::error_category())
        return ec.message();
    switch (static_cast<errc>(ec.value()))
    {
    case errc::connect_failed: return "connect_failed";
    case errc::connection_closed: return "connection_closed";
    case errc::timeout: return "timeout";
    case errc::server_error: return "server_error";
    case errc::malformed_response: return "malformed_response";
    case errc::response_too_large: return "response_too_large";
    case errc::tls_failed: return "tls_failed";
    case errc::rate_limited: return "rate_limited";
    default: return ec.message();
    }
}

std::string describe(const expected& e)
{
    switch (e.what)
    {
    case kind::ok: return "ok";
    case kind::resumed: return "resumed";
    case kind::error: return name_of(gemini::make_error_code(e.code));
    case kind::na: return "n/a";
    }
    return "?";
}

struct matrix_fixture : emulator_fixture
{
    static gemini::emulator::options emulator_options()
    {
        gemini::emulator::options o;
        o.default_output_words = 40;   // ~15 text deltas: room for faults mid-stream
        return o;
    }

    matrix_fixture() : emulator_fixture(emulator_options()), setup(make_client()) {}

    // The settings of a cell's client: millisecond backoff (fixture), small limits.
    gemini::client_options cell_settings(const row& r)
    {
        auto o = client_settings();
        o.max_response_bytes = 64u << 10;
        o.streaming.max_event_bytes = 16u << 10;
        o.streaming.resume_backoff = std::chrono::milliseconds(1);
        o.timeout.request = std::chrono::seconds(5);
        if (r.short_deadlines)
        {
            o.timeout.request = std::chrono::milliseconds(200);
            o.streaming.idle_timeout = std::chrono::milliseconds(150);
        }
        if (r.how == special::refused)
            o.base_url = "https://127.0.0.1:" + std::to_string(dead_port);
        if (r.how == special::tls)
            o.ca_pem.clear();
        return o;
    }

    // An interaction for get / cancel / delete, made before the fault rule exists.
    std::string prepare(op o)
    {
        if (o == op::create || o == op::stream)
            return {};
        std::string id;
        run([&]() -> asio::awaitable<void> {
            auto req = text_request("explain the fault matrix");
            if (o == op::cancel)
                req.background = true;   // only a running background interaction can be cancelled
            auto call = setup.create(req);
            auto made = co_await std::move(call);
            id = made.id;
        }());
        return id;
    }

    // The unfaulted answers every cell is compared with (the emulator's model is deterministic).
    void take_references()
    {
        row plain{"reference", {}};
        auto c = make_client(cell_settings(plain));
        observed unary, streamed;
        run([&]() -> asio::awaitable<void> {
            auto a = run_op(&c, op::create, {});
            unary = co_await std::move(a);
            auto b = run_op(&c, op::stream, {});
            streamed = co_await std::move(b);
        }());
        BOOST_REQUIRE(!unary.ec);
        BOOST_REQUIRE(!streamed.ec);
        BOOST_REQUIRE(!unary.text.empty());
        BOOST_REQUIRE_EQUAL(streamed.text, unary.text);
        reference_text = unary.text;
        reference_events = streamed.events;
    }

    // Runs one cell and checks everything; returns the table entry.
    std::string run_cell(const row& r, op o, const cell& spec)
    {
        if (spec.expect.what == kind::na)
            return "n/a";
        const std::string context = r.name + " / " + op_names[static_cast<std::size_t>(o)];
        BOOST_TEST_CONTEXT(context)
        {
            const std::string id = prepare(o);
            auto settings = cell_settings(r);
            auto n = std::make_shared<counts>();
            settings.trace = [n](const gemini::trace_event& e) {
                ++n->attempts;
                n->last_path = e.path;
            };
            settings.retry.on_retry = [n](const gemini::retry_event& e) {
                ++n->retries;
                n->hint = n->hint && e.server_hint;
                // The hooks run in order on the operation's strand: the attempt just traced is
                // the one that failed. A failure on the session URL is resumed from the
                // server's offset (start retries are plain retries).
                if (n->last_path.find("upload_id=") != std::string::npos)
                    ++n->upload_resumes;
            };
            std::string fault = spec.fault;
            if (auto at = fault.find("@date"); at != std::string::npos)
                fault.replace(at, 5, http_date_in(2));
            if (r.how == special::none)
                server.add_fault_rule(fault.starts_with("route=") ? fault
                                                                 : std::string("route=") + route_of(o) + ";" + fault);

            observed got;
            auto c = make_client(settings);
            const auto start = std::chrono::steady_clock::now();
            run(bounded(&c, o, id, &got));
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            server.clear_fault_rules();
            if (o == op::upload)
                got.resumes = n->upload_resumes;

            BOOST_TEST(!got.hung, "the operation did not finish within 15 s");
            const auto& want = spec.expect;
            switch (want.what)
            {
            case kind::ok:
            case kind::resumed:
                BOOST_TEST(!got.ec, got.ec.message());
                if (want.what == kind::resumed)
                    BOOST_TEST(got.resumes >= 1u);
                else
                    BOOST_TEST(got.resumes == 0u);
                if (o == op::stream)
                    BOOST_TEST((got.events == reference_events), "events lost or repeated");
                if (o == op::create || o == op::stream || o == op::get)
                    BOOST_TEST(got.text == reference_text);
                if (o == op::cancel)
                    BOOST_TEST(got.status == "cancelled");
                if (o == op::upload)
                    check_upload(got.uploaded);
                break;
            case kind::error:
                BOOST_TEST(got.ec == want.code, got.ec.message() << " instead of " << describe(want));
                break;
            case kind::na: break;
            }
            BOOST_TEST(n->retries == want.retries);
            if (want.server_hint)
                BOOST_TEST(n->hint);

            // No leak: the pool is idle, and the emulator ends up with exactly the connections
            // the two clients keep (a connection the client closed is seen closed by the server
            // once its delayed answer runs into the closed socket).
            const auto pool = c.pool_statistics();
            BOOST_TEST(pool.in_use == 0u);
            BOOST_TEST(pool.waiting == 0u);
            BOOST_TEST(pool.open == pool.idle);
            bool consistent = false;
            run([&]() -> asio::awaitable<void> {
                auto settle = gemini::test::eventually([&] {
                    return server.stats().connections_open ==
                           c.pool_statistics().open + setup.pool_statistics().open;
                });
                consistent = co_await std::move(settle);
            }());
            BOOST_TEST(consistent, "emulator connections " << server.stats().connections_open << ", pooled "
                                                           << c.pool_statistics().open << " + "
                                                           << setup.pool_statistics().open);

            std::ostringstream entry;
            entry << (got.hung ? std::string("HANG") : got.ec ? "`" + name_of(got.ec) + "`"
                                                   : got.resumes ? std::string("resumed")
                                                                 : std::string("ok"))
                  << " " << n->attempts << "/" << n->retries << "/" << got.resumes << " (" << ms.count() << " ms)";
            return entry.str();
        }
        return "?";
    }

    // The upload's answer, and the file the emulator stored (read back unfaulted), hold exactly
    // the payload: its size and SHA-256.
    void check_upload(const gemini::file& answered)
    {
        const auto want_sha = sha256_base64(upload_payload());
        BOOST_TEST(answered.size_bytes.value_or(-1) == static_cast<std::int64_t>(upload_size));
        BOOST_TEST(answered.sha256_hash == want_sha);
        gemini::file stored;
        gemini::error_code ec;
        run([&]() -> asio::awaitable<void> {
            auto get = gemini::async_get_file(setup, answered.name, {}, asio::as_tuple(asio::use_awaitable));
            auto [get_ec, got] = co_await std::move(get);
            ec = get_ec;
            stored = std::move(got);
        }());
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(stored.size_bytes.value_or(-1) == static_cast<std::int64_t>(upload_size));
        BOOST_TEST(stored.sha256_hash == want_sha);
    }

    gemini::client setup;
    std::uint16_t dead_port = [] {
        gemini::emulator::server gone;
        return gone.port();
    }();
    std::string reference_text;
    std::vector<std::string> reference_events;
};

void publish(const std::string& table)
{
    if (const char* path = std::getenv("GEMINI_FAULT_MATRIX_OUT"); path && *path)
    {
        std::ofstream(path) << table;
        return;
    }
    BOOST_TEST_MESSAGE("\n" << table);
}

} // namespace

BOOST_AUTO_TEST_SUITE(fault_matrix)

BOOST_FIXTURE_TEST_CASE(every_operation_against_every_fault, matrix_fixture)
{
    take_references();
    const auto start = std::chrono::steady_clock::now();
    std::ostringstream table;
    table << "| fault |";
    for (const char* name : op_names)
        table << " " << name << " |";
    table << "\n|---|";
    for (std::size_t i = 0; i < op_count; ++i)
        table << "---|";
    table << "\n";
    std::size_t cells = 0;
    for (const auto& r : fault_rows())
    {
        table << "| " << r.name << " |";
        for (std::size_t i = 0; i < op_count; ++i)
        {
            const auto& spec = r.cells[i];
            const std::string entry = run_cell(r, all_ops[i], spec);
            if (spec.expect.what != kind::na)
                ++cells;
            table << " " << entry << " |";
        }
        table << "\n";
    }
    const auto total = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    table << "\nEach cell: outcome, then attempts/retries/resumes (HTTP attempts seen by the trace hook, "
             "retries reported to on_retry, stream resumes or upload resumes from the server's offset) and the cell's "
             "wall time. "
          << cells << " cells in " << total.count() << " ms.\n";
    publish(table.str());
    BOOST_TEST(server.stats().faults_injected > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
