#include "tools/cli/cli_args.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>

namespace gemini::cli {

namespace {

std::uint64_t parse_size(std::string_view flag, std::string_view text)
{
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    std::string_view rest(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::uint64_t scale = 1;
    if (rest == "k" || rest == "K")
        scale = 1u << 10;
    else if (rest == "M")
        scale = 1u << 20;
    else if (rest == "G")
        scale = 1u << 30;
    else if (!rest.empty())
        ec = std::errc::invalid_argument;
    if (ec != std::errc{} || end == text.data())
        throw usage_error(std::string(flag) + ": not a size: \"" + std::string(text) + "\"");
    return v * scale;
}

unsigned parse_unsigned(std::string_view flag, std::string_view text)
{
    unsigned v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
        throw usage_error(std::string(flag) + ": not a number: \"" + std::string(text) + "\"");
    return v;
}

void check(bool ok, const char* message)
{
    if (!ok)
        throw usage_error(message);
}

} // namespace

options parse_args(const std::vector<std::string>& args)
{
    options o;
    bool chat = false;
    std::vector<std::string> positional;
    bool options_ended = false;
    bool subcommand_possible = true; // only a first positional before `--` names a subcommand
    for (std::size_t i = 0; i < args.size(); ++i)
    {
        std::string arg = args[i];
        if (options_ended || arg == "-" || !arg.starts_with("-"))
        {
            if (positional.empty() && options_ended)
                subcommand_possible = false;
            positional.push_back(std::move(arg));
            continue;
        }
        if (arg == "--")
        {
            options_ended = true;
            continue;
        }
        std::optional<std::string> inline_value;
        if (arg.starts_with("--") && arg.find('=') != std::string::npos)
        {
            inline_value = arg.substr(arg.find('=') + 1);
            arg.resize(arg.find('='));
        }
        auto value = [&]() -> std::string {
            if (inline_value)
                return *inline_value;
            if (i + 1 >= args.size())
                throw usage_error(arg + " needs a value");
            return args[++i];
        };
        auto flag = [&]() {
            if (inline_value)
                throw usage_error(arg + " takes no value");
        };
        if (arg == "-h" || arg == "--help")
            flag(), o.cmd = command::help;
        else if (arg == "--version")
            flag(), o.cmd = command::version;
        else if (arg == "--stream")
            flag(), o.stream = true;
        else if (arg == "--chat")
            flag(), chat = true;
        else if (arg == "--stateless")
            flag(), o.stateless = true;
        else if (arg == "--resume")
            o.resume_file = value(), chat = true;
        else if (arg == "-s" || arg == "--system")
            o.system = value();
        else if (arg == "-m" || arg == "--model")
            o.model = value();
        else if (arg == "--agent")
            o.agent = value();
        else if (arg == "-f" || arg == "--file")
            o.files.push_back(value());
        else if (arg == "--upload")
            flag(), o.force_upload = true;
        else if (arg == "--upload-threshold")
            o.upload_threshold = parse_size(arg, value());
        else if (arg == "--schema")
            o.schema_file = value();
        else if (arg == "--compact")
            flag(), o.compact = true;
        else if (arg == "--image-out")
            o.image_out = value();
        else if (arg == "--background")
            flag(), o.background = true;
        else if (arg == "--wait")
            flag(), o.wait = true;
        else if (arg == "--poll-interval")
            o.poll_interval_ms = parse_unsigned(arg, value());
        else if (arg == "--json")
            flag(), o.json = true;
        else if (arg == "--base-url")
            o.base_url = value();
        else if (arg == "--ca")
            o.ca_file = value();
        else if (arg == "--emulator")
            flag(), o.emulator = true;
        else if (arg == "-q" || arg == "--quiet")
            flag(), o.quiet = true;
        else
            throw usage_error("unknown option " + arg + " (see gemini --help)");
    }
    if (o.cmd == command::help || o.cmd == command::version)
        return o;

    if (subcommand_possible && !positional.empty() &&
        (positional.front() == "get" || positional.front() == "cancel" || positional.front() == "delete"))
    {
        const std::string name = positional.front();
        if (positional.size() != 2)
            throw usage_error(name + " takes exactly one interaction id (to send \"" + name +
                              "\" as a prompt, write: gemini -- " + name + " ...)");
        o.cmd = name == "get" ? command::get : name == "cancel" ? command::cancel : command::remove;
        o.id = positional[1];
        check(!chat && !o.stream && !o.background && o.files.empty() && o.schema_file.empty() && o.image_out.empty(),
              "get, cancel and delete take only --json, --wait (get), --poll-interval and connection options");
        check(!o.wait || o.cmd == command::get, "--wait goes with get or --background");
        return o;
    }

    if (!positional.empty())
    {
        std::string text;
        for (const auto& p : positional)
            text += (text.empty() ? "" : " ") + p;
        o.prompt = std::move(text);
    }
    check(o.model.empty() || o.agent.empty(), "--model and --agent exclude each other");
    check(!o.stateless || chat, "--stateless goes with --chat");
    check(!o.wait || o.background, "--wait goes with --background (or get ID)");
    check(o.schema_file.empty() || o.image_out.empty(), "--schema and --image-out exclude each other");
    check(!(o.json && o.stream), "--json prints a whole interaction: drop --stream");
    check(!(o.background && o.stream), "--background runs are followed with --wait, not --stream");
    check(!o.force_upload || !o.files.empty(), "--upload goes with --file");
    if (chat)
    {
        o.cmd = command::chat;
        check(!o.prompt, "--chat reads its messages from stdin, one per line: drop the prompt argument");
        check(!o.background, "--background does not go with --chat");
        check(!o.json, "--json does not go with --chat (use /save FILE)");
        check(o.image_out.empty(), "--image-out does not go with --chat");
        check(o.resume_file.empty() || (o.model.empty() && o.agent.empty() && o.system.empty() && !o.stateless),
              "--resume restores the saved settings: drop --model, --agent, --system and --stateless");
    }
    return o;
}

std::string effective_model(const options& o, const char* env_model)
{
    if (!o.agent.empty())
        return {};
    if (!o.model.empty())
        return o.model;
    if (env_model && *env_model)
        return env_model;
    return std::string(default_model);
}

bool should_upload(const options& o, std::uint64_t size) noexcept
{
    return o.force_upload || size > o.upload_threshold;
}

bool is_loopback_url(std::string_view url) noexcept
{
    for (std::string_view scheme : {"http://", "https://"})
    {
        if (!url.starts_with(scheme))
            continue;
        std::string_view host = url.substr(scheme.size());
        for (std::string_view prefix : {"127.", "localhost:", "[::1]"})
            if (host.starts_with(prefix))
                return true;
        return host == "localhost" || host.starts_with("localhost/");
    }
    return false;
}

chat_line parse_chat_line(std::string_view line)
{
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos)
        return {chat_line::empty, {}};
    if (!line.starts_with('/'))
        return {chat_line::message, std::string(line)};
    if (line.starts_with("//"))
        return {chat_line::message, std::string(line.substr(1))};
    const auto space = line.find(' ');
    const std::string_view name = line.substr(0, space);
    std::string_view arg = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    while (!arg.empty() && (arg.front() == ' ' || arg.front() == '\t'))
        arg.remove_prefix(1);
    while (!arg.empty() && (arg.back() == ' ' || arg.back() == '\t'))
        arg.remove_suffix(1);
    if (name == "/reset" && arg.empty())
        return {chat_line::reset, {}};
    if ((name == "/quit" || name == "/exit") && arg.empty())
        return {chat_line::quit, {}};
    if (name == "/help" && arg.empty())
        return {chat_line::help, {}};
    if (name == "/save" && !arg.empty())
        return {chat_line::save, std::string(arg)};
    if (name == "/load" && !arg.empty())
        return {chat_line::load, std::string(arg)};
    return {chat_line::unknown, std::string(line)};
}

std::string error_line(std::string_view operation, std::string_view message, unsigned http_status,
                       std::string_view api_code, std::string_view secret)
{
    std::string line = "gemini: ";
    if (!operation.empty())
        line.append(operation).append(": ");
    line.append(message.empty() ? std::string_view("failed") : message);
    if (http_status != 0 || !api_code.empty())
    {
        line += " (";
        if (http_status != 0)
            line += "HTTP " + std::to_string(http_status);
        if (http_status != 0 && !api_code.empty())
            line += ", ";
        line.append(api_code);
        line += ")";
    }
    for (char& c : line)
        if (c == '\n' || c == '\r')
            c = ' ';
    if (!secret.empty())
        for (std::size_t at = line.find(secret); at != std::string::npos; at = line.find(secret, at + 3))
            line.replace(at, secret.size(), "***");
    return line;
}

namespace {

void pretty(const boost::json::value& v, std::string& out, std::size_t depth)
{
    const std::string indent(2 * (depth + 1), ' ');
    const std::string close(2 * depth, ' ');
    if (v.is_object() && !v.get_object().empty())
    {
        out += "{\n";
        bool first = true;
        for (const auto& [key, member] : v.get_object())
        {
            if (!first)
                out += ",\n";
            first = false;
            out += indent + boost::json::serialize(boost::json::value(key)) + ": ";
            pretty(member, out, depth + 1);
        }
        out += "\n" + close + "}";
    }
    else if (v.is_array() && !v.get_array().empty())
    {
        out += "[\n";
        bool first = true;
        for (const auto& element : v.get_array())
        {
            if (!first)
                out += ",\n";
            first = false;
            out += indent;
            pretty(element, out, depth + 1);
        }
        out += "\n" + close + "]";
    }
    else
        out += boost::json::serialize(v);
}

} // namespace

std::string pretty_json(const boost::json::value& v)
{
    std::string out;
    pretty(v, out, 0);
    return out;
}

std::string trim_prompt(std::string text)
{
    if (!text.empty() && text.back() == '\n')
        text.pop_back();
    if (!text.empty() && text.back() == '\r')
        text.pop_back();
    return text;
}

std::string_view help_text() noexcept
{
    return R"(usage: gemini [options] [PROMPT...]      one answer (PROMPT "-" or none: read stdin)
       gemini --chat [options]              a conversation, one message per line of stdin
       gemini get|cancel|delete ID          a stored interaction

Asks the Gemini Interactions API and prints the answer. Guide: docs/cli.md.

Request:
  -m, --model M          model (default: GEMINI_MODEL, else gemini-3.5-flash)
      --agent A          an agent instead of a model, e.g. deep-research-preview-04-2026
                         (Deep Research runs only in the background: add --background)
  -s, --system TEXT      system instruction
  -f, --file PATH        attach an image, audio, video or document (repeatable); files over
                         the upload threshold go through the Files API, smaller ones inline
      --upload           send every --file through the Files API
      --upload-threshold N   bytes (suffix k, M, G) above which a file is uploaded (default 20M)
      --schema FILE      structured output: FILE holds a JSON Schema; prints the JSON answer
      --compact          with --schema: the JSON on one line instead of indented
      --image-out FILE   ask for an image and save it to FILE (the text, if any, is printed)

Output:
      --stream           print the answer as it arrives
      --json             print the whole interaction as JSON (one line) instead of its text
  -q, --quiet            no notes on stderr (progress, saved files)

Background runs:
      --background       start the run in the background and print its id
      --wait             with --background (or get ID): wait until it ends, progress on
                         stderr, then print the answer
      --poll-interval MS first pause between two polls (default 2000; grows up to 10 s)

Conversation (--chat): each line of stdin is one message; the answers go to stdout.
      --chat             stored on the server (turns chained by previous_interaction_id)
      --stateless        with --chat: nothing stored, the whole history is sent every turn
      --resume FILE      continue a conversation saved with /save (implies --chat)
  Commands: /reset (start over), /save FILE, /load FILE, /help, /quit (or end of input).
  A line starting with "//" sends the text after the first "/".

Subcommands:
  get ID                 print a stored interaction's answer (or "ID STATUS" while it runs)
  cancel ID              cancel a background run; prints "ID STATUS"
  delete ID              delete a stored interaction; prints "deleted ID"
  (a prompt that starts with one of these words: gemini -- get ...)

Connection:
      --base-url URL     API base URL (default: GEMINI_BASE_URL, else the Google API)
      --ca FILE          extra trusted CA certificate, PEM (default: GEMINI_CA_FILE)
      --emulator         run an in-process emulator of the API and use it (no key needed)
  -h, --help             this text
      --version          the library version

Environment: GEMINI_API_KEY (required for the Google API), GEMINI_BASE_URL, GEMINI_CA_FILE,
GEMINI_API_VERSION, GEMINI_MODEL. The key is never printed.

Exit status: 0 success; 1 the API or the connection failed, or the interaction ended failed,
cancelled or incomplete; 2 usage error.
)";
}

} // namespace gemini::cli
