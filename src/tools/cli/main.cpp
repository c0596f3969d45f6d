// gemini: the command line of the library (docs/cli.md). One question, a streamed answer, a
// conversation on stdin, files, structured output, images, background runs and the stored
// interactions' get / cancel / delete.
//
// The rules (flags, chat commands, upload decision, error line) live in cli_args.cpp, which unit
// tests cover; this file only connects them to the public API and to stdin / stdout / stderr.

#include "tools/cli/cli_args.hpp"

#include <gemini/emulator.hpp>
#include <gemini/gemini.hpp>
#include <gemini/version.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include <unistd.h>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace gemini::cli;

namespace {

/// A local failure (unreadable file, answer without an image ...): exit status 1.
struct failure : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

const char* env(const char* name)
{
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

/// Removed from every message we print, whatever its origin.
std::string secret()
{
    const char* key = env("GEMINI_API_KEY");
    return key ? key : "";
}

void report(const gemini::error& e)
{
    const auto& d = e.diag();
    std::string message = !d.api_message.empty() ? d.api_message
                          : !d.library_message.empty() ? d.library_message
                                                       : e.code().message();
    if (!d.interaction_id.empty() && message.find(d.interaction_id) == std::string::npos)
        message = d.interaction_id + ": " + message;
    std::cerr << error_line(d.operation, message, d.http_status, d.api_code, secret()) << "\n";
}

void report(std::string_view message)
{
    std::cerr << error_line({}, message, 0, {}, secret()) << "\n";
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw failure(path + ": cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

json::value read_json_file(const std::string& path)
{
    boost::system::error_code ec;
    json::value v = json::parse(read_file(path), ec);
    if (ec)
        throw failure(path + ": not JSON: " + ec.message());
    return v;
}

void write_file(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out)
        throw failure(path + ": cannot write");
}

/// The template of every request: who answers, how, in which format. No input.
gemini::request settings(const options& o)
{
    gemini::request r;
    if (!o.agent.empty())
        r.agent = o.agent;
    else
        r.model = effective_model(o, env("GEMINI_MODEL"));
    if (!o.system.empty())
        r.system_instruction = o.system;
    if (!o.schema_file.empty())
    {
        gemini::text_format format{.mime_type = "application/json", .schema = read_json_file(o.schema_file)};
        r.response_format = gemini::output_format(std::move(format));
    }
    if (!o.image_out.empty())
        r.response_format = gemini::image_response();
    return r;
}

/// The prompt, then one block per --file: inline, or uploaded and referred to by URI.
asio::awaitable<gemini::input> make_input(gemini::client& c, options o, std::string text)
{
    if (o.files.empty())
        co_return gemini::input(std::move(text));
    std::vector<gemini::content> blocks;
    if (!text.empty())
        blocks.push_back(gemini::content::text(std::move(text)));
    for (const auto& path : o.files)
    {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        if (ec)
            throw failure(path + ": " + ec.message());
        if (!should_upload(o, size))
        {
            blocks.push_back(gemini::media_from_file(path));
            continue;
        }
        auto upload = gemini::upload_file(c, path);
        gemini::file f = co_await std::move(upload);
        if (!f.is_active())
        {
            auto ready = gemini::wait_until_active(c, f.name);
            f = co_await std::move(ready);
        }
        if (!o.quiet)
            std::cerr << "gemini: uploaded " << path << " (" << size << " bytes) as " << f.name << "\n";
        blocks.push_back(f.as_content());
    }
    co_return gemini::input(std::move(blocks));
}

/// The answer of a structured-output request.
json::value json_answer(const gemini::interaction& i)
{
    boost::system::error_code ec;
    json::value v = json::parse(i.output_text(), ec);
    if (ec)
        throw failure("interaction " + i.id + ": the answer is not JSON: " + ec.message());
    return v;
}

/// 0 for a completed interaction; otherwise says why on stderr and returns 1.
int outcome(const gemini::interaction& i)
{
    if (i.status == gemini::interaction_status::completed)
        return 0;
    std::string message = "interaction " + i.id + " ended with status " + i.status.str();
    if (i.errors)
        for (const auto& e : *i.errors)
            if (e.message)
                message += ": " + *e.message;
    if (i.status == gemini::interaction_status::requires_action)
        message += " (the model asks for function calls; see them with --json)";
    report(message);
    return 1;
}

void print_json(const gemini::interaction& i)
{
    std::cout << json::serialize(json::value_from(i)) << "\n" << std::flush;
}

/// Prints an answer as the flags ask; returns the exit status.
int print_answer(const options& o, const gemini::interaction& i)
{
    if (o.json)
    {
        print_json(i);
        return outcome(i);
    }
    if (!o.image_out.empty() && i.status == gemini::interaction_status::completed)
    {
        const auto* image = i.output_image();
        if (!image)
            throw failure("the answer holds no image");
        const gemini::media_bytes bytes = gemini::decode(*image);
        bytes.save(o.image_out);
        if (!o.quiet)
            std::cerr << "gemini: saved " << (bytes.mime_type.empty() ? "image" : bytes.mime_type) << " ("
                      << bytes.data.size() << " bytes) to " << o.image_out << "\n";
        if (const std::string text = i.output_text(); !text.empty())
            std::cout << text << "\n";
    }
    else if (!o.schema_file.empty() && i.status == gemini::interaction_status::completed)
    {
        const json::value v = json_answer(i);
        std::cout << (o.compact ? json::serialize(v) : pretty_json(v)) << "\n";
    }
    else
        std::cout << i.output_text() << "\n";
    std::cout << std::flush;
    return outcome(i);
}

gemini::poll_policy polling(const options& o)
{
    gemini::poll_policy p;
    p.initial_interval = std::chrono::milliseconds(o.poll_interval_ms);
    if (p.max_interval < p.initial_interval)
        p.max_interval = p.initial_interval;
    if (!o.quiet)
        p.on_poll = [](const gemini::poll_event& e) {
            std::cerr << "gemini: " << e.interaction_id << ": " << e.latest.status.str() << " (poll " << e.poll
                      << ", " << e.elapsed.count() / 1000.0 << " s)\n";
        };
    return p;
}

std::string read_stdin()
{
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

asio::awaitable<int> ask(gemini::client& c, options o)
{
    std::string text = o.prompt && *o.prompt != "-" ? *o.prompt : trim_prompt(read_stdin());
    if (text.empty() && o.files.empty())
        throw usage_error("empty prompt (give it as an argument or on stdin)");
    gemini::request req = settings(o);
    auto build = make_input(c, o, std::move(text));
    req.input = co_await std::move(build);

    if (o.background)
    {
        req.background = true;
        auto start = c.create(std::move(req));
        gemini::interaction started = co_await std::move(start);
        if (!o.wait)
        {
            if (o.json)
                print_json(started);
            else
                std::cout << started.id << "\n";
            co_return 0;
        }
        if (!o.quiet)
            std::cerr << "gemini: started " << started.id << "\n";
        auto wait = c.wait(started.id, polling(o));
        gemini::interaction done = co_await std::move(wait);
        co_return print_answer(o, done);
    }

    if (o.stream && o.image_out.empty())
    {
        auto open = c.stream(std::move(req));
        gemini::interaction_stream s = co_await std::move(open);
        std::optional<gemini::interaction> last;
        for (;;)
        {
            auto pull = s.next();
            std::optional<gemini::event> ev = co_await std::move(pull);
            if (!ev)
                break;
            if (const auto* delta = ev->get_if<gemini::text_delta_event>())
                std::cout << delta->text << std::flush;
            else if (const auto* completed = ev->get_if<gemini::interaction_completed_event>())
                last = completed->interaction;
        }
        std::cout << "\n" << std::flush;
        co_return last ? outcome(*last) : 0;
    }
    if (o.stream)
    {
        // An image arrives in one piece anyway: collect the stream and save it.
        auto open = c.stream(std::move(req));
        gemini::interaction_stream s = co_await std::move(open);
        auto all = s.collect();
        gemini::interaction i = co_await std::move(all);
        co_return print_answer(o, i);
    }

    auto create = c.create(std::move(req));
    gemini::interaction answer = co_await std::move(create);
    co_return print_answer(o, answer);
}

const char* const chat_help = "commands: /reset (start over), /save FILE, /load FILE, /help, /quit; "
                              "other lines are sent (\"//text\" sends \"/text\")";

asio::awaitable<void> chat_turn(gemini::client& c, const options& o, gemini::chat& conv, gemini::input in)
{
    if (o.stream)
    {
        auto open = conv.send_stream(std::move(in));
        gemini::chat_stream s = co_await std::move(open);
        for (;;)
        {
            auto pull = s.next();
            std::optional<gemini::event> ev = co_await std::move(pull);
            if (!ev)
                break;
            if (const auto* delta = ev->get_if<gemini::text_delta_event>())
                std::cout << delta->text << std::flush;
        }
        std::cout << "\n" << std::flush;
        co_return;
    }
    auto send = conv.send(std::move(in));
    gemini::interaction answer = co_await std::move(send);
    if (!o.schema_file.empty() && answer.status == gemini::interaction_status::completed)
    {
        const json::value v = json_answer(answer);
        std::cout << (o.compact ? json::serialize(v) : pretty_json(v)) << "\n" << std::flush;
    }
    else
        std::cout << answer.output_text() << "\n" << std::flush;
    (void)c;
    if (answer.status != gemini::interaction_status::completed)
        outcome(answer);
}

asio::awaitable<int> converse(gemini::client& c, options o)
{
    std::optional<gemini::chat> conv;
    if (!o.resume_file.empty())
        conv.emplace(gemini::chat::from_json(c, read_json_file(o.resume_file)));
    else
    {
        gemini::request s = settings(o);
        if (o.stateless)
            s.store = false;
        conv.emplace(c, std::move(s));
    }
    const bool prompt = ::isatty(0) && !o.quiet;
    if (prompt)
        std::cerr << "gemini chat (" << chat_help << ")\n";
    bool files_sent = false;
    int status = 0;
    std::string line;
    for (;;)
    {
        if (prompt)
            std::cerr << "> " << std::flush;
        if (!std::getline(std::cin, line))
            break;
        const chat_line cmd = parse_chat_line(line);
        try
        {
            switch (cmd.kind)
            {
            case chat_line::empty:
                break;
            case chat_line::quit:
                co_return status;
            case chat_line::help:
                std::cerr << chat_help << "\n";
                break;
            case chat_line::unknown:
                report("unknown chat command: " + cmd.arg + " (" + chat_help + ")");
                break;
            case chat_line::reset:
                conv->reset();
                if (!o.quiet)
                    std::cerr << "gemini: conversation reset\n";
                break;
            case chat_line::save:
                write_file(cmd.arg, json::serialize(conv->to_json()) + "\n");
                if (!o.quiet)
                    std::cerr << "gemini: saved the conversation to " << cmd.arg << "\n";
                break;
            case chat_line::load:
                *conv = gemini::chat::from_json(c, read_json_file(cmd.arg));
                if (!o.quiet)
                    std::cerr << "gemini: loaded the conversation from " << cmd.arg << "\n";
                break;
            case chat_line::message: {
                // The --file attachments go with the first message.
                options with_files = o;
                if (files_sent)
                    with_files.files.clear();
                auto build = make_input(c, with_files, cmd.arg);
                gemini::input in = co_await std::move(build);
                auto turn = chat_turn(c, o, *conv, std::move(in));
                co_await std::move(turn);
                files_sent = true;   // not before: a failed turn is sent again with them
                break;
            }
            }
        }
        catch (const gemini::error& e)
        {
            // A failed turn leaves the conversation as it was: the user may go on.
            report(e);
            status = 1;
        }
        catch (const failure& e)
        {
            report(e.what());
            status = 1;
        }
    }
    co_return status;
}

asio::awaitable<int> stored(gemini::client& c, options o)
{
    if (o.cmd == command::remove)
    {
        auto remove = c.remove(o.id);
        co_await std::move(remove);
        std::cout << "deleted " << o.id << "\n";
        co_return 0;
    }
    if (o.cmd == command::cancel)
    {
        auto cancel = c.cancel(o.id);
        gemini::interaction i = co_await std::move(cancel);
        if (o.json)
            print_json(i);
        else
            std::cout << i.id << " " << i.status.str() << "\n";
        co_return 0;
    }
    auto get = c.get(o.id);
    gemini::interaction i = co_await std::move(get);
    if (o.wait && !i.is_terminal())
    {
        auto wait = c.wait(o.id, polling(o));
        i = co_await std::move(wait);
    }
    if (o.json)
    {
        print_json(i);
        co_return 0;
    }
    if (!i.is_terminal())
    {
        std::cout << i.id << " " << i.status.str() << "\n";
        co_return 0;
    }
    co_return print_answer(o, i);
}

asio::awaitable<int> dispatch(gemini::client& c, options o)
{
    switch (o.cmd)
    {
    case command::chat:
        return converse(c, std::move(o));
    case command::get:
    case command::cancel:
    case command::remove:
        return stored(c, std::move(o));
    default:
        return ask(c, std::move(o));
    }
}

const char* const no_api_text =
    "gemini: no API to talk to: set GEMINI_API_KEY (a Gemini API key), or GEMINI_BASE_URL (another "
    "server, e.g. a running gemini-emulator), or add --emulator to try everything against an "
    "in-process emulator of the API";

} // namespace

int main(int argc, char** argv)
{
    options o;
    try
    {
        o = parse_args(std::vector<std::string>(argv + 1, argv + argc));
    }
    catch (const usage_error& e)
    {
        std::cerr << "gemini: " << e.what() << " (see gemini --help)\n";
        return 2;
    }
    if (o.cmd == command::help)
    {
        std::cout << help_text();
        return 0;
    }
    if (o.cmd == command::version)
    {
        std::cout << "gemini " << gemini::version().text << "\n";
        return 0;
    }

    try
    {
        gemini::client_options co;
        co.base_url = o.base_url;
        co.ca_file = o.ca_file;
        std::unique_ptr<gemini::emulator::server> emulator;
        if (o.emulator)
        {
            // A virtual minute per real 60 ms: background runs and Deep Research finish at once.
            gemini::emulator::options eo;
            eo.threads = 1;
            eo.clock_rate = 1000;
            emulator = std::make_unique<gemini::emulator::server>(std::move(eo));
            co.base_url = emulator->base_url();
            co.ca_pem = emulator->ca_pem();
            co.ca_file.clear();
            co.api_key = "emulator-placeholder-key";
            if (!o.quiet)
                std::cerr << "gemini: using an in-process emulator at " << emulator->base_url() << "\n";
        }
        else if (!env("GEMINI_API_KEY"))
        {
            const std::string base = !o.base_url.empty() ? o.base_url : env("GEMINI_BASE_URL") ? env("GEMINI_BASE_URL") : "";
            if (base.empty())
            {
                std::cerr << no_api_text << " (see gemini --help)\n";
                return 2;
            }
            if (!is_loopback_url(base))
            {
                std::cerr << "gemini: GEMINI_API_KEY is not set (needed for " << base << ")\n";
                return 2;
            }
            co.api_key = "no-key"; // a local server (the emulator accepts any key)
        }

        asio::io_context ioc;
        int status = 0;
        std::exception_ptr failed;
        {
            gemini::client client(ioc.get_executor(), std::move(co));
            asio::co_spawn(ioc, dispatch(client, std::move(o)), [&](std::exception_ptr e, int rc) {
                failed = e;
                status = rc;
            });
            ioc.run();
        }
        if (failed)
            std::rethrow_exception(failed);
        return status;
    }
    catch (const gemini::error& e)
    {
        report(e);
        return 1;
    }
    catch (const usage_error& e)
    {
        std::cerr << "gemini: " << e.what() << " (see gemini --help)\n";
        return 2;
    }
    catch (const std::exception& e)
    {
        report(e.what());
        return 1;
    }
}
