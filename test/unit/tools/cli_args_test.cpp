// The sans-io core of the `gemini` command line: flags, their combinations, chat commands, the
// upload decision, the one-line error and pretty JSON.

#include "tools/cli/cli_args.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;
using namespace gemini::cli;

namespace {

options parse(std::vector<std::string> args)
{
    return parse_args(args);
}

bool refused(std::vector<std::string> args)
{
    try
    {
        parse_args(args);
        return false;
    }
    catch (const usage_error&)
    {
        return true;
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(cli_args)

BOOST_AUTO_TEST_CASE(prompt_words_are_joined_and_stdin_is_the_default)
{
    BOOST_TEST(!parse({}).prompt.has_value());
    BOOST_TEST(*parse({"-"}).prompt == "-");
    const auto o = parse({"why", "is", "the sky", "blue?"});
    BOOST_TEST((o.cmd == command::prompt));
    BOOST_TEST(*o.prompt == "why is the sky blue?");
}

BOOST_AUTO_TEST_CASE(every_flag_is_read_in_both_spellings)
{
    const auto o = parse({"--model", "m1", "--system=be brief", "-f", "a.png", "--file=b.pdf", "--upload",
                          "--upload-threshold", "3k", "--schema", "s.json", "--compact", "--stream", "--base-url",
                          "https://127.0.0.1:1", "--ca=ca.pem", "--emulator", "-q", "--poll-interval", "50", "hi"});
    BOOST_TEST(o.model == "m1");
    BOOST_TEST(o.system == "be brief");
    BOOST_TEST((o.files == std::vector<std::string>{"a.png", "b.pdf"}));
    BOOST_TEST(o.force_upload);
    BOOST_TEST(o.upload_threshold == 3072u);
    BOOST_TEST(o.schema_file == "s.json");
    BOOST_TEST(o.compact);
    BOOST_TEST(o.stream);
    BOOST_TEST(o.base_url == "https://127.0.0.1:1");
    BOOST_TEST(o.ca_file == "ca.pem");
    BOOST_TEST(o.emulator);
    BOOST_TEST(o.quiet);
    BOOST_TEST(o.poll_interval_ms == 50u);
    BOOST_TEST(*o.prompt == "hi");

    const auto b = parse({"--agent", "deep-research-x", "--background", "--wait", "--json", "--image-out", "x.png",
                          "q"});
    BOOST_TEST(b.agent == "deep-research-x");
    BOOST_TEST(b.background);
    BOOST_TEST(b.wait);
    BOOST_TEST(b.json);
    BOOST_TEST(b.image_out == "x.png");
}

BOOST_AUTO_TEST_CASE(help_and_version_win_over_everything_else)
{
    BOOST_TEST((parse({"--chat", "x", "--help"}).cmd == command::help));
    BOOST_TEST((parse({"-h"}).cmd == command::help));
    BOOST_TEST((parse({"--version"}).cmd == command::version));
    for (const char* flag : {"--stream", "--chat", "--stateless", "--resume", "--system", "--model", "--agent",
                             "--file", "--upload", "--upload-threshold", "--schema", "--compact", "--image-out",
                             "--background", "--wait", "--poll-interval", "--json", "--base-url", "--ca",
                             "--emulator", "--quiet", "get ID", "cancel ID", "delete ID", "/reset", "/save FILE",
                             "/load FILE", "GEMINI_API_KEY", "GEMINI_BASE_URL", "GEMINI_CA_FILE", "GEMINI_MODEL"})
        BOOST_TEST(help_text().find(flag) != std::string_view::npos, "--help does not mention " << flag);
}

BOOST_AUTO_TEST_CASE(subcommands_take_one_id)
{
    auto g = parse({"get", "v1_abc", "--json"});
    BOOST_TEST((g.cmd == command::get));
    BOOST_TEST(g.id == "v1_abc");
    BOOST_TEST(g.json);
    BOOST_TEST((parse({"cancel", "x"}).cmd == command::cancel));
    BOOST_TEST((parse({"delete", "x"}).cmd == command::remove));
    BOOST_TEST(parse({"get", "x", "--wait"}).wait);
    BOOST_TEST(refused({"get"}));
    BOOST_TEST(refused({"delete", "a", "b"}));
    BOOST_TEST(refused({"cancel", "x", "--wait"}));
    BOOST_TEST(refused({"get", "x", "--stream"}));
    // After `--` the words are a prompt.
    auto p = parse({"--", "get", "the", "weather"});
    BOOST_TEST((p.cmd == command::prompt));
    BOOST_TEST(*p.prompt == "get the weather");
    // A prompt that merely starts with another word stays a prompt.
    BOOST_TEST((parse({"getting", "x"}).cmd == command::prompt));
}

BOOST_AUTO_TEST_CASE(chat_mode_and_its_restrictions)
{
    auto c = parse({"--chat", "--stateless", "--system", "s"});
    BOOST_TEST((c.cmd == command::chat));
    BOOST_TEST(c.stateless);
    auto r = parse({"--resume", "saved.json"});
    BOOST_TEST((r.cmd == command::chat));
    BOOST_TEST(r.resume_file == "saved.json");
    BOOST_TEST(refused({"--chat", "hello"}));
    BOOST_TEST(refused({"--stateless", "hi"}));
    BOOST_TEST(refused({"--chat", "--background"}));
    BOOST_TEST(refused({"--chat", "--json"}));
    BOOST_TEST(refused({"--chat", "--image-out", "x.png"}));
    BOOST_TEST(refused({"--resume", "f", "--model", "m"}));
}

BOOST_AUTO_TEST_CASE(contradictions_are_usage_errors)
{
    BOOST_TEST(refused({"--model", "m", "--agent", "a", "x"}));
    BOOST_TEST(refused({"--wait", "x"}));
    BOOST_TEST(refused({"--schema", "s", "--image-out", "i", "x"}));
    BOOST_TEST(refused({"--json", "--stream", "x"}));
    BOOST_TEST(refused({"--background", "--stream", "x"}));
    BOOST_TEST(refused({"--upload", "x"}));
    BOOST_TEST(refused({"--bogus", "x"}));
    BOOST_TEST(refused({"--model"}));
    BOOST_TEST(refused({"--stream=yes", "x"}));
    BOOST_TEST(refused({"--upload-threshold", "12q", "-f", "a", "x"}));
    BOOST_TEST(refused({"--poll-interval", "-1", "x"}));
}

BOOST_AUTO_TEST_CASE(model_comes_from_the_flag_then_the_environment_then_the_default)
{
    options o;
    BOOST_TEST(effective_model(o, nullptr) == std::string(default_model));
    BOOST_TEST(effective_model(o, "") == std::string(default_model));
    BOOST_TEST(effective_model(o, "env-model") == "env-model");
    o.model = "flag-model";
    BOOST_TEST(effective_model(o, "env-model") == "flag-model");
    o.model.clear();
    o.agent = "agent";
    BOOST_TEST(effective_model(o, "env-model").empty());
}

BOOST_AUTO_TEST_CASE(files_above_the_threshold_are_uploaded)
{
    options o;
    BOOST_TEST(!should_upload(o, default_upload_threshold));
    BOOST_TEST(should_upload(o, default_upload_threshold + 1));
    o.upload_threshold = 10;
    BOOST_TEST(should_upload(o, 11));
    BOOST_TEST(!should_upload(o, 10));
    o.force_upload = true;
    BOOST_TEST(should_upload(o, 0));
}

BOOST_AUTO_TEST_CASE(chat_lines)
{
    BOOST_TEST((parse_chat_line("hello there").kind == chat_line::message));
    BOOST_TEST(parse_chat_line("hello there\r").arg == "hello there");
    BOOST_TEST((parse_chat_line("   ").kind == chat_line::empty));
    BOOST_TEST((parse_chat_line("/reset").kind == chat_line::reset));
    BOOST_TEST((parse_chat_line("/quit").kind == chat_line::quit));
    BOOST_TEST((parse_chat_line("/exit").kind == chat_line::quit));
    BOOST_TEST((parse_chat_line("/help").kind == chat_line::help));
    auto save = parse_chat_line("/save  my chat.json ");
    BOOST_TEST((save.kind == chat_line::save));
    BOOST_TEST(save.arg == "my chat.json");
    auto load = parse_chat_line("/load x.json");
    BOOST_TEST((load.kind == chat_line::load));
    BOOST_TEST(load.arg == "x.json");
    BOOST_TEST((parse_chat_line("/save").kind == chat_line::unknown));
    BOOST_TEST((parse_chat_line("/frobnicate").kind == chat_line::unknown));
    auto escaped = parse_chat_line("//reset is a word");
    BOOST_TEST((escaped.kind == chat_line::message));
    BOOST_TEST(escaped.arg == "/reset is a word");
}

BOOST_AUTO_TEST_CASE(error_line_is_one_line_without_the_key)
{
    BOOST_TEST(error_line("get", "Interaction not found.", 404, "not_found") ==
               "gemini: get: Interaction not found. (HTTP 404, not_found)");
    BOOST_TEST(error_line("create", "connection refused", 0, "") == "gemini: create: connection refused");
    BOOST_TEST(error_line("", "bad\nthing", 500, "") == "gemini: bad thing (HTTP 500)");
    const auto line = error_line("create", "key sk-123 is invalid; sk-123", 400, "invalid_request", "sk-123");
    BOOST_TEST(line.find("sk-123") == std::string::npos);
    BOOST_TEST(line == "gemini: create: key *** is invalid; *** (HTTP 400, invalid_request)");
}

BOOST_AUTO_TEST_CASE(pretty_json_round_trips)
{
    const auto v = json::parse(R"({"a":[1,{"b":"x\"y"},[]],"c":{},"d":null})");
    const auto text = pretty_json(v);
    BOOST_TEST(json::parse(text) == v);
    BOOST_TEST(text == "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x\\\"y\"\n    },\n    []\n  ],\n  \"c\": {},\n"
                       "  \"d\": null\n}");
}

BOOST_AUTO_TEST_CASE(stdin_prompt_loses_one_trailing_newline)
{
    BOOST_TEST(trim_prompt("hi\n") == "hi");
    BOOST_TEST(trim_prompt("hi\r\n") == "hi");
    BOOST_TEST(trim_prompt("a\nb\n\n") == "a\nb\n");
    BOOST_TEST(trim_prompt("") == "");
}

BOOST_AUTO_TEST_CASE(loopback_urls)
{
    BOOST_TEST(is_loopback_url("https://127.0.0.1:8443"));
    BOOST_TEST(is_loopback_url("http://localhost:80/v"));
    BOOST_TEST(is_loopback_url("http://localhost"));
    BOOST_TEST(is_loopback_url("https://[::1]:1"));
    BOOST_TEST(!is_loopback_url("https://localhost.evil.com"));
    BOOST_TEST(!is_loopback_url("https://generativelanguage.googleapis.com"));
}

BOOST_AUTO_TEST_SUITE_END()
