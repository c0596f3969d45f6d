// create / get / cancel / delete against the emulator over real TLS on loopback.

#include "integration/fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
using gemini::test::emulator_fixture;

namespace {

gemini::request hello(std::string text)
{
    return gemini::request{.model = "gemini-3.5-flash", .input = std::move(text)};
}

std::size_t count_steps(const gemini::interaction& i, std::string_view type)
{
    std::size_t n = 0;
    for (const auto& s : i.steps.value_or(std::vector<gemini::step>{}))
        n += s.type() == type;
    return n;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(operations, emulator_fixture)

BOOST_AUTO_TEST_CASE(create_returns_the_generated_steps_and_http_info)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto op = c.create(hello("Name three prime numbers."));
        auto answer = co_await std::move(op);
        BOOST_TEST(!answer.id.empty());
        BOOST_TEST(answer.status == gemini::interaction_status::completed);
        BOOST_TEST(answer.output_text().find("Name three prime numbers.") != std::string::npos);
        BOOST_TEST(count_steps(answer, "user_input") == 0u);
        BOOST_TEST(count_steps(answer, "model_output") == 1u);
        BOOST_TEST(answer.http.status == 200u);
        BOOST_TEST(answer.http.header("Content-Type").starts_with("application/json"));
        BOOST_TEST(answer.usage.has_value());
    }());
}

BOOST_AUTO_TEST_CASE(get_returns_the_full_timeline_and_include_input)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(hello("Remember me"));
        auto created = co_await std::move(create);
        auto get = c.get(created.id);
        auto fetched = co_await std::move(get);
        BOOST_TEST(fetched.id == created.id);
        BOOST_TEST(count_steps(fetched, "user_input") == 1u);
        BOOST_TEST(fetched.output_text() == created.output_text());
        BOOST_TEST(!fetched.input.has_value());

        auto get_with_input = c.get(created.id, {.include_input = true});
        auto with_input = co_await std::move(get_with_input);
        BOOST_REQUIRE(with_input.input.has_value());
        BOOST_TEST(std::get<std::string>(*with_input.input) == "Remember me");
    }());
}

BOOST_AUTO_TEST_CASE(chaining_with_previous_interaction_id_carries_history)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto first_op = c.create(hello("My name is Ada."));
        auto first = co_await std::move(first_op);
        auto second_req = hello("What is my name?");
        second_req.previous_interaction_id = first.id;
        auto second_op = c.create(std::move(second_req));
        auto second = co_await std::move(second_op);
        BOOST_TEST(second.output_text().find("Turn 2") != std::string::npos);

        // The same question without the chain is turn 1 with another history digest.
        auto alone_op = c.create(hello("What is my name?"));
        auto alone = co_await std::move(alone_op);
        BOOST_TEST(alone.output_text().find("Turn 1") != std::string::npos);
        BOOST_TEST(alone.output_text() != second.output_text());

        auto get = c.get(second.id);
        auto timeline = co_await std::move(get);
        BOOST_TEST(count_steps(timeline, "user_input") >= 1u);
        BOOST_TEST(timeline.previous_interaction_id.value_or("") == first.id);
    }());
}

BOOST_AUTO_TEST_CASE(store_false_is_not_retrievable)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto req = hello("Forget this");
        req.store = false;
        auto create = c.create(std::move(req));
        auto created = co_await std::move(create);
        BOOST_TEST(!created.output_text().empty());
        gemini::diagnostics diag;
        auto get = c.async_get(created.id, {.request = {.diagnostics_out = &diag}}, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(get);
        BOOST_TEST(ec == gemini::errc::not_found);
        BOOST_TEST(diag.http_status == 404u);
        BOOST_TEST(diag.api_code == "not_found");
        BOOST_TEST(diag.operation == "get");
        BOOST_TEST(diag.interaction_id == created.id);
    }());
}

BOOST_AUTO_TEST_CASE(delete_then_get_is_not_found)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(hello("Delete me"));
        auto created = co_await std::move(create);
        auto remove = c.remove(created.id);
        auto removed = co_await std::move(remove);
        BOOST_TEST(removed.status == 200u);
        auto get = c.get(created.id);
        try
        {
            co_await std::move(get);
            BOOST_FAIL("GET after delete succeeded");
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST(e.code() == gemini::errc::not_found);
            BOOST_TEST(e.http_status() == 404u);
        }
    }());
}

BOOST_AUTO_TEST_CASE(background_runs_to_completion_on_the_virtual_clock)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto req = hello("Research this slowly");
        req.background = true;
        auto create = c.create(std::move(req));
        auto started = co_await std::move(create);
        BOOST_TEST(!started.is_terminal());

        auto poll = c.get(started.id);
        auto still_running = co_await std::move(poll);
        BOOST_TEST(!still_running.is_terminal());

        server.advance(std::chrono::hours(1));
        auto poll_again = c.get(started.id);
        auto done = co_await std::move(poll_again);
        BOOST_TEST(done.status == gemini::interaction_status::completed);
        BOOST_TEST(!done.output_text().empty());
    }());
}

BOOST_AUTO_TEST_CASE(cancel_stops_a_background_interaction)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto req = hello("Long job");
        req.background = true;
        auto create = c.create(std::move(req));
        auto started = co_await std::move(create);
        auto cancel = c.cancel(started.id);
        auto cancelled = co_await std::move(cancel);
        BOOST_TEST(cancelled.status == gemini::interaction_status::cancelled);
        server.advance(std::chrono::hours(1));
        auto get = c.get(started.id);
        auto after = co_await std::move(get);
        BOOST_TEST(after.status == gemini::interaction_status::cancelled);
    }());
}

BOOST_AUTO_TEST_CASE(ids_are_percent_encoded_into_the_path)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        gemini::request_options odd_id;
        odd_id.headers = {{"x-emulator-id-suffix", "a/b c?d"}};
        auto create = c.create(hello("odd id"), odd_id);
        auto created = co_await std::move(create);
        BOOST_TEST(created.id.find("a/b c?d") != std::string::npos);
        auto get = c.get(created.id);
        auto fetched = co_await std::move(get);
        BOOST_TEST(fetched.id == created.id);
    }());
}

BOOST_AUTO_TEST_CASE(v1_surface_works_too)
{
    auto settings = client_settings();
    settings.api_version = "v1";
    auto c = make_client(settings);
    run([&]() -> asio::awaitable<void> {
        auto create = c.create(hello("on v1"));
        auto created = co_await std::move(create);
        BOOST_TEST(created.status == gemini::interaction_status::completed);
    }());
}

BOOST_AUTO_TEST_CASE(max_output_tokens_makes_the_answer_incomplete)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        auto req = hello("Talk a lot");
        req.generation_config = gemini::generation_config{.max_output_tokens = 3};
        gemini::request_options long_answer;
        long_answer.headers = {{"x-emulator-output-words", "50"}};
        auto create = c.create(std::move(req), long_answer);
        auto answer = co_await std::move(create);
        BOOST_TEST(answer.status == gemini::interaction_status::incomplete);
    }());
}

BOOST_AUTO_TEST_CASE(extra_body_fields_reach_the_server)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        gemini::request_options opts;
        opts.extra_body["presence_penalty"] = 0.5;   // rejected by the service as unknown
        auto create = c.async_create(hello("x"), opts, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(create);
        BOOST_TEST(ec == gemini::errc::bad_request);
    }());
}

namespace {

/// The values of header `name` (lower case) in the emulator's record of a request.
std::vector<std::string> header_values(const gemini::emulator::logged_request& r, std::string_view name)
{
    std::vector<std::string> out;
    for (const auto& [n, v] : r.headers)
        if (n == name)
            out.push_back(v);
    return out;
}

using values = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_CASE(request_headers_are_the_librarys_unless_the_caller_replaces_them)
{
    auto settings = client_settings();
    settings.headers = {{"User-Agent", "my-app/2"}, {"x-team", "client"}};
    auto c = make_client(settings);
    run([&]() -> asio::awaitable<void> {
        server.clear_request_log();
        gemini::request_options opts;
        opts.headers = {{"x-team", "call"}, {"Accept", "application/json; q=1"}};
        auto create = c.create(hello("headers"), opts);
        auto answer = co_await std::move(create);
        auto get = c.get(answer.id);
        co_await std::move(get);

        const auto log = server.request_log();
        BOOST_REQUIRE_EQUAL(log.size(), 2u);
        const auto& post = log[0];
        BOOST_TEST(header_values(post, "user-agent") == values{"my-app/2"}, boost::test_tools::per_element());
        BOOST_TEST(header_values(post, "x-team") == values{"call"}, boost::test_tools::per_element());
        BOOST_TEST(header_values(post, "accept") == values{"application/json; q=1"}, boost::test_tools::per_element());
        BOOST_TEST(header_values(post, "host") == values{server.base_url().substr(std::string_view("https://").size())},
                   boost::test_tools::per_element());
        BOOST_TEST(header_values(post, "content-type") == values{"application/json"}, boost::test_tools::per_element());
        BOOST_TEST(header_values(post, "content-length") == values{std::to_string(post.body.size())},
                   boost::test_tools::per_element());
        // A GET has no body and, as Beast would frame it, no Content-Length.
        BOOST_TEST(log[1].method == "GET");
        BOOST_TEST(header_values(log[1], "content-length").empty());
        BOOST_TEST(header_values(log[1], "accept") == values{"application/json"}, boost::test_tools::per_element());
    }());
}

BOOST_AUTO_TEST_CASE(a_header_that_cannot_be_sent_is_refused_and_nothing_is_sent)
{
    auto c = make_client();
    run([&]() -> asio::awaitable<void> {
        server.clear_request_log();
        const std::vector<std::pair<std::string, std::string>> refused[] = {
            {{"x-note", "ok\r\nx-injected: secret-value"}},   // would add a header line of its own
            {{"x-note", std::string("nul\0", 4)}},
            {{"bad name", "v"}},
            {{"", "v"}},
            {{"Content-Length", "5"}},                         // the framing is the library's
            {{"transfer-encoding", "chunked"}},
        };
        for (const auto& headers : refused)
        {
            BOOST_TEST_CONTEXT(headers.front().first)
            {
                gemini::diagnostics diag;
                gemini::request_options opts;
                opts.headers = headers;
                opts.diagnostics_out = &diag;
                auto create = c.async_create(hello("x"), opts, asio::as_tuple(asio::use_awaitable));
                auto [ec, ignored] = co_await std::move(create);
                BOOST_TEST(ec == gemini::errc::invalid_argument);
                BOOST_TEST(diag.library_message.find("header '" + headers.front().first + "'") != std::string::npos,
                           diag.library_message);
                BOOST_TEST(diag.library_message.find("secret-value") == std::string::npos);
            }
        }
        // The library's own headers carry caller text too.
        auto settings = client_settings();
        settings.user_agent = "app/1\r\nx-injected: 1";
        auto bad_agent = make_client(settings);
        auto create = bad_agent.async_create(hello("x"), {}, asio::as_tuple(asio::use_awaitable));
        auto [ec, ignored] = co_await std::move(create);
        BOOST_TEST(ec == gemini::errc::invalid_argument);
        BOOST_TEST(server.request_log().empty());
    }());
}

BOOST_AUTO_TEST_SUITE_END()
