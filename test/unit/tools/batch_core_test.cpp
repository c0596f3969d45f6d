// The sans-io core of gemini-batch: input lines, the resume scan, shards, retries, the rate
// limiter on a fake clock, progress and summary text.

#include "tools/batch/batch_core.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>

namespace json = boost::json;
using namespace gemini::batch;
using namespace std::chrono_literals;

namespace {

const job_defaults defaults{"m-default"};

// Sends that `limiter` admits when every worker asks as early as possible: returns the send times.
std::vector<clock::time_point> drive(rate_limiter& limiter, clock::time_point t0, std::size_t n,
                                     milliseconds service, std::int64_t tokens, std::int64_t actual)
{
    std::vector<clock::time_point> sends;
    clock::time_point now = t0;
    for (std::size_t i = 0; i < n; ++i)
    {
        now = limiter.earliest(now, tokens);
        auto t = limiter.admit(now, tokens);
        sends.push_back(now);
        limiter.finished(t, now + service, actual);
    }
    return sends;
}

std::size_t max_in_window(const std::vector<clock::time_point>& times, milliseconds window)
{
    std::size_t best = 0;
    for (std::size_t i = 0; i < times.size(); ++i)
    {
        std::size_t n = 0;
        for (auto t : times)
            n += t >= times[i] && t < times[i] + window;
        best = std::max(best, n);
    }
    return best;
}

} // namespace

BOOST_AUTO_TEST_SUITE(batch_core)

BOOST_AUTO_TEST_CASE(input_lines_take_our_id_out_and_apply_defaults)
{
    auto a = parse_input_line(R"({"id":"q1","input":"hi"})", 3, defaults);
    BOOST_TEST(a.id == "q1");
    BOOST_TEST(a.line == 3u);
    BOOST_TEST(!a.body.contains("id"));
    BOOST_TEST(a.body.at("model").as_string() == "m-default");

    auto b = parse_input_line(R"({"model":"m2","input":"x","stream":true,"store":false})", 7, defaults);
    BOOST_TEST(b.id == "line-7");
    BOOST_TEST(b.body.at("model").as_string() == "m2");
    BOOST_TEST(!b.body.contains("stream"));
    BOOST_TEST(b.body.at("store").as_bool() == false);

    auto c = parse_input_line(R"({"id":42,"agent":"deep-research","input":"x"})", 1, defaults);
    BOOST_TEST(c.id == "42");
    BOOST_TEST(!c.body.contains("model"));
}

BOOST_AUTO_TEST_CASE(bad_input_lines_name_the_line)
{
    for (const char* bad : {"not json", "[1,2]", R"({"id":true,"input":"x"})", R"({"id":"","input":"x"})",
                            R"({"model":"m"})", R"({"model":3,"input":"x"})"})
    {
        try
        {
            parse_input_line(bad, 12, defaults);
            BOOST_ERROR("accepted: " << bad);
        }
        catch (const std::invalid_argument& e)
        {
            BOOST_TEST(std::string(e.what()).starts_with("line 12: "), e.what());
        }
    }
    BOOST_CHECK_THROW(parse_input_line(R"({"input":"x"})", 1, job_defaults{}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(input_files_skip_blank_lines_and_reject_duplicate_ids)
{
    auto jobs = parse_input("{\"input\":\"a\"}\n\n  \r\n{\"id\":\"x\",\"input\":\"b\"}\r\n{\"input\":\"c\"}", defaults);
    BOOST_TEST_REQUIRE(jobs.size() == 3u);
    BOOST_TEST(jobs[0].id == "line-1");
    BOOST_TEST(jobs[1].id == "x");
    BOOST_TEST(jobs[2].id == "line-5");
    try
    {
        parse_input("{\"id\":\"a\",\"input\":\"1\"}\n{\"id\":\"a\",\"input\":\"2\"}\n", defaults);
        BOOST_ERROR("duplicate accepted");
    }
    catch (const std::invalid_argument& e)
    {
        BOOST_TEST(std::string(e.what()).find("line 2: duplicate id \"a\" (first on line 1)") != std::string::npos,
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(token_estimates_count_text_and_expected_output)
{
    auto body = json::parse(R"({"input":[{"type":"text","text":"12345678"}],"system_instruction":"abcd"})").as_object();
    BOOST_TEST(estimate_tokens(body, 0) == 3);
    BOOST_TEST(estimate_tokens(body, 10) == 13);
    body["generation_config"] = json::parse(R"({"max_output_tokens":100})");
    BOOST_TEST(estimate_tokens(body, 10) == 103);
}

BOOST_AUTO_TEST_CASE(the_scanner_ignores_a_torn_last_line)
{
    const std::string good = "{\"id\":\"a\",\"status\":\"completed\"}\n{\"id\":\"b\",\"status\":\"error\"}\n";
    auto r = scan_results(good + "{\"id\":\"c\",\"sta");
    BOOST_TEST(r.complete_bytes == good.size());
    BOOST_TEST(r.torn_bytes == 14u);
    BOOST_TEST(r.lines == 2u);
    BOOST_TEST(r.status.size() == 2u);
    BOOST_TEST(r.status.at("a") == "completed");
    BOOST_TEST(r.status.at("b") == "error");
    BOOST_TEST(!r.status.contains("c"));

    // A torn line that happens to be valid JSON is still not a result: no newline, no result.
    auto whole = scan_results(good + "{\"id\":\"c\",\"status\":\"completed\"}");
    BOOST_TEST(!whole.status.contains("c"));
    BOOST_TEST(scan_results("").complete_bytes == 0u);
}

BOOST_AUTO_TEST_CASE(the_scanner_counts_bad_and_duplicate_lines)
{
    auto r = scan_results("garbage\n{\"id\":\"a\",\"status\":\"error\"}\n{\"no\":1}\n{\"id\":\"a\",\"status\":\"completed\"}\n");
    BOOST_TEST(r.bad_lines == 2u);
    BOOST_TEST(r.duplicate_lines == 1u);
    BOOST_TEST(r.status.at("a") == "completed");
}

BOOST_AUTO_TEST_CASE(rewriting_drops_ids_bad_lines_and_earlier_duplicates)
{
    const std::string in = "{\"id\":\"a\",\"status\":\"error\"}\nbad\n{\"id\":\"b\",\"status\":\"completed\"}\n"
                           "{\"id\":\"c\",\"status\":\"error\"}\n{\"id\":\"a\",\"status\":\"completed\"}\ntorn";
    BOOST_TEST(rewrite_results(in, {"c"}) ==
               "{\"id\":\"b\",\"status\":\"completed\"}\n{\"id\":\"a\",\"status\":\"completed\"}\n");
    BOOST_TEST(rewrite_results(in, {}) == "{\"id\":\"b\",\"status\":\"completed\"}\n{\"id\":\"c\",\"status\":\"error\"}\n"
                                          "{\"id\":\"a\",\"status\":\"completed\"}\n");
}

BOOST_AUTO_TEST_CASE(result_lines_round_trip_through_the_scanner)
{
    item_result ok;
    ok.id = "q\"1";
    ok.status = "completed";
    ok.output_text = "hi\nthere";
    ok.usage = json::parse(R"({"total_input_tokens":3,"total_output_tokens":5,"total_tokens":12})");
    ok.attempts = 2;
    ok.latency_ms = 12.345;
    const auto line = result_line(ok);
    BOOST_TEST(line.back() == '\n');
    BOOST_TEST(std::count(line.begin(), line.end(), '\n') == 1);
    auto v = json::parse(line).as_object();
    BOOST_TEST(v.at("id").as_string() == "q\"1");
    BOOST_TEST(v.at("output_text").as_string() == "hi\nthere");
    BOOST_TEST(v.at("attempts").to_number<int>() == 2);
    BOOST_TEST(v.at("latency_ms").is_int64());
    BOOST_TEST(v.at("latency_ms").as_int64() == 12);
    BOOST_TEST(scan_results(line).status.at("q\"1") == "completed");
    auto t = tokens_of(v.at("usage"));
    BOOST_TEST(t.input == 3);
    BOOST_TEST(t.output == 5);
    BOOST_TEST(t.total == 12);

    gemini::diagnostics d;
    d.http_status = 400;
    d.api_code = "invalid_request";
    d.api_message = "bad field";
    auto err = result_from_error("e", make_error_code(gemini::errc::bad_request), d);
    auto e = json::parse(result_line(err)).as_object();
    BOOST_TEST(e.at("status").as_string() == "error");
    BOOST_TEST(e.at("error").at("code").as_string() == "invalid_request");
    BOOST_TEST(e.at("error").at("message").as_string() == "bad field");
    BOOST_TEST(e.at("error").at("http_status").to_number<int>() == 400);
    BOOST_TEST(!e.contains("output_text"));

    auto transport = result_from_error("t", make_error_code(gemini::errc::tls_failed), gemini::diagnostics{});
    BOOST_TEST(transport.error_code == "tls_failed");
    BOOST_TEST(transport.http_status == 0u);
}

BOOST_AUTO_TEST_CASE(shards_partition_the_ids)
{
    BOOST_TEST(parse_shard("2/5").index == 2u);
    BOOST_TEST(parse_shard("2/5").count == 5u);
    for (const char* bad : {"5/5", "1", "/2", "a/2", "0/0", "-1/3", "1/2/3"})
        BOOST_CHECK_THROW(parse_shard(bad), std::invalid_argument);
    std::vector<std::size_t> sizes(4);
    for (int i = 0; i < 1000; ++i)
    {
        const auto id = "line-" + std::to_string(i);
        int owners = 0;
        for (unsigned s = 0; s < 4; ++s)
            if (in_shard(id, {s, 4}))
            {
                ++owners;
                ++sizes[s];
            }
        BOOST_TEST(owners == 1);
        BOOST_TEST(in_shard(id, {0, 1}));
    }
    for (auto n : sizes)
        BOOST_TEST((n > 200 && n < 300), n);
}

BOOST_AUTO_TEST_CASE(retries_follow_status_and_backoff)
{
    using gemini::errc;
    for (unsigned s : {408u, 429u, 500u, 502u, 503u, 504u})
        BOOST_TEST(is_retryable(make_error_code(errc::server_error), s), s);
    for (unsigned s : {400u, 401u, 403u, 404u, 409u, 501u})
        BOOST_TEST(!is_retryable(make_error_code(errc::server_error), s), s);
    BOOST_TEST(is_retryable(make_error_code(errc::connection_closed), 0));
    BOOST_TEST(is_retryable(make_error_code(errc::timeout), 0));
    BOOST_TEST(!is_retryable(make_error_code(errc::tls_failed), 0));
    BOOST_TEST(!is_retryable(make_error_code(errc::invalid_argument), 0));

    retry_settings s{.max_retries = 4, .initial_backoff = 100ms, .max_backoff = 500ms};
    BOOST_TEST(retry_delay(s, 1, std::nullopt, 0).count() == 100);
    BOOST_TEST(retry_delay(s, 3, std::nullopt, 0).count() == 400);
    BOOST_TEST(retry_delay(s, 9, std::nullopt, 0).count() == 500);
    BOOST_TEST(retry_delay(s, 1, std::nullopt, 0.999).count() == 75);
    BOOST_TEST(retry_delay(s, 1, milliseconds(1234), 0.5).count() == 1234);
    BOOST_TEST(retry_delay(s, 1, milliseconds(600000), 0.5).count() == 60000);
}

BOOST_AUTO_TEST_CASE(no_limits_admit_at_once)
{
    rate_limiter l({});
    const auto t0 = clock::time_point{} + 1h;
    for (int i = 0; i < 100; ++i)
    {
        BOOST_TEST((l.earliest(t0, 1000) == t0));
        l.admit(t0, 1000);
    }
    BOOST_TEST(l.tracked() == 0u);
}

BOOST_AUTO_TEST_CASE(request_limit_holds_in_every_sliding_window)
{
    const auto t0 = clock::time_point{} + 1h;
    rate_limiter l({.requests = 10, .window = 1000ms});
    auto sends = drive(l, t0, 55, 5ms, 0, 0);
    BOOST_TEST(max_in_window(sends, 1000ms) == 10u);
    // The first ten go at once; then each waits for the one ten places before it to age out:
    // its response (5 ms after sending) plus the window.
    BOOST_TEST((sends[9] == t0));
    BOOST_TEST((sends[10] == t0 + 1005ms));
    BOOST_TEST((sends[54] - t0 >= 5000ms));
    BOOST_TEST(l.tracked() <= 20u);   // aged entries are pruned
}

BOOST_AUTO_TEST_CASE(an_unanswered_send_counts_until_a_tenth_of_the_window_has_passed)
{
    const auto t0 = clock::time_point{} + 1h;
    rate_limiter l({.requests = 1, .window = 1000ms});
    auto t = l.admit(t0, 0);
    BOOST_TEST((l.earliest(t0 + 500ms, 0) == t0 + 1100ms));
    l.responded(t, t0 + 30ms);
    BOOST_TEST((l.earliest(t0 + 500ms, 0) == t0 + 1030ms));
}

BOOST_AUTO_TEST_CASE(token_limit_uses_estimates_then_actual_usage)
{
    const auto t0 = clock::time_point{} + 1h;
    rate_limiter l({.tokens = 100, .window = 1000ms});
    auto a = l.admit(t0, 60);
    BOOST_TEST((l.earliest(t0, 40) == t0));
    BOOST_TEST((l.earliest(t0, 41) > t0));
    l.finished(a, t0 + 10ms, 20);   // the answer used fewer tokens than estimated
    BOOST_TEST((l.earliest(t0 + 10ms, 80) == t0 + 10ms));
    // A single request larger than the limit still runs, alone.
    rate_limiter big({.tokens = 100, .window = 1000ms});
    BOOST_TEST((big.earliest(t0, 5000) == t0));
    auto b = big.admit(t0, 5000);
    big.finished(b, t0 + 1ms, 5000);
    BOOST_TEST((big.earliest(t0 + 2ms, 1) == t0 + 1001ms));

    // Randomised: with exact estimates no window ever exceeds the limit.
    std::mt19937 rng(7);
    rate_limiter r({.tokens = 1000, .window = 1000ms});
    std::vector<std::pair<clock::time_point, std::int64_t>> sends;
    auto now = t0;
    for (int i = 0; i < 300; ++i)
    {
        std::int64_t cost = std::uniform_int_distribution<std::int64_t>(1, 300)(rng);
        now = r.earliest(now, cost);
        auto tk = r.admit(now, cost);
        r.finished(tk, now + milliseconds(rng() % 50), cost);
        sends.emplace_back(now, cost);
    }
    for (const auto& [start, c] : sends)
    {
        std::int64_t sum = 0;
        for (const auto& [t, cost] : sends)
            if (t >= start && t < start + 1000ms)
                sum += cost;
        BOOST_TEST(sum <= 1000);
    }
}

BOOST_AUTO_TEST_CASE(a_429_pauses_everyone_and_lowers_the_limit_until_it_recovers)
{
    const auto t0 = clock::time_point{} + 1h;
    rate_limiter l({.requests = 100, .window = 60000ms});
    l.throttled(t0, milliseconds(2000));
    BOOST_TEST((l.earliest(t0, 0) == t0 + 2000ms));
    BOOST_TEST(l.request_limit() == 75.0);
    BOOST_TEST(l.throttles() == 1u);
    // Without a hint: window/60, doubling per consecutive 429.
    l.throttled(t0 + 2000ms, std::nullopt);
    BOOST_TEST((l.earliest(t0 + 2000ms, 0) == t0 + 4000ms));   // 1 s per 429 twice in a row: 2 s
    l.succeeded(t0 + 5000ms);
    BOOST_TEST(l.request_limit() == 56.0);                       // not yet: less than a window
    l.succeeded(t0 + 62000ms);
    BOOST_TEST(l.request_limit() == 66.0);                       // 0.5625 + 0.1
    for (int i = 2; i < 10; ++i)
        l.succeeded(t0 + 62000ms + i * 60000ms);
    BOOST_TEST(l.request_limit() == 100.0);

    // Without configured limits a 429 still pauses every send.
    rate_limiter open({});
    open.throttled(t0, std::nullopt);
    BOOST_TEST((open.earliest(t0, 0) == t0 + 1000ms));
    BOOST_TEST(open.request_limit() == 0.0);
}

BOOST_AUTO_TEST_CASE(progress_text)
{
    BOOST_TEST(format_duration(0) == "0:00");
    BOOST_TEST(format_duration(65) == "1:05");
    BOOST_TEST(format_duration(3723) == "1:02:03");
    BOOST_TEST(format_duration(-1) == "--:--");

    progress p{.total = 300, .done = 120, .done_before = 20, .errors = 1, .retries = 2, .in_flight = 8, .elapsed_s = 10};
    BOOST_TEST(format_progress_line(p) ==
               "gemini-batch: 120/300 done (40%), 10.0/s, ETA 0:18, 2 retries, 1 errors, 8 in flight");
    auto bar = format_progress_bar(p, 80);
    BOOST_TEST(bar.size() == 80u);
    BOOST_TEST(bar.starts_with("[###"));
    BOOST_TEST(bar.ends_with(" 120/300  40% 10.0/s ETA 0:18 retries 2 errors 1"), bar);
    BOOST_TEST(format_progress_bar(p, 20).starts_with(" 120/300"));   // too narrow: no bar
    progress start{.total = 5};
    BOOST_TEST(format_progress_line(start).find("ETA --:--") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(summary_statistics)
{
    std::vector<double> v;
    for (int i = 100; i >= 1; --i)
        v.push_back(i);
    BOOST_TEST(percentile(v, 50) == 50.0);
    BOOST_TEST(percentile(v, 99) == 99.0);
    BOOST_TEST(percentile(v, 100) == 100.0);
    BOOST_TEST(percentile({}, 50) == 0.0);
    BOOST_TEST(percentile({7}, 99) == 7.0);

    summary s;
    s.total = 10;
    s.skipped = 4;
    s.by_status = {{"completed", 5}, {"error", 1}};
    s.retries = 3;
    s.tokens = {10, 20, 34};
    s.wall_s = 2;
    s.latencies_ms = {10, 20, 30};
    auto text = format_summary(s);
    BOOST_TEST(text.find("10 total, 6 run now, 4 done earlier") != std::string::npos, text);
    BOOST_TEST(text.find("completed=5 error=1") != std::string::npos, text);
    BOOST_TEST(text.find("10 input, 20 output, 34 total") != std::string::npos, text);
    BOOST_TEST(text.find("p50 20.0 ms, p99 30.0 ms") != std::string::npos, text);
    BOOST_TEST(text.find("3.0 items/s") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()
