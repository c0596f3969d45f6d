// stream: prints the answer's text as it arrives, then the token usage.
//
// stdout depends only on the events received, so a run that resumed after a dropped
// connection prints exactly what an uninterrupted run prints; ids, resumes and timings go to
// stderr.

#include "support/environment.hpp"

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> stream_answer(gemini::client& client)
{
    gemini::request req{.model = example::model_name(),
                        .input = "Write a short paragraph about rivers and the sea."};
    auto open = client.stream(std::move(req));
    gemini::interaction_stream stream = co_await std::move(open);

    std::optional<gemini::usage> usage;
    for (;;)
    {
        auto pull = stream.next();
        std::optional<gemini::event> ev = co_await std::move(pull);
        if (!ev)
            break;
        if (const auto* text = ev->get_if<gemini::text_delta_event>())
            std::cout << text->text << std::flush;
        else if (const auto* done = ev->get_if<gemini::interaction_completed_event>())
            usage = done->interaction.usage;
    }
    std::cout << "\n";
    if (usage)
        std::cout << "usage: " << usage->total_input_tokens.value_or(0) << " input, "
                  << usage->total_output_tokens.value_or(0) << " output, " << usage->total_tokens.value_or(0)
                  << " total tokens\n";
    std::cerr << "interaction " << stream.interaction_id() << ", " << stream.events_received() << " events, "
              << stream.resumes() << " resumes\n";
}

int main()
{
    return example::run_example("stream", stream_answer);
}
