// function_calling: automatic function calling. The model asks for two functions at once; the
// chat runs both C++ handlers concurrently, sends their results back in one request, and
// returns the model's final answer.
//
//   build/bin/function_calling    (emulator in-process, or the real API with GEMINI_API_KEY)

#include "support/environment.hpp"

#include <gemini/chat.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A plain handler: arguments in, JSON out. Runs inline on the chat's executor.
json::value get_weather(json::object args)
{
    const std::string city(args.at("city").as_string());
    return json::object{{"city", city}, {"temp_c", city == "Paris" ? 18 : 11}, {"sky", "clear"}};
}

// An asynchronous handler: it may wait for I/O (here a timer stands in for a rate service).
asio::awaitable<json::value> convert_currency(json::object args)
{
    asio::steady_timer io(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
    auto wait = io.async_wait(asio::use_awaitable);
    co_await std::move(wait);
    const double amount = args.at("amount").to_number<double>();
    if (args.at("from").as_string() != "EUR" || args.at("to").as_string() != "USD")
        throw std::invalid_argument("only EUR to USD is supported"); // the model sees this message
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", amount * 1.08); // a money amount, not a binary double
    co_return json::object{{"amount", text}, {"currency", "USD"}};
}

json::object schema(std::string_view text) { return json::parse(text).as_object(); }

} // namespace

asio::awaitable<void> plan_trip(gemini::client& client)
{
    gemini::function_registry functions;
    functions.add("get_weather", "Current weather of a city",
                  schema(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"),
                  get_weather);
    functions.add("convert_currency", "Converts an amount of money between currencies",
                  schema(R"({"type":"object","properties":{"amount":{"type":"number"},"from":{"type":"string"},)"
                         R"("to":{"type":"string"}},"required":["amount","from","to"]})"),
                  convert_currency);

    gemini::chat_options options{.functions = functions};
    options.loop.max_rounds = 5;
    options.loop.on_round = [](const gemini::function_round& r) {
        for (std::size_t i = 0; i < r.calls.size(); ++i)
            std::cerr << "round " << r.round << ": " << r.calls[i].name << json::serialize(r.calls[i].arguments)
                      << (r.results[i].is_error.value_or(false) ? " failed" : " ok") << "\n";
    };
    gemini::chat chat(client, {.model = example::model_name(),
                               .system_instruction = "Use the tools to answer travel questions."},
                      options);

    const std::string question =
        R"(I am going to Paris with 20 EUR. Please call get_weather {"city":"Paris"} and )"
        R"(call convert_currency {"amount":20,"from":"EUR","to":"USD"} to tell me the weather and the amount in USD.)";
    std::cout << "> " << question << "\n";
    auto turn = chat.send(question);
    gemini::interaction reply = co_await std::move(turn);
    std::cout << reply.output_text() << "\n";
    const auto stats = chat.last_stats();
    std::cout << "(" << stats.rounds << " requests, " << stats.calls << " function calls, " << stats.failed_calls
              << " failed)\n";
}

int main()
{
    return example::run_example("function_calling", plan_trip);
}
