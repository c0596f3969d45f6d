// gemini-batch driven as a process against the in-process emulator over real TLS: every flag,
// resume after SIGKILL at random points, --retry-failed, --shard, and the rate limits checked
// against the requests the emulator saw.
//
// The emulator's request times come from sampling server::stats().api_requests on a thread
// (request_sampler below): each request is dated by the first sample that counts it, which is
// late by at most the largest gap between samples, so windows are checked shortened by that gap.

#include "integration/fixture.hpp"
#include "integration/process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <sstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <pty.h>
#include <stdlib.h>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using gemini::test::child_process;
using gemini::test::poll_until;
using gemini::test::read_text;
using gemini::test::run_result;
using gemini::test::run_to_completion;
using gemini::test::temp_dir;
using gemini::test::write_text;
using steady = std::chrono::steady_clock;

namespace {

struct item
{
    std::string id;
    std::string text;
};

// Three line forms: {"id","input"}, a full create body with our id, a body without id.
std::vector<item> make_items(std::size_t n, std::string& jsonl, const std::string& word = "question")
{
    std::vector<item> items;
    for (std::size_t i = 0; i < n; ++i)
    {
        const std::string text = word + " " + std::to_string(i);
        json::object line;
        switch (i % 3)
        {
        case 0:
            line["id"] = "q-" + std::to_string(i);
            line["input"] = text;
            break;
        case 1:
            line["id"] = "q-" + std::to_string(i);
            line["model"] = "gemini-3.5-flash";
            line["input"] = json::array{json::object{{"type", "text"}, {"text", text}}};
            break;
        default:
            line["input"] = text;
        }
        jsonl += json::serialize(line) + "\n";
        items.push_back({i % 3 == 2 ? "line-" + std::to_string(i + 1) : "q-" + std::to_string(i), text});
    }
    return items;
}

std::size_t count_lines(const std::string& path)
{
    const auto text = read_text(path);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The output file as id -> result; every line must be a whole JSON object, ids unique.
std::map<std::string, json::object> results_of(const std::string& path)
{
    std::map<std::string, json::object> out;
    const auto text = read_text(path);
    BOOST_TEST((text.empty() || text.back() == '\n'), "torn last line in " << path);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
    {
        auto v = json::parse(line).as_object();
        const std::string id(v.at("id").as_string());
        BOOST_TEST(!out.contains(id), "two lines for " << id);
        out[id] = std::move(v);
    }
    return out;
}

struct batch_fixture
{
    explicit batch_fixture(gemini::emulator::options o = {}) : server(std::move(o))
    {
        ca = dir.file("ca.pem");
        write_text(ca, server.ca_pem());
        input = dir.file("in.jsonl");
        output = dir.file("out.jsonl");
    }

    std::vector<std::string> environment() const
    {
        return {std::string("GEMINI_API_KEY=") + gemini::test::test_api_key, "PATH=/usr/bin:/bin"};
    }

    // The program's arguments: `args`, then (when `connect`) --base-url and --ca.
    std::vector<std::string> command(std::vector<std::string> args, bool connect = true) const
    {
        args.insert(args.begin(), GEMINI_BATCH_EXE);
        if (connect)
            for (std::string a : {std::string("--base-url"), server.base_url(), std::string("--ca"), ca})
                args.push_back(a);
        return args;
    }

    std::unique_ptr<child_process> start(std::vector<std::string> args, bool connect = true)
    {
        return std::make_unique<child_process>(command(std::move(args), connect), environment(), dir.file("stdout"),
                                               dir.file("stderr"));
    }

    run_result run(std::vector<std::string> args, bool connect = true, std::vector<std::string> env = {})
    {
        if (env.empty())
            env = environment();
        return run_to_completion(dir, command(std::move(args), connect), std::move(env));
    }

    gemini::emulator::server server;
    temp_dir dir;
    std::string ca, input, output;
};

gemini::emulator::options slow(std::chrono::milliseconds latency)
{
    gemini::emulator::options o;
    o.latency = latency;
    o.threads = 4;
    return o;
}

// Dates the emulator's API requests by sampling its counter (see the top of the file).
class request_sampler
{
public:
    explicit request_sampler(gemini::emulator::server& s) : server_(s)
    {
        thread_ = std::thread([this] {
            while (!stop_)
            {
                samples_.emplace_back(steady::now(), server_.stats().api_requests);
                std::this_thread::sleep_for(200us);
            }
            samples_.emplace_back(steady::now(), server_.stats().api_requests);
        });
    }
    ~request_sampler() { finish(); }

    void finish()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }

    /// One time per request (of the sample that first counted it); `max_gap` the largest
    /// distance between two samples.
    std::vector<steady::time_point> arrivals(steady::duration& max_gap)
    {
        finish();
        std::vector<steady::time_point> times;
        max_gap = steady::duration::zero();
        for (std::size_t i = 1; i < samples_.size(); ++i)
        {
            max_gap = std::max(max_gap, samples_[i].first - samples_[i - 1].first);
            for (auto n = samples_[i - 1].second; n < samples_[i].second; ++n)
                times.push_back(samples_[i].first);
        }
        return times;
    }

private:
    gemini::emulator::server& server_;
    std::atomic<bool> stop_{false};
    std::vector<std::pair<steady::time_point, std::uint64_t>> samples_;
    std::thread thread_;
};

// The largest total weight of requests dated within any window of length `window`.
std::int64_t max_in_window(const std::vector<steady::time_point>& times, const std::vector<std::int64_t>& weight,
                           steady::duration window)
{
    std::int64_t best = 0;
    for (std::size_t i = 0; i < times.size(); ++i)
    {
        std::int64_t sum = 0;
        for (std::size_t k = 0; k < times.size(); ++k)
            if (times[k] >= times[i] && times[k] < times[i] + window)
                sum += weight[k];
        best = std::max(best, sum);
    }
    return best;
}

} // namespace

BOOST_AUTO_TEST_SUITE(batch_runner)

BOOST_AUTO_TEST_CASE(a_batch_of_three_hundred_gives_one_result_per_id)
{
    batch_fixture f(slow(2ms));
    std::string jsonl;
    auto items = make_items(300, jsonl);
    write_text(f.input, jsonl);

    auto r = f.run({f.input, "-o", f.output, "-j", "16", "--model", "batch-model-x", "--progress-interval-ms", "5"});
    BOOST_TEST(r.code == 0, r.err);
    auto results = results_of(f.output);
    BOOST_TEST(results.size() == 300u);
    for (const auto& it : items)
    {
        BOOST_TEST_REQUIRE(results.contains(it.id), it.id);
        const auto& res = results[it.id];
        BOOST_TEST(res.at("status").as_string() == "completed");
        BOOST_TEST(std::string(res.at("output_text").as_string()).ends_with("You said: " + it.text), it.id);
        BOOST_TEST(res.at("usage").at("total_tokens").to_number<int>() > 0);
        BOOST_TEST(res.at("attempts").to_number<int>() == 1);
        BOOST_TEST(!res.contains("error"));
    }
    BOOST_TEST(f.server.stats().api_requests == 300u);
    // Plain progress lines (stderr is a file) and the summary.
    BOOST_TEST(r.err.find("gemini-batch: ") != std::string::npos);
    BOOST_TEST(r.err.find("/300 done (") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("300 total, 300 run now, 0 done earlier") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("completed=300") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("latency:  p50 ") != std::string::npos, r.err);
    BOOST_TEST(r.out.empty());

    // --model applies to the lines without a model; a line's own model wins.
    asio::io_context ioc;
    gemini::client_options o;
    o.api_key = gemini::test::test_api_key;
    o.base_url = f.server.base_url();
    o.ca_pem = f.server.ca_pem();
    gemini::client c(ioc.get_executor(), o);
    gemini::test::run(ioc, [&]() -> asio::awaitable<void> {
        for (const char* id : {"q-0", "q-1", "line-3"})
        {
            auto get = c.get(std::string(results[id].at("interaction_id").as_string()));
            auto i = co_await std::move(get);
            BOOST_TEST(*i.model == (std::string(id) == "q-1" ? "gemini-3.5-flash" : "batch-model-x"), id);
        }
    }());

    // Run again: everything is done, nothing is sent.
    auto again = f.run({f.input, "-o", f.output});
    BOOST_TEST(again.code == 0, again.err);
    BOOST_TEST(f.server.stats().api_requests == 303u);   // the three GETs above
    BOOST_TEST(again.err.find("300 total, 0 run now, 300 done earlier") != std::string::npos, again.err);
    BOOST_TEST(count_lines(f.output) == 300u);
}

BOOST_AUTO_TEST_CASE(stream_mode_gives_the_same_results)
{
    batch_fixture f;
    std::string jsonl;
    auto items = make_items(40, jsonl);
    write_text(f.input, jsonl);
    auto unary = f.run({f.input, "-o", f.output, "-j", "8", "--quiet"});
    BOOST_TEST(unary.code == 0, unary.err);
    BOOST_TEST(unary.err.empty(), unary.err);   // --quiet: no progress, no summary
    const auto streamed_path = f.dir.file("streamed.jsonl");
    auto streamed = f.run({f.input, "-o", streamed_path, "-j", "8", "--stream"});
    BOOST_TEST(streamed.code == 0, streamed.err);
    auto a = results_of(f.output);
    auto b = results_of(streamed_path);
    BOOST_TEST(a.size() == 40u);
    BOOST_TEST(b.size() == 40u);
    for (const auto& it : items)
    {
        BOOST_TEST(b[it.id].at("status").as_string() == "completed");
        BOOST_TEST(b[it.id].at("output_text") == a[it.id].at("output_text"), it.id);
        BOOST_TEST(b[it.id].at("usage") == a[it.id].at("usage"), it.id);
        BOOST_TEST(b[it.id].at("interaction_id") != a[it.id].at("interaction_id"));
    }
}

namespace {

// Starts the run, waits until the output grew by a random 5..35 lines, SIGKILLs it; six times
// (seeded); then one run to the end. Every id must end with exactly one line.
void kill_and_resume(batch_fixture& f, std::size_t n, std::vector<std::string> extra, unsigned seed)
{
    std::string jsonl;
    auto items = make_items(n, jsonl);
    write_text(f.input, jsonl);
    std::vector<std::string> args{f.input, "-o", f.output, "-j", "6", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());

    std::mt19937 rng(seed);
    unsigned kills = 0;
    std::size_t lines_before = 0;
    while (kills < 6)
    {
        const std::size_t target = lines_before + std::uniform_int_distribution<std::size_t>(5, 35)(rng);
        auto p = f.start(args);
        const bool grew = poll_until([&] { return count_lines(f.output) >= target || p->poll().has_value(); });
        BOOST_TEST_REQUIRE(grew);
        BOOST_TEST_REQUIRE(!p->poll().has_value(), "the run finished before kill " << kills + 1);
        p->signal(SIGKILL);
        p->wait();
        BOOST_TEST_REQUIRE(p->killed_by(SIGKILL));
        ++kills;
        const auto lines = count_lines(f.output);
        BOOST_TEST(lines >= target);
        lines_before = lines;
        BOOST_TEST_MESSAGE("kill " << kills << " after " << lines << " lines");
    }
    BOOST_TEST(lines_before < n);

    auto last = f.run(args);
    BOOST_TEST(last.code == 0, last.err);
    auto results = results_of(f.output);
    BOOST_TEST(results.size() == n);
    BOOST_TEST(count_lines(f.output) == n);
    for (const auto& it : items)
        BOOST_TEST((results.contains(it.id) && results[it.id].at("status").as_string() == "completed" &&
                    std::string(results[it.id].at("output_text").as_string()).ends_with("You said: " + it.text)),
                   it.id);
    // Nothing twice: only the requests in flight at each kill (at most -j) were sent again.
    const auto sent = f.server.stats().api_requests;
    BOOST_TEST(sent >= n);
    BOOST_TEST(sent <= n + 6u * kills, sent);
}

} // namespace

BOOST_AUTO_TEST_CASE(killed_at_random_points_and_restarted_ends_with_one_line_per_id)
{
    batch_fixture f(slow(3ms));
    kill_and_resume(f, 300, {}, 20261201);
}

BOOST_AUTO_TEST_CASE(killed_streaming_runs_resume_the_same_way)
{
    // Streamed interactions take real time (events 1 ms apart), so kills land mid-stream.
    gemini::emulator::options o;
    o.stream_event_interval = 1ms;
    o.threads = 4;
    batch_fixture f(o);
    kill_and_resume(f, 220, {"--stream"}, 7);
}

BOOST_AUTO_TEST_CASE(a_torn_last_line_is_cut_and_done_ids_are_skipped)
{
    batch_fixture f;
    std::string jsonl;
    auto items = make_items(10, jsonl);
    write_text(f.input, jsonl);
    write_text(f.output, "{\"id\":\"q-0\",\"status\":\"completed\",\"output_text\":\"kept\"}\n"
                         "{\"id\":\"q-1\",\"status\":\"completed\",\"output_text\":\"kept\"}\n"
                         "{\"id\":\"line-3\",\"status\":\"compl");
    auto r = f.run({f.input, "-o", f.output});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.err.find("ignored a torn last line") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("10 total, 8 run now, 2 done earlier") != std::string::npos, r.err);
    BOOST_TEST(f.server.stats().api_requests == 8u);
    auto results = results_of(f.output);
    BOOST_TEST(results.size() == 10u);
    BOOST_TEST(results["q-0"].at("output_text").as_string() == "kept");
    BOOST_TEST(results["line-3"].at("status").as_string() == "completed");
}

BOOST_AUTO_TEST_CASE(failures_are_results_and_retry_failed_replaces_them)
{
    batch_fixture f;
    std::string jsonl;
    auto items = make_items(20, jsonl);
    write_text(f.input, jsonl);
    f.server.add_fault_rule("route=create;times=5;status=400;message=injected failure");

    auto first = f.run({f.input, "-o", f.output, "-j", "1"});
    BOOST_TEST(first.code == 1, first.err);
    BOOST_TEST(first.err.find("completed=15 error=5") != std::string::npos, first.err);
    auto results = results_of(f.output);
    BOOST_TEST(results.size() == 20u);
    std::set<std::string> failed;
    for (auto& [id, res] : results)
        if (res.at("status").as_string() == "error")
        {
            failed.insert(id);
            BOOST_TEST(res.at("error").at("code").as_string() == "invalid_request");
            BOOST_TEST(res.at("error").at("message").as_string() == "injected failure");
            BOOST_TEST(res.at("error").at("http_status").to_number<int>() == 400);
            BOOST_TEST(!res.contains("output_text"));
        }
    BOOST_TEST(failed.size() == 5u);
    BOOST_TEST(f.server.stats().api_requests == 20u);

    // Without --retry-failed a rerun has nothing to do and still reports the failures.
    auto rerun = f.run({f.input, "-o", f.output, "-j", "1"});
    BOOST_TEST(rerun.code == 1, rerun.err);
    BOOST_TEST(f.server.stats().api_requests == 20u);

    auto retried = f.run({f.input, "-o", f.output, "-j", "3", "--retry-failed"});
    BOOST_TEST(retried.code == 0, retried.err);
    BOOST_TEST(retried.err.find("20 total, 5 run now, 15 done earlier") != std::string::npos, retried.err);
    BOOST_TEST(f.server.stats().api_requests == 25u);
    results = results_of(f.output);
    BOOST_TEST(results.size() == 20u);
    BOOST_TEST(count_lines(f.output) == 20u);
    for (const auto& id : failed)
        BOOST_TEST(results[id].at("status").as_string() == "completed", id);
    // The rewrite went through a temporary file that is gone.
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(f.dir.path))
        files += e.path().filename().string().find(".tmp.") != std::string::npos;
    BOOST_TEST(files == 0u);
}

BOOST_AUTO_TEST_CASE(transient_failures_are_retried_and_rate_limits_back_off)
{
    batch_fixture f;
    std::string jsonl;
    make_items(12, jsonl);
    write_text(f.input, jsonl);
    f.server.add_fault_rule("route=create;times=2;status=503");
    f.server.add_fault_rule("route=create;skip=2;times=2;status=429;retry-after-ms=20");
    auto r = f.run({f.input, "-o", f.output, "-j", "2", "--retry-backoff-ms", "1"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.err.find("retries:  4") != std::string::npos, r.err);
    auto results = results_of(f.output);
    int attempts = 0;
    for (auto& [id, res] : results)
    {
        BOOST_TEST(res.at("status").as_string() == "completed");
        attempts += res.at("attempts").to_number<int>();
    }
    BOOST_TEST(attempts == 16);
    BOOST_TEST(f.server.stats().api_requests == 16u);

    // --max-retries 0: the first 503 is the item's result.
    const auto out2 = f.dir.file("out2.jsonl");
    f.server.add_fault_rule("route=create;times=1;status=503");
    auto once = f.run({f.input, "-o", out2, "-j", "1", "--max-retries", "0"});
    BOOST_TEST(once.code == 1, once.err);
    int errors = 0;
    for (auto& [id, res] : results_of(out2))
        if (res.at("status").as_string() == "error")
        {
            ++errors;
            BOOST_TEST(res.at("error").at("http_status").to_number<int>() == 503);
            BOOST_TEST(res.at("error").at("code").as_string() == "service_unavailable");
            BOOST_TEST(res.at("attempts").to_number<int>() == 1);
        }
    BOOST_TEST(errors == 1);
}

BOOST_AUTO_TEST_CASE(shards_split_the_input_between_runs)
{
    batch_fixture f;
    std::string jsonl;
    auto items = make_items(60, jsonl);
    write_text(f.input, jsonl);
    std::map<std::string, unsigned> owner;
    std::size_t total = 0;
    for (unsigned i = 0; i < 3; ++i)
    {
        const auto out = f.dir.file("shard" + std::to_string(i) + ".jsonl");
        auto r = f.run({f.input, "-o", out, "--shard", std::to_string(i) + "/3"});
        BOOST_TEST(r.code == 0, r.err);
        auto results = results_of(out);
        BOOST_TEST(!results.empty());
        BOOST_TEST(r.err.find(std::to_string(results.size()) + " total") != std::string::npos, r.err);
        total += results.size();
        for (const auto& [id, res] : results)
            BOOST_TEST(owner.emplace(id, i).second, id << " in two shards");
    }
    BOOST_TEST(total == 60u);
    for (const auto& it : items)
        BOOST_TEST(owner.contains(it.id), it.id);
    BOOST_TEST(f.server.stats().api_requests == 60u);
    BOOST_TEST(f.run({f.input, "-o", f.output, "--shard", "3/3"}).code == 2);
}

BOOST_AUTO_TEST_CASE(request_limit_holds_in_every_window_the_emulator_sees)
{
    batch_fixture f;
    std::string jsonl;
    make_items(30, jsonl);
    write_text(f.input, jsonl);
    const auto window = 1000ms;
    request_sampler sampler(f.server);
    auto r = f.run({f.input, "-o", f.output, "-j", "8", "--rpm", "8", "--rate-window-ms", "1000"});
    steady::duration gap{};
    auto times = sampler.arrivals(gap);
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(times.size() == 30u);
    const double gap_ms = std::chrono::duration<double, std::milli>(gap).count();
    BOOST_TEST_MESSAGE("largest sampling gap " << gap_ms << " ms");
    BOOST_TEST((gap < window / 4));
    const auto most = max_in_window(times, std::vector<std::int64_t>(times.size(), 1), window - gap);
    BOOST_TEST(most <= 8, most);
}

BOOST_AUTO_TEST_CASE(token_limit_holds_in_every_window_the_emulator_sees)
{
    batch_fixture f;
    std::string jsonl;
    make_items(10, jsonl);
    write_text(f.input, jsonl);
    const auto window = 600ms;
    const std::int64_t limit = 60;
    request_sampler sampler(f.server);
    auto r = f.run({f.input, "-o", f.output, "-j", "1", "--tpm", "60", "--rate-window-ms", "600"});
    steady::duration gap{};
    auto times = sampler.arrivals(gap);
    BOOST_TEST(r.code == 0, r.err);
    // With -j 1 the requests reach the emulator in the order of the result lines.
    std::vector<std::int64_t> cost;
    std::int64_t largest = 0;
    std::istringstream in(read_text(f.output));
    for (std::string line; std::getline(in, line);)
    {
        cost.push_back(json::parse(line).at("usage").at("total_tokens").to_number<std::int64_t>());
        largest = std::max(largest, cost.back());
    }
    BOOST_TEST_REQUIRE(times.size() == cost.size());
    BOOST_TEST(cost.size() == 10u);
    BOOST_TEST(largest * 2 < limit);   // several fit in a window: the limit, not -j 1, paces
    BOOST_TEST((gap < window / 4));
    // The first request's cost is a guess (its text) until usage arrives: allow one request's error.
    const auto most = max_in_window(times, cost, window - gap);
    BOOST_TEST(most <= limit + largest, most);
    BOOST_TEST((times.back() - times.front() >= window - gap));   // 10 x ~15 tokens cannot fit one window
}

BOOST_AUTO_TEST_CASE(flags_environment_and_exit_codes)
{
    batch_fixture f;
    std::string jsonl;
    make_items(6, jsonl);
    write_text(f.input, jsonl);

    auto help = f.run({"--help"}, false);
    BOOST_TEST(help.code == 0);
    for (const char* flag : {"-o, --output", "-j, --jobs", "--model", "--stream", "--rpm", "--tpm", "--retry-failed",
                             "--shard", "--base-url", "--ca", "--max-retries", "--timeout", "--quiet", "Exit status"})
        BOOST_TEST(help.out.find(flag) != std::string::npos, flag);

    BOOST_TEST(f.run({f.input, "-o", f.output, "--bogus"}).code == 2);
    BOOST_TEST(f.run({f.input}).code == 2);
    BOOST_TEST(f.run({f.input, "-o", f.output, "-j", "x"}).code == 2);
    BOOST_TEST(f.run({f.dir.file("missing.jsonl"), "-o", f.output}).code == 2);
    const auto bad = f.dir.file("bad.jsonl");
    write_text(bad, "{\"input\":\"a\"}\n{\"id\":\"x\",\"input\":\"b\"}\n{oops\n");
    auto bad_run = f.run({bad, "-o", f.output});
    BOOST_TEST(bad_run.code == 2);
    BOOST_TEST(bad_run.err.find("line 3: not JSON") != std::string::npos, bad_run.err);
    write_text(bad, "{\"id\":\"x\",\"input\":\"a\"}\n{\"id\":\"x\",\"input\":\"b\"}\n");
    BOOST_TEST(f.run({bad, "-o", f.output}).err.find("duplicate id \"x\"") != std::string::npos);
    BOOST_TEST(!std::filesystem::exists(f.output));   // bad input touches nothing

    // An output that is not one (the input itself, another JSONL file) was emptied by the
    // rewrite that drops lines that are not results.
    BOOST_TEST(f.run({f.input, "-o", f.input}).code == 2);
    BOOST_TEST(read_text(f.input) == jsonl);
    const auto other = f.dir.file("other.jsonl");
    write_text(other, jsonl);
    auto not_results = f.run({f.input, "-o", other});
    BOOST_TEST(not_results.code == 2);
    BOOST_TEST(not_results.err.find("holds request lines and no results") != std::string::npos, not_results.err);
    BOOST_TEST(read_text(other) == jsonl);

    // No key and a remote base URL: a usage error that says what to do.
    auto no_key = f.run({f.input, "-o", f.output, "--base-url", "https://example.invalid"}, false, {"PATH=/usr/bin"});
    BOOST_TEST(no_key.code == 2);
    BOOST_TEST(no_key.err.find("GEMINI_API_KEY") != std::string::npos, no_key.err);

    // Without the emulator's CA the TLS handshake fails: items end as errors, not retried.
    auto untrusted = f.run({f.input, "-o", f.output, "--base-url", f.server.base_url()}, false);
    BOOST_TEST(untrusted.code == 1, untrusted.err);
    for (auto& [id, res] : results_of(f.output))
        BOOST_TEST(res.at("error").at("code").as_string() == "tls_failed");

    // GEMINI_BASE_URL and GEMINI_CA_FILE instead of the flags; --retry-failed fixes the run.
    auto env = f.environment();
    env.push_back("GEMINI_BASE_URL=" + f.server.base_url());
    env.push_back("GEMINI_CA_FILE=" + f.ca);
    auto fixed = f.run({f.input, "-o", f.output, "--retry-failed"}, false, env);
    BOOST_TEST(fixed.code == 0, fixed.err);
    BOOST_TEST(results_of(f.output).size() == 6u);

    // --timeout bounds each attempt.
    const auto slow_out = f.dir.file("slow.jsonl");
    f.server.add_fault_rule("route=create;times=1;delay-ms=3000");
    auto timed = f.run({f.input, "-o", slow_out, "-j", "1", "--timeout", "0.2", "--max-retries", "0"});
    BOOST_TEST(timed.code == 1, timed.err);
    BOOST_TEST(read_text(slow_out).find("\"code\":\"timeout\"") != std::string::npos, read_text(slow_out));
}

BOOST_AUTO_TEST_CASE(one_runner_per_output_and_sigterm_keeps_whole_lines)
{
    batch_fixture f(slow(20ms));
    std::string jsonl;
    make_items(200, jsonl);
    write_text(f.input, jsonl);
    auto p = f.start({f.input, "-o", f.output, "-j", "2"});
    BOOST_TEST_REQUIRE(poll_until([&] { return count_lines(f.output) >= 3 || p->poll().has_value(); }));
    BOOST_TEST_REQUIRE(!p->poll().has_value());
    // A second runner on the same output refuses to start.
    const auto second = f.run({f.input, "-o", f.output});
    BOOST_TEST(second.code == 3);
    BOOST_TEST(second.err.find("in use") != std::string::npos, second.err);
    p->signal(SIGTERM);
    BOOST_TEST(p->wait() == 130);
    const auto lines = count_lines(f.output);
    BOOST_TEST(lines < 200u);
    BOOST_TEST(results_of(f.output).size() == lines);
    auto rest = f.run({f.input, "-o", f.output, "-j", "16", "--quiet"});
    BOOST_TEST(rest.code == 0, rest.err);
    BOOST_TEST(results_of(f.output).size() == 200u);
}

BOOST_AUTO_TEST_CASE(a_terminal_gets_a_progress_bar)
{
    batch_fixture f(slow(5ms));
    std::string jsonl;
    make_items(30, jsonl);
    write_text(f.input, jsonl);
    int master = -1, slave = -1;
    BOOST_TEST_REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    std::string seen;
    std::thread reader([&] {
        char buf[4096];
        for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;)
            seen.append(buf, static_cast<std::size_t>(n));
    });
    int code = -1;
    {
        child_process p(f.command({f.input, "-o", f.output, "-j", "1"}), f.environment(), f.dir.file("stdout"), "", slave);
        ::close(slave);
        code = p.wait();
    }
    reader.join();   // read() fails (EIO) once the child's side is closed
    ::close(master);
    BOOST_TEST(code == 0);
    BOOST_TEST(seen.find("\r[") != std::string::npos, seen);
    BOOST_TEST(seen.find(" 30/30 100% ") != std::string::npos, seen);
    BOOST_TEST(seen.find("ETA") != std::string::npos);
    BOOST_TEST(seen.find("retries 0 errors 0") != std::string::npos, seen);
    BOOST_TEST(seen.find("gemini-batch summary") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
