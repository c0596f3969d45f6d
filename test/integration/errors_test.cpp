// Every documented API error surfaces as a typed gemini::error with its fields; malformed
// answers and credentials problems are reported clearly; the API key never leaks.

#include "integration/fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <limits>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;

namespace {

struct outcome
{
    gemini::error_code ec;
    gemini::diagnostics diag;
    std::string what;
};

// One create with a fault header, its failure captured.
outcome create_with_fault(emulator_fixture& f, gemini::client& c, std::string fault)
{
    outcome out;
    f.run([&]() -> asio::awaitable<void> {
        gemini::request_options opts;
        opts.headers = {{"x-emulator-fault", fault}};
        opts.retry = gemini::retry_policy::none();   // the first answer, as it came
        auto op = c.create({.model = "gemini-3.5-flash", .input = "hi"}, opts);
        try
        {
            co_await std::move(op);
        }
        catch (const gemini::error& e)
        {
            out.ec = e.code();
            out.diag = e.diag();
            out.what = e.what();
        }
    }());
    return out;
}

struct documented_error
{
    unsigned status;
    const char* code;
    gemini::errc expected;
};

const documented_error documented_errors[] = {
    {400, "invalid_request", gemini::errc::bad_request},
    {400, "failed_precondition", gemini::errc::bad_request},
    {400, "parameter_unknown", gemini::errc::bad_request},
    {416, "out_of_range", gemini::errc::api_error},
    {401, "authentication", gemini::errc::unauthenticated},
    {402, "payment_required", gemini::errc::payment_required},
    {403, "permission_denied", gemini::errc::permission_denied},
    {404, "not_found", gemini::errc::not_found},
    {404, "model_not_found", gemini::errc::not_found},
    {409, "already_exists", gemini::errc::conflict},
    {409, "aborted", gemini::errc::conflict},
    {429, "rate_limit_exceeded", gemini::errc::rate_limited},
    {429, "quota_exceeded", gemini::errc::rate_limited},
    {429, "too_many_requests", gemini::errc::rate_limited},
    {499, "cancelled", gemini::errc::api_error},
    {500, "api_error", gemini::errc::server_error},
    {503, "service_unavailable", gemini::errc::server_error},
    {504, "deadline_exceeded", gemini::errc::server_error},
    {400, "safety", gemini::errc::bad_request},
    {400, "prohibited_content", gemini::errc::bad_request},
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(api_errors, emulator_fixture)

BOOST_AUTO_TEST_CASE(each_documented_code_surfaces_with_its_fields)
{
    auto c = make_client();
    for (const auto& e : documented_errors)
    {
        BOOST_TEST_CONTEXT(e.status << " " << e.code)
        {
            auto out = create_with_fault(*this, c,
                                         "status=" + std::to_string(e.status) + ";code=" + e.code + ";message=boom " + e.code);
            BOOST_TEST(out.ec == e.expected);
            BOOST_TEST(out.diag.http_status == e.status);
            BOOST_TEST(out.diag.api_code == e.code);
            BOOST_TEST(out.diag.api_message == std::string("boom ") + e.code);
            BOOST_TEST(out.diag.operation == "create");
            BOOST_TEST(!gemini::is_transport_error(out.ec));
            BOOST_TEST(out.what.find(e.code) != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(rpc_shape_with_integer_code_and_retry_info)
{
    auto c = make_client();
    auto out = create_with_fault(*this, c, "status=429;shape=rpc;retry-delay=42s");
    BOOST_TEST(out.ec == gemini::errc::rate_limited);
    BOOST_TEST(out.diag.http_status == 429u);
    BOOST_REQUIRE(out.diag.rpc_code.has_value());
    BOOST_TEST(*out.diag.rpc_code == 429);
    BOOST_TEST(out.diag.api_status == "RESOURCE_EXHAUSTED");
    BOOST_TEST(out.diag.details.is_array());
    BOOST_REQUIRE(out.diag.retry_after.has_value());
    BOOST_TEST(out.diag.retry_after->count() == 42000);
}

BOOST_AUTO_TEST_CASE(retry_after_headers_are_read)
{
    auto c = make_client();
    auto seconds = create_with_fault(*this, c, "status=503;retry-after=3");
    BOOST_REQUIRE(seconds.diag.retry_after.has_value());
    BOOST_TEST(seconds.diag.retry_after->count() == 3000);
    auto millis = create_with_fault(*this, c, "status=429;retry-after-ms=1500");
    BOOST_REQUIRE(millis.diag.retry_after.has_value());
    BOOST_TEST(millis.diag.retry_after->count() == 1500);
}

BOOST_AUTO_TEST_CASE(malformed_and_truncated_answers_are_reported)
{
    auto c = make_client();
    auto malformed = create_with_fault(*this, c, "malformed");
    BOOST_TEST(malformed.ec == gemini::errc::malformed_response);
    BOOST_TEST(malformed.diag.http_status == 200u);

    auto wrong_type = create_with_fault(*this, c, "content-type=text/html");
    BOOST_TEST(wrong_type.ec == gemini::errc::malformed_response);

    auto truncated = create_with_fault(*this, c, "truncate=10");
    BOOST_TEST(truncated.ec == gemini::errc::connection_closed);
    BOOST_TEST(gemini::is_transport_error(truncated.ec));

    auto closed = create_with_fault(*this, c, "close");
    BOOST_TEST(gemini::is_transport_error(closed.ec));

    // None of these failures broke the client or leaked a connection.
    run([&]() -> asio::awaitable<void> {
        auto op = c.create({.model = "gemini-3.5-flash", .input = "still fine"});
        auto ok = co_await std::move(op);
        BOOST_TEST(!ok.output_text().empty());
    }());
    BOOST_TEST(c.pool_statistics().in_use == 0u);
}

BOOST_AUTO_TEST_CASE(unknown_route_gives_front_end_rpc_error)
{
    auto settings = client_settings();
    settings.api_version = "v0";
    auto c = make_client(settings);
    auto out = create_with_fault(*this, c, "");
    BOOST_TEST(out.ec == gemini::errc::not_found);
    BOOST_TEST(out.diag.api_status == "NOT_FOUND");
    BOOST_TEST(out.diag.rpc_code.value_or(0) == 404);
}

BOOST_AUTO_TEST_CASE(caller_argument_errors_are_local_and_clear)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto both = c.async_create({.model = "m", .agent = "a", .input = "x"}, {}, asio::as_tuple(asio::use_awaitable));
        auto [ec1, r1] = co_await std::move(both);
        BOOST_TEST(ec1 == gemini::errc::invalid_argument);
        auto neither = c.async_create({.input = "x"}, {}, asio::as_tuple(asio::use_awaitable));
        auto [ec2, r2] = co_await std::move(neither);
        BOOST_TEST(ec2 == gemini::errc::invalid_argument);
        auto empty_id = c.async_get("", {}, asio::as_tuple(asio::use_awaitable));
        auto [ec3, r3] = co_await std::move(empty_id);
        BOOST_TEST(ec3 == gemini::errc::invalid_argument);
        gemini::request_options infinite;
        infinite.extra_body["seed_scale"] = std::numeric_limits<double>::infinity();
        auto unwritable = c.async_create({.model = "m", .input = "x"}, infinite, asio::as_tuple(asio::use_awaitable));
        auto [ec4, r4] = co_await std::move(unwritable);
        BOOST_TEST(ec4 == gemini::errc::invalid_argument);
    }());
    BOOST_TEST(server.stats().api_requests == 0u);
}

BOOST_AUTO_TEST_CASE(a_zero_deadline_is_refused_when_the_client_is_built)
{
    // Zero "disables" a pool limit; as a deadline it failed every call at once (or, for the
    // stream idle timeout, every stream after its resumes), far from where it was set.
    const std::vector<std::pair<std::string, void (*)(gemini::client_options&)>> zeros = {
        {"timeout.connect", [](gemini::client_options& o) { o.timeout.connect = {}; }},
        {"timeout.request", [](gemini::client_options& o) { o.timeout.request = {}; }},
        {"streaming.idle_timeout", [](gemini::client_options& o) { o.streaming.idle_timeout = {}; }},
    };
    for (const auto& [name, zero] : zeros)
    {
        auto settings = client_settings();
        zero(settings);
        std::string message;
        try
        {
            gemini::client refused(ioc.get_executor(), settings);
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::invalid_argument);
            message = e.diag().library_message;
        }
        BOOST_TEST(message.find(name) != std::string::npos, name << ": " << message);
    }
    // A zero tls_handshake is not one of them: the handshake shares the connect's time.
    auto shared = client_settings();
    shared.timeout.tls_handshake = {};
    gemini::client accepted(ioc.get_executor(), shared);
    run([&]() -> asio::awaitable<void> {
        auto op = accepted.create(gemini::test::text_request("handshake within connect"));
        co_await std::move(op);
    }());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(secrets)

BOOST_AUTO_TEST_CASE(api_key_never_appears_in_errors)
{
    gemini::emulator::options opts;
    opts.api_key = "the-only-accepted-key";
    emulator_fixture f(opts);
    auto c = f.make_client();   // sends test_api_key, which this emulator refuses
    std::vector<std::string> texts;
    for (const char* fault : {"", "status=500", "close", "malformed", "delay-ms=2000"})
    {
        gemini::request_options ro;
        if (*fault)
            ro.headers = {{"x-emulator-fault", fault}};
        ro.timeout = std::chrono::milliseconds(300);
        f.run([&]() -> asio::awaitable<void> {
            auto op = c.create({.model = "gemini-3.5-flash", .input = "hi"}, ro);
            try
            {
                co_await std::move(op);
            }
            catch (const gemini::error& e)
            {
                texts.push_back(e.what());
                texts.push_back(e.diag().to_string());
                texts.push_back(e.diag().api_message);
                texts.push_back(e.diag().library_message);
                texts.push_back(boost::json::serialize(e.diag().details));
            }
        }());
    }
    BOOST_TEST(texts.size() >= 5u);
    for (const auto& t : texts)
        BOOST_TEST(t.find(gemini::test::test_api_key) == std::string::npos, t);
}

BOOST_AUTO_TEST_CASE(trace_hook_shows_each_attempt_without_credentials)
{
    emulator_fixture f;
    f.server.add_fault_rule("route=create;times=1;status=503");
    auto settings = f.client_settings();
    std::vector<gemini::trace_event> seen;
    settings.trace = [&seen](const gemini::trace_event& e) { seen.push_back(e); };
    auto c = f.make_client(settings);
    f.run([&]() -> asio::awaitable<void> {
        auto op = c.create({.model = "gemini-3.5-flash", .input = "trace me"});
        co_await std::move(op);
    }());
    BOOST_REQUIRE_EQUAL(seen.size(), 2u);
    BOOST_TEST(seen[0].method == "POST");
    BOOST_TEST(seen[0].path == "/v1beta/interactions");
    BOOST_TEST(seen[0].status == 503u);
    BOOST_TEST(seen[0].error == gemini::errc::server_error);
    BOOST_TEST(seen[1].attempt == 2u);
    BOOST_TEST(seen[1].status == 200u);
    BOOST_TEST(!seen[1].error);
    for (const auto& e : seen)
        BOOST_TEST((e.operation + e.method + e.path).find(gemini::test::test_api_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_credentials_fail_locally)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    settings.api_key.clear();
    ::unsetenv("GEMINI_API_KEY");
    auto c = f.make_client(settings);
    f.run([&]() -> asio::awaitable<void> {
        auto op = c.async_create({.model = "m", .input = "x"}, {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(op);
        BOOST_TEST(ec == gemini::errc::invalid_argument);
    }());
}

BOOST_AUTO_TEST_CASE(bearer_token_provider_is_asked_every_attempt)
{
    emulator_fixture f;
    auto settings = f.client_settings();
    int calls = 0;
    settings.token_provider = [&calls]() -> asio::awaitable<std::string> {
        ++calls;
        co_return "token-" + std::to_string(calls);
    };
    auto c = f.make_client(settings);
    f.run([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i)
        {
            auto op = c.create({.model = "m", .input = "x"});
            co_await std::move(op);
        }
        // A request refused for a header of the caller's fails before the provider (which
        // may go to the network) is asked.
        gemini::request_options bad_header;
        bad_header.headers.emplace_back("X-Note", "two\nlines");
        auto refused = c.async_create({.model = "m", .input = "x"}, bad_header, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(refused);
        BOOST_TEST(ec == gemini::errc::invalid_argument);
    }());
    BOOST_TEST(calls == 3);
}

BOOST_AUTO_TEST_SUITE_END()
