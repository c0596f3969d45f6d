// chat: a multi-turn conversation with gemini::chat — stored turns, a streamed turn, the
// conversation saved to JSON and restored (as a web server would between two requests), and
// a stateless chat that keeps its history client-side.
//
//   build/bin/chat            (emulator in-process, or the real API with GEMINI_API_KEY)

#include "support/environment.hpp"

#include <gemini/chat.hpp>

#include <boost/json.hpp>

#include <iostream>

namespace asio = boost::asio;

namespace {

asio::awaitable<void> ask(gemini::chat& chat, std::string question)
{
    std::cout << "> " << question << "\n";
    auto turn = chat.send(std::move(question));
    gemini::interaction reply = co_await std::move(turn);
    std::cout << reply.output_text() << "\n\n";
}

} // namespace

asio::awaitable<void> converse(gemini::client& client)
{
    // Settings are sent again with every turn; the server chains the turns (stored mode).
    gemini::chat chat(client, {.model = example::model_name(),
                               .system_instruction = "You are a concise assistant."});
    auto first = ask(chat, "My favourite colour is green. Remember it.");
    co_await std::move(first);
    auto second = ask(chat, "What is my favourite colour?");
    co_await std::move(second);

    // A streamed turn: the history is updated once the stream has ended.
    std::cout << "> Tell me a very short story about that colour.\n";
    auto open = chat.send_stream("Tell me a very short story about that colour.");
    gemini::chat_stream stream = co_await std::move(open);
    for (;;)
    {
        auto pull = stream.next();
        std::optional<gemini::event> ev = co_await std::move(pull);
        if (!ev)
            break;
        if (const auto* text = ev->get_if<gemini::text_delta_event>())
            std::cout << text->text << std::flush;
    }
    std::cout << "\n\n";

    // Save the conversation as text, and continue it later from that text alone.
    const std::string saved = boost::json::serialize(chat.to_json());
    std::cerr << "saved chat: " << saved.size() << " bytes, " << chat.history().size() << " steps\n";
    gemini::chat restored = gemini::chat::from_json(client, boost::json::parse(saved));
    auto third = ask(restored, "Summarise our conversation in one sentence.");
    co_await std::move(third);

    // Stateless: nothing is stored on the server; the chat sends the whole history each turn.
    gemini::request stateless_settings{.model = example::model_name()};
    stateless_settings.store = false;
    gemini::chat stateless(client, stateless_settings);
    auto s1 = ask(stateless, "Let's count: one.");
    co_await std::move(s1);
    auto s2 = ask(stateless, "Two. What comes next?");
    co_await std::move(s2);
    std::cerr << "stateless chat: " << stateless.history().size() << " steps kept client-side\n";
}

int main()
{
    return example::run_example("chat", converse);
}
