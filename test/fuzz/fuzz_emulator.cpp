// The emulator's request handling (service::handle, sans-io) on arbitrary requests. Input: up
// to eight requests separated by a line `%%`; each is `METHOD TARGET`, header lines
// `name: value`, an empty line, then the body. A fresh service per input, so that a crash
// reproduces from its input alone.
//
// handle() answering with an exception is a finding (the server turns it into a 500 "emulator
// internal error", never a documented answer). Invariants when no fault was injected: a JSON
// reply body parses, and every frame of a streamed reply is one SSE event whose data is JSON or
// the [DONE] sentinel.
#include "emulator/service.hpp"
#include "fuzz_support.hpp"
#include "sse/parser.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace emu = gemini::emulator;
namespace sse = gemini::detail::sse;

emu::detail::http_request parse_request(std::string_view text)
{
    emu::detail::http_request req;
    auto next_line = [&] {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        return line;
    };
    const std::string_view start = next_line();
    const auto sp = start.find(' ');
    req.method = std::string(start.substr(0, sp));
    req.target = sp == std::string_view::npos ? std::string("/") : std::string(start.substr(sp + 1));
    while (!text.empty())
    {
        const std::string_view line = next_line();
        if (line.empty())
            break;
        const auto colon = line.find(':');
        std::string name(line.substr(0, colon));
        for (auto& c : name)
            c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        req.headers.emplace_back(std::move(name), std::string(value));
    }
    req.body = std::string(text);
    return req;
}

void check_reply(const emu::detail::http_reply& reply)
{
    if (reply.stream)
    {
        std::vector<const emu::detail::log_frame*> frames;
        (void)reply.stream->log->read(reply.stream->from, frames, [] {});
        for (const auto* f : frames)
        {
            sse::parser p;
            int events = 0;
            const auto err = p.feed(f->bytes, [&](const sse::event& e) {
                ++events;
                if (e.kind == sse::event_kind::message)
                {
                    boost::system::error_code ec;
                    (void)boost::json::parse(e.data, ec);
                    gemini::fuzz::check(!ec, "a stream event's data is JSON");
                }
            });
            gemini::fuzz::check(err == sse::parse_error::none && events == 1 && !p.mid_event(), "one SSE event per frame");
        }
        return;
    }
    if (reply.content_type == "application/json" && !reply.body.empty())
    {
        boost::system::error_code ec;
        (void)boost::json::parse(reply.body, ec);
        if (ec)
            std::fprintf(stderr, "status %u body: %s\n", reply.status, reply.body.c_str());
        gemini::fuzz::check(!ec, "a JSON reply body parses");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    emu::options opts;
    opts.tls = false;
    opts.request_log_limit = 0;
    emu::detail::service svc(opts);
    for (int n = 0; n < 8 && !input.empty(); ++n)
    {
        const auto sep = input.find("\n%%\n");
        const auto req = parse_request(input.substr(0, sep));
        input.remove_prefix(sep == std::string_view::npos ? input.size() : sep + 4);

        const auto faults_before = svc.faults_injected.load();
        emu::detail::http_reply reply;
        try
        {
            reply = svc.handle(req);
        }
        catch (const std::exception& e)
        {
            std::fprintf(stderr, "handle threw: %s\n", e.what());
            std::abort();
        }
        if (svc.faults_injected.load() == faults_before)
            check_reply(reply);
    }
    return 0;
}
