// The `gemini` command line as users run it: a process with arguments, environment, stdin and
// files, against the in-process emulator over TLS (its CA in a file for --ca). Every flag of
// docs/cli.md is driven here; what reached the API is read from the emulator's request log.

#include "emulator/media.hpp"
#include "integration/fixture.hpp"
#include "integration/process.hpp"
#include "common/json_schema_check.hpp"

#include <gemini/gemini.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>

namespace json = boost::json;
using gemini::test::child_process;
using gemini::test::read_text;
using gemini::test::run_result;
using gemini::test::run_to_completion;
using gemini::test::temp_dir;
using gemini::test::write_text;

namespace {

struct cli_fixture
{
    explicit cli_fixture(gemini::emulator::options o = {}) : server(std::move(o))
    {
        ca = dir.file("ca.pem");
        write_text(ca, server.ca_pem());
    }

    std::vector<std::string> environment() const
    {
        return {std::string("GEMINI_API_KEY=") + gemini::test::test_api_key, "PATH=/usr/bin:/bin"};
    }

    /// Runs `gemini ARGS` (with --base-url and --ca unless `connect` is false), `input` on stdin.
    run_result run(std::vector<std::string> args, const std::string& input = {}, bool connect = true,
                   std::optional<std::vector<std::string>> env = {})
    {
        args.insert(args.begin(), GEMINI_CLI_EXE);
        if (connect)
            for (std::string a : {std::string("--base-url"), server.base_url(), std::string("--ca"), ca})
                args.push_back(a);
        write_text(dir.file("stdin"), input);
        auto r = run_to_completion(dir, std::move(args), env ? *env : environment(), dir.file("stdin"));
        const std::string key = gemini::test::test_api_key;
        BOOST_TEST(r.out.find(key) == std::string::npos, "the key was printed on stdout");
        BOOST_TEST(r.err.find(key) == std::string::npos, "the key was printed on stderr");
        return r;
    }

    /// The bodies of the create requests (POST .../interactions) the emulator received, in order.
    std::vector<json::object> creates() const
    {
        std::vector<json::object> bodies;
        for (const auto& r : server.request_log())
            if (r.method == "POST" && r.target.find("/interactions") != std::string::npos &&
                r.target.find("/cancel") == std::string::npos)
                bodies.push_back(json::parse(r.body).as_object());
        return bodies;
    }

    bool uploaded() const
    {
        for (const auto& r : server.request_log())
            if (r.target.starts_with("/upload/"))
                return true;
        return false;
    }

    std::string write_png(const std::string& name, std::uint32_t w, std::uint32_t h, std::size_t pad = 0)
    {
        std::string png = gemini::emulator::detail::make_png(w, h, 7);
        png.append(pad, '\0'); // trailing bytes after IEND: still sniffed as a PNG of that size
        const auto path = dir.file(name);
        write_text(path, png);
        return path;
    }

    gemini::emulator::server server;
    temp_dir dir;
    std::string ca;
};

gemini::emulator::options fast_clock()
{
    gemini::emulator::options o;
    o.clock_rate = 1000; // a virtual second per real millisecond: background runs end at once
    return o;
}

/// "Turn N. History digest XXXXXXXX. ... You said: TEXT" on one line.
bool is_answer(const std::string& line, int turn, const std::string& said)
{
    const std::regex shape("Turn " + std::to_string(turn) + R"(\. History digest [0-9a-f]{8}\..* You said: )");
    return std::regex_search(line, shape) && line.ends_with("You said: " + said);
}

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

bool one_line(const std::string& text)
{
    return !text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(prompt_argument_prints_the_answer_with_the_default_model)
{
    cli_fixture f;
    auto r = f.run({"Hello", "there"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST_REQUIRE(lines(r.out).size() == 1u);
    BOOST_TEST(is_answer(lines(r.out)[0], 1, "Hello there"), r.out);
    const auto bodies = f.creates();
    BOOST_TEST_REQUIRE(bodies.size() == 1u);
    BOOST_TEST(bodies[0].at("model").as_string() == "gemini-3.5-flash");
    BOOST_TEST(bodies[0].at("input").as_string() == "Hello there");
}

BOOST_AUTO_TEST_CASE(stdin_prompt_gives_the_same_answer_as_the_argument)
{
    cli_fixture f;
    auto arg = f.run({"From stdin"});
    auto piped = f.run({}, "From stdin\n");
    auto dash = f.run({"-"}, "From stdin\n");
    BOOST_TEST(arg.code == 0);
    BOOST_TEST(piped.code == 0);
    BOOST_TEST(dash.code == 0);
    BOOST_TEST(is_answer(lines(arg.out).at(0), 1, "From stdin"), arg.out);
    BOOST_TEST(piped.out == arg.out);
    BOOST_TEST(dash.out == arg.out);
    auto empty = f.run({}, "");
    BOOST_TEST(empty.code == 2);
    BOOST_TEST(one_line(empty.err), empty.err);
}

BOOST_AUTO_TEST_CASE(stream_prints_the_unary_text)
{
    gemini::emulator::options o;
    o.default_output_words = 80; // many deltas
    cli_fixture f(o);
    auto unary = f.run({"Tell me about rivers"});
    auto streamed = f.run({"--stream", "Tell me about rivers"});
    BOOST_TEST(unary.code == 0);
    BOOST_TEST(streamed.code == 0);
    BOOST_TEST(unary.out.size() > 200u);
    BOOST_TEST(streamed.out == unary.out);
    const auto bodies = f.creates();
    BOOST_TEST_REQUIRE(bodies.size() == 2u);
    BOOST_TEST(!bodies[0].contains("stream"));
    BOOST_TEST(bodies[1].at("stream").as_bool());
}

BOOST_AUTO_TEST_CASE(system_model_and_environment_model_reach_the_request)
{
    cli_fixture f;
    auto r = f.run({"--system", "Be brief.", "--model", "gemini-test-model", "hi"});
    BOOST_TEST(r.code == 0);
    auto env = f.environment();
    env.push_back("GEMINI_MODEL=gemini-from-env");
    auto e = f.run({"-s", "Short.", "hi"}, {}, true, env);
    BOOST_TEST(e.code == 0);
    auto flag_wins = f.run({"-m", "gemini-flag", "hi"}, {}, true, env);
    BOOST_TEST(flag_wins.code == 0);
    const auto bodies = f.creates();
    BOOST_TEST_REQUIRE(bodies.size() == 3u);
    BOOST_TEST(bodies[0].at("model").as_string() == "gemini-test-model");
    BOOST_TEST(bodies[0].at("system_instruction").as_string() == "Be brief.");
    BOOST_TEST(bodies[1].at("model").as_string() == "gemini-from-env");
    BOOST_TEST(bodies[1].at("system_instruction").as_string() == "Short.");
    BOOST_TEST(bodies[2].at("model").as_string() == "gemini-flag");
}

BOOST_AUTO_TEST_CASE(json_prints_the_interaction)
{
    cli_fixture f;
    auto r = f.run({"--json", "hi"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST(one_line(r.out), r.out);
    const auto i = json::value_to<gemini::interaction>(json::parse(r.out));
    BOOST_TEST(!i.id.empty());
    BOOST_TEST((i.status == gemini::interaction_status::completed));
    BOOST_TEST(is_answer(i.output_text(), 1, "hi"), i.output_text());
}

BOOST_AUTO_TEST_CASE(chat_reset_save_and_resume)
{
    cli_fixture f;
    const auto saved = f.dir.file("chat.json");
    auto r = f.run({"--chat"}, "first\nsecond\n/save " + saved + "\n/reset\n\nthird\n");
    BOOST_TEST(r.code == 0, r.err);
    const auto out = lines(r.out);
    BOOST_TEST_REQUIRE(out.size() == 3u, r.out);
    BOOST_TEST(is_answer(out[0], 1, "first"), out[0]);
    BOOST_TEST(is_answer(out[1], 2, "second"), out[1]);
    BOOST_TEST(is_answer(out[2], 1, "third"), out[2]); // after /reset: a new conversation
    // Stored mode: the second turn is chained on the server.
    const auto bodies = f.creates();
    BOOST_TEST_REQUIRE(bodies.size() == 3u);
    BOOST_TEST(!bodies[0].contains("previous_interaction_id"));
    BOOST_TEST(bodies[1].contains("previous_interaction_id"));
    BOOST_TEST(!bodies[2].contains("previous_interaction_id"));

    // The saved file holds the two-turn conversation, and --resume continues it.
    const auto file = json::parse(read_text(saved)).as_object();
    BOOST_TEST(file.at("format").as_string() == "gemini-asio/chat@1");
    BOOST_TEST(file.at("mode").as_string() == "stored");
    auto resumed = f.run({"--resume", saved}, "fourth\n");
    BOOST_TEST(resumed.code == 0, resumed.err);
    BOOST_TEST_REQUIRE(lines(resumed.out).size() == 1u);
    BOOST_TEST(is_answer(lines(resumed.out)[0], 3, "fourth"), resumed.out);

    // /load inside a chat does the same; an unknown command is reported and the chat goes on.
    auto loaded = f.run({"--chat"}, "/frob\n/load " + saved + "\nfifth\n/quit\nnever sent\n");
    BOOST_TEST(loaded.code == 0, loaded.err);
    BOOST_TEST_REQUIRE(lines(loaded.out).size() == 1u, loaded.out);
    BOOST_TEST(is_answer(lines(loaded.out)[0], 3, "fifth"), loaded.out);
    BOOST_TEST(loaded.err.find("unknown chat command: /frob") != std::string::npos, loaded.err);
}

BOOST_AUTO_TEST_CASE(stateless_chat_sends_the_history)
{
    cli_fixture f;
    auto r = f.run({"--chat", "--stateless", "--stream", "--system", "Be kind."}, "one\ntwo\n");
    BOOST_TEST(r.code == 0, r.err);
    const auto out = lines(r.out);
    BOOST_TEST_REQUIRE(out.size() == 2u, r.out);
    BOOST_TEST(is_answer(out[0], 1, "one"), out[0]);
    BOOST_TEST(is_answer(out[1], 2, "two"), out[1]);
    const auto bodies = f.creates();
    BOOST_TEST_REQUIRE(bodies.size() == 2u);
    for (const auto& b : bodies)
    {
        BOOST_TEST(!b.at("store").as_bool());
        BOOST_TEST(!b.contains("previous_interaction_id"));
        BOOST_TEST(b.at("system_instruction").as_string() == "Be kind.");
    }
    // The second turn carries the first exchange: user, model steps, user.
    BOOST_TEST(bodies[1].at("input").as_array().size() > 2u);
}

BOOST_AUTO_TEST_CASE(files_inline_forced_upload_and_threshold)
{
    cli_fixture f;
    const auto small = f.write_png("small.png", 64, 48);
    auto inline_run = f.run({"-f", small, "What is this?"});
    BOOST_TEST(inline_run.code == 0, inline_run.err);
    BOOST_TEST(inline_run.out.find("Image 1: image/png, 64x48.") != std::string::npos, inline_run.out);
    BOOST_TEST(inline_run.out.find("You said: What is this?") != std::string::npos);
    BOOST_TEST(!f.uploaded());

    auto forced = f.run({"--upload", "--file", small, "--file", f.write_png("b.png", 20, 10), "Compare"});
    BOOST_TEST(forced.code == 0, forced.err);
    BOOST_TEST(forced.out.find("Image 1: image/png, 64x48. Image 2: image/png, 20x10.") != std::string::npos,
               forced.out);
    BOOST_TEST(f.uploaded());
    const auto body = f.creates().back();
    BOOST_TEST(json::serialize(body).find("\"uri\"") != std::string::npos);

    // Over the default 20 MB threshold, a file goes through the Files API by itself.
    f.server.clear_request_log();
    const auto large = f.write_png("large.png", 300, 200, 21u << 20);
    auto big = f.run({"-f", large, "Big"});
    BOOST_TEST(big.code == 0, big.err);
    BOOST_TEST(big.out.find("Image 1: image/png, 300x200.") != std::string::npos, big.out);
    BOOST_TEST(f.uploaded());
    BOOST_TEST(big.err.find("uploaded") != std::string::npos, big.err);

    // --upload-threshold lowers it.
    f.server.clear_request_log();
    auto lowered = f.run({"--upload-threshold", "10", "-f", small, "x"});
    BOOST_TEST(lowered.code == 0, lowered.err);
    BOOST_TEST(f.uploaded());

    auto missing = f.run({"-f", f.dir.file("nope.png"), "x"});
    BOOST_TEST(missing.code == 1);
    BOOST_TEST(one_line(missing.err), missing.err);
}

BOOST_AUTO_TEST_CASE(schema_prints_json_valid_for_the_schema)
{
    cli_fixture f;
    const json::value schema = json::parse(R"({"type":"object","properties":{
        "name":{"type":"string"},"count":{"type":"integer","minimum":0},
        "tags":{"type":"array","items":{"type":"string"}}},"required":["name","count","tags"]})");
    const auto schema_file = f.dir.file("schema.json");
    write_text(schema_file, json::serialize(schema));
    auto pretty = f.run({"--schema", schema_file, "Describe a city"});
    BOOST_TEST(pretty.code == 0, pretty.err);
    const json::value v = json::parse(pretty.out);
    BOOST_TEST(gemini::test::schema_violation(v, schema) == "");
    BOOST_TEST(lines(pretty.out).size() > 3u); // indented
    auto compact = f.run({"--schema", schema_file, "--compact", "Describe a city"});
    BOOST_TEST(compact.code == 0);
    BOOST_TEST(one_line(compact.out), compact.out);
    BOOST_TEST(json::parse(compact.out) == v);
    const auto body = f.creates().back();
    BOOST_TEST(body.at("response_format").at("mime_type").as_string() == "application/json");
    BOOST_TEST(body.at("response_format").at("schema") == schema);

    write_text(schema_file, "{not json");
    auto bad = f.run({"--schema", schema_file, "x"});
    BOOST_TEST(bad.code == 1);
    BOOST_TEST(one_line(bad.err), bad.err);
}

BOOST_AUTO_TEST_CASE(image_out_saves_a_png)
{
    cli_fixture f;
    const auto path = f.dir.file("out.png");
    auto r = f.run({"--image-out", path, "A lighthouse at dusk"});
    BOOST_TEST(r.code == 0, r.err);
    const auto bytes = read_text(path);
    BOOST_TEST(bytes.starts_with("\x89PNG\r\n\x1a\n"));
    BOOST_TEST(gemini::image_dimensions(bytes).has_value());
    BOOST_TEST(f.creates().back().at("response_format").at("type").as_string() == "image");
}

BOOST_AUTO_TEST_CASE(background_get_cancel_delete)
{
    cli_fixture f; // clock_rate 0: a background run stays queued until the test advances time
    auto started = f.run({"--background", "Long job"});
    BOOST_TEST(started.code == 0, started.err);
    BOOST_TEST_REQUIRE(one_line(started.out), started.out);
    const std::string id = started.out.substr(0, started.out.size() - 1);
    BOOST_TEST(f.creates().back().at("background").as_bool());

    auto running = f.run({"get", id});
    BOOST_TEST(running.code == 0, running.err);
    BOOST_TEST((running.out == id + " queued\n" || running.out == id + " in_progress\n"), running.out);

    auto cancelled = f.run({"cancel", id});
    BOOST_TEST(cancelled.code == 0, cancelled.err);
    BOOST_TEST(cancelled.out == id + " cancelled\n");

    auto as_json = f.run({"get", id, "--json"});
    BOOST_TEST(as_json.code == 0);
    BOOST_TEST((json::value_to<gemini::interaction>(json::parse(as_json.out)).status ==
                gemini::interaction_status::cancelled));

    auto deleted = f.run({"delete", id});
    BOOST_TEST(deleted.code == 0, deleted.err);
    BOOST_TEST(deleted.out == "deleted " + id + "\n");

    // An API error: one line naming the operation, the status and the API's code.
    auto gone = f.run({"get", id});
    BOOST_TEST(gone.code == 1);
    BOOST_TEST(gone.out.empty());
    BOOST_TEST(one_line(gone.err), gone.err);
    BOOST_TEST(gone.err.starts_with("gemini: get: "), gone.err);
    BOOST_TEST(gone.err.find("(HTTP 404, not_found)") != std::string::npos, gone.err);

    // A finished background run: get prints its answer.
    auto second = f.run({"--background", "Short job"});
    const std::string id2 = second.out.substr(0, second.out.size() - 1);
    f.server.advance(std::chrono::minutes(1));
    auto done = f.run({"get", id2});
    BOOST_TEST(done.code == 0, done.err);
    BOOST_TEST(is_answer(lines(done.out).at(0), 1, "Short job"), done.out);
}

BOOST_AUTO_TEST_CASE(background_wait_and_agents)
{
    cli_fixture f(fast_clock());
    auto r = f.run({"--background", "--wait", "--poll-interval", "5", "Take your time"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(is_answer(lines(r.out).at(0), 1, "Take your time"), r.out);
    BOOST_TEST(r.err.find("gemini: started ") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("completed (poll ") != std::string::npos, r.err);

    auto research = f.run({"--agent", "deep-research-preview-04-2026", "--background", "--wait", "--poll-interval",
                           "5", "-q", "Why are rivers salty?"});
    BOOST_TEST(research.code == 0, research.err);
    BOOST_TEST(research.out.find("Research report") != std::string::npos, research.out);
    BOOST_TEST(research.out.find("Question: Why are rivers salty?") != std::string::npos, research.out);
    BOOST_TEST(research.err.empty(), research.err);
    const auto body = f.creates().back();
    BOOST_TEST(body.at("agent").as_string() == "deep-research-preview-04-2026");
    BOOST_TEST(!body.contains("model"));

    // Deep Research refuses foreground runs: the API's 400 becomes one line and status 1.
    auto foreground = f.run({"--agent", "deep-research-preview-04-2026", "Now"});
    BOOST_TEST(foreground.code == 1);
    BOOST_TEST(one_line(foreground.err), foreground.err);
    BOOST_TEST(foreground.err.find("gemini: create: ") == 0u, foreground.err);
    BOOST_TEST(foreground.err.find("(HTTP 400") != std::string::npos, foreground.err);

    // get --wait follows a run started elsewhere.
    auto started = f.run({"--background", "Later"});
    const std::string id = started.out.substr(0, started.out.size() - 1);
    auto waited = f.run({"get", "--wait", "--poll-interval", "5", id});
    BOOST_TEST(waited.code == 0, waited.err);
    BOOST_TEST(is_answer(lines(waited.out).at(0), 1, "Later"), waited.out);
}

BOOST_AUTO_TEST_CASE(environment_variables_and_missing_configuration)
{
    cli_fixture f;
    auto env = f.environment();
    env.push_back("GEMINI_BASE_URL=" + f.server.base_url());
    env.push_back("GEMINI_CA_FILE=" + f.ca);
    auto r = f.run({"hi"}, {}, false, env);
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(is_answer(lines(r.out).at(0), 1, "hi"), r.out);

    // Without the CA the emulator's certificate is refused: one line, status 1.
    auto untrusted = f.run({"--base-url", f.server.base_url(), "hi"}, {}, false);
    BOOST_TEST(untrusted.code == 1);
    BOOST_TEST(one_line(untrusted.err), untrusted.err);

    // Neither key nor base URL: say how to proceed, mention --emulator.
    auto nothing = f.run({"hi"}, {}, false, std::vector<std::string>{"PATH=/usr/bin:/bin"});
    BOOST_TEST(nothing.code == 2);
    BOOST_TEST(one_line(nothing.err), nothing.err);
    BOOST_TEST(nothing.err.find("GEMINI_API_KEY") != std::string::npos);
    BOOST_TEST(nothing.err.find("--emulator") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(emulator_flag_runs_one_in_process)
{
    cli_fixture f;
    const std::vector<std::string> no_key{"PATH=/usr/bin:/bin"};
    auto r = f.run({"--emulator", "hi"}, {}, false, no_key);
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(is_answer(lines(r.out).at(0), 1, "hi"), r.out);
    BOOST_TEST(r.err.find("in-process emulator") != std::string::npos, r.err);
    auto research = f.run({"--emulator", "-q", "--agent", "deep-research-preview-04-2026", "--background", "--wait",
                           "--poll-interval", "5", "Q"},
                          {}, false, no_key);
    BOOST_TEST(research.code == 0, research.err);
    BOOST_TEST(research.out.find("Research report") != std::string::npos, research.out);
    BOOST_TEST(f.creates().empty()); // the fixture's emulator saw nothing
}

BOOST_AUTO_TEST_CASE(help_and_usage_errors)
{
    cli_fixture f;
    auto help = f.run({"--help"}, {}, false);
    BOOST_TEST(help.code == 0);
    for (const char* flag : {"--stream", "--chat", "--stateless", "--system", "--model", "--agent", "--file",
                             "--schema", "--image-out", "--background", "--wait", "--json", "--base-url", "--ca",
                             "--emulator", "get ID", "cancel ID", "delete ID"})
        BOOST_TEST(help.out.find(flag) != std::string::npos, flag);
    auto version = f.run({"--version"}, {}, false);
    BOOST_TEST(version.code == 0);
    BOOST_TEST(version.out == "gemini " + std::string(gemini::version().text) + "\n");
    auto bad = f.run({"--wait", "x"}, {}, false);
    BOOST_TEST(bad.code == 2);
    BOOST_TEST(one_line(bad.err), bad.err);
    auto unknown = f.run({"--frobnicate"}, {}, false);
    BOOST_TEST(unknown.code == 2);
    BOOST_TEST(unknown.err.find("--frobnicate") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failing_api_never_prints_the_key)
{
    cli_fixture f;
    f.server.add_fault_rule("route=create;status=403;times=100");
    auto r = f.run({"hi"});
    BOOST_TEST(r.code == 1);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("(HTTP 403") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
