#pragma once
// The sans-io part of the `gemini` command line (docs/cli.md): argument parsing, the chat
// commands, the upload decision, the error line and JSON printing. No I/O here, so that unit
// tests (test/unit/tools/cli_args_test.cpp) cover every rule; src/tools/cli/main.cpp does the rest.

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gemini::cli {

/// A command line that cannot be run; main() prints it and exits with status 2.
struct usage_error : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// The model used when neither --model, --agent nor GEMINI_MODEL says otherwise.
inline constexpr std::string_view default_model = "gemini-3.5-flash";

/// Files larger than this are sent through the Files API instead of inline (the API's inline
/// limit is about 100 MB per request; 20 MB keeps requests small and retries cheap).
inline constexpr std::uint64_t default_upload_threshold = 20u << 20;

enum class command
{
    prompt, ///< one question (or a background run); the default
    chat,   ///< --chat / --resume: a conversation read line by line from stdin
    get,    ///< get ID
    cancel, ///< cancel ID
    remove, ///< delete ID
    help,   ///< --help
    version ///< --version
};

struct options
{
    command cmd = command::prompt;
    std::string id;                     ///< get / cancel / delete
    std::optional<std::string> prompt;  ///< empty or "-": read stdin
    bool stream = false;
    bool stateless = false;
    std::string resume_file;            ///< --resume FILE (implies chat)
    std::string system;
    std::string model;                  ///< empty: GEMINI_MODEL, else default_model (unless agent)
    std::string agent;
    std::vector<std::string> files;
    bool force_upload = false;
    std::uint64_t upload_threshold = default_upload_threshold;
    std::string schema_file;
    bool compact = false;
    std::string image_out;
    bool background = false;
    bool wait = false;
    unsigned poll_interval_ms = 2000;
    bool json = false;
    std::string base_url;
    std::string ca_file;
    bool emulator = false;
    bool quiet = false;
};

/// Parses argv[1..] (without the program name). Throws usage_error naming the flag at fault.
/// `--flag=value` and `--flag value` are both accepted; `--` ends the options.
options parse_args(const std::vector<std::string>& args);

/// The model a request uses: --model, else GEMINI_MODEL (`env_model`, may be null or empty),
/// else default_model. Empty when an agent is used.
std::string effective_model(const options& o, const char* env_model);

/// Whether a file of `size` bytes goes through the Files API.
bool should_upload(const options& o, std::uint64_t size) noexcept;

/// Whether a base URL names this machine (http://127.x, localhost, [::1]): such a server is
/// used without an API key.
bool is_loopback_url(std::string_view url) noexcept;

/// One line typed in --chat mode.
struct chat_line
{
    enum kind_t
    {
        message, ///< text to send (arg)
        empty,   ///< blank line: ignored
        reset,   ///< /reset
        save,    ///< /save FILE (arg)
        load,    ///< /load FILE (arg)
        quit,    ///< /quit, /exit
        help,    ///< /help
        unknown  ///< another /command (arg: the line); "//text" sends "/text"
    } kind = message;
    std::string arg;
};
chat_line parse_chat_line(std::string_view line);

/// `gemini: <operation>: <message> (HTTP 404, not_found)`: one line (newlines folded), with
/// every occurrence of `secret` (the API key, when non-empty) replaced by "***".
std::string error_line(std::string_view operation, std::string_view message, unsigned http_status,
                       std::string_view api_code, std::string_view secret = {});

/// JSON text indented by two spaces (Boost.JSON 1.81 has no pretty printer).
std::string pretty_json(const boost::json::value& v);

/// The text read from stdin as a prompt: one trailing newline (\n or \r\n) removed.
std::string trim_prompt(std::string text);

/// The --help text.
std::string_view help_text() noexcept;

} // namespace gemini::cli
