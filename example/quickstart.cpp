// quickstart: one question, then a two-turn conversation chained with previous_interaction_id.
//
//   build/bin/quickstart            (emulator in-process, or the real API with GEMINI_API_KEY)

#include "support/environment.hpp"

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> converse(gemini::client& client)
{
    const std::string model = example::model_name();

    auto ask = client.create({.model = model, .input = "Name three prime numbers."});
    gemini::interaction answer = co_await std::move(ask);
    std::cout << "Q: Name three prime numbers.\nA: " << answer.output_text() << "\n\n";

    auto first_turn = client.create({.model = model, .input = "My favourite colour is green. Remember it."});
    gemini::interaction first = co_await std::move(first_turn);
    std::cout << "Q: My favourite colour is green. Remember it.\nA: " << first.output_text() << "\n";

    auto second_turn = client.create(
        {.model = model, .input = "What is my favourite colour?", .previous_interaction_id = first.id});
    gemini::interaction second = co_await std::move(second_turn);
    std::cout << "Q: What is my favourite colour?\nA: " << second.output_text() << "\n";
    if (second.usage && second.usage->total_tokens)
        std::cout << "(" << *second.usage->total_tokens << " tokens in the last turn)\n";
}

int main()
{
    return example::run_example("quickstart", converse);
}
