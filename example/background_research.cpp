// background_research: starts a Deep Research agent in the background, follows its progress
// (status updates and thought summaries, streamed), waits for the final interaction with a
// poll policy, prints the report, then shows that a second run can be cancelled.
//
//   build/bin/background_research     (emulator in-process, or the real API with GEMINI_API_KEY;
//                                      GEMINI_AGENT overrides the agent)
//
// Against the emulator the virtual clock runs 1000x faster than real time, so the one-minute
// simulated research takes about 60 ms; against the real service it takes minutes.

#include "support/environment.hpp"

#include <boost/asio/as_tuple.hpp>

#include <iostream>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::string agent_name()
{
    const char* a = std::getenv("GEMINI_AGENT");
    return a && *a ? a : "deep-research-preview-04-2026";
}

gemini::request research_request(std::string question)
{
    gemini::request req{.agent = agent_name(), .input = std::move(question), .background = true};
    req.agent_config = gemini::deep_research_config{.thinking_summaries = gemini::thinking_summaries::auto_};
    return req;
}

// Polls quickly on a local emulator, at the SDK samples' pace against the real service.
gemini::poll_policy polling(const gemini::client& client)
{
    gemini::poll_policy p;
    if (example::is_loopback_url(client.base_url()))
    {
        p.initial_interval = 20ms;
        p.max_interval = 100ms;
    }
    p.deadline = 30min;   // generous for a run of minutes; a stuck run ends the program
    p.on_poll = [](const gemini::poll_event& e) {
        std::cerr << "  poll " << e.poll << ": " << e.latest.status.str() << "\n";
    };
    return p;
}

} // namespace

asio::awaitable<void> research(gemini::client& client)
{
    auto start = client.create(research_request("How do HTTP/1.1 connection pools behave under load?"));
    gemini::interaction started = co_await std::move(start);
    std::cout << "started " << started.agent.value_or("agent") << ": " << started.status.str() << "\n";

    // Follow the run live. A dropped connection is resumed by the stream itself, from the last
    // event id it saw.
    auto follow = client.stream_get(started.id);
    gemini::interaction_stream progress = co_await std::move(follow);
    for (;;)
    {
        auto pull = progress.next();
        std::optional<gemini::event> ev = co_await std::move(pull);
        if (!ev)
            break;
        if (const auto* update = ev->get_if<gemini::interaction_status_update_event>())
            std::cout << "status: " << update->status.str() << "\n";
        else if (const auto* summary = ev->get_if<gemini::thought_summary_delta_event>())
        {
            if (const std::string* text = summary->content.text_if())
                std::cout << "thinking: " << *text << "\n";
        }
        else if (const auto* done = ev->get_if<gemini::interaction_completed_event>())
            std::cout << "finished: " << done->interaction.status.str() << "\n";
    }

    // The final resource (the stream has ended, so one GET is enough; wait() would also follow
    // a run nobody streamed).
    auto wait = client.wait(started.id, polling(client));
    gemini::interaction report = co_await std::move(wait);
    if (report.status != gemini::interaction_status::completed)
        throw std::runtime_error("the research ended with status " + report.status.str());
    std::cout << "\nReport:\n" << report.output_text() << "\n";
    if (report.usage && report.usage->total_tokens)
        std::cout << "(" << *report.usage->total_tokens << " tokens)\n";

    // A second run, cancelled while it is still queued or running.
    auto second = client.create(research_request("A question we will not wait for."));
    gemini::interaction abandoned = co_await std::move(second);
    auto cancel = client.async_cancel(abandoned.id, {}, asio::as_tuple(asio::use_awaitable));
    auto [ec, cancelled] = co_await std::move(cancel);
    if (!ec)
        std::cout << "\nsecond run: " << cancelled.status.str() << "\n";
    else if (ec == gemini::errc::bad_request)   // it finished before the cancel arrived
        std::cout << "\nsecond run: already finished\n";
    else
        throw gemini::error(ec, {});
}

int main()
{
    gemini::emulator::options emulator;
    emulator.clock_rate = 1000;   // virtual ms per real ms: the simulated minute lasts 60 ms
    return example::run_example("background_research", research, emulator);
}
