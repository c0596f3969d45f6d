// structured_output: ask for JSON shaped like a C++ struct and get the struct back.
//
//   build/bin/structured_output     (emulator in-process, or the real API with GEMINI_API_KEY)

#include "support/environment.hpp"

#include <boost/describe.hpp>

#include <iostream>

namespace asio = boost::asio;

namespace recipes {

enum class difficulty { easy, medium, hard };
BOOST_DESCRIBE_ENUM(difficulty, easy, medium, hard)

struct ingredient
{
    std::string name;
    double amount = 0;
    std::optional<std::string> unit; // "2 eggs" has none
};
BOOST_DESCRIBE_STRUCT(ingredient, (), (name, amount, unit))

struct recipe
{
    std::string title;
    difficulty level = difficulty::easy;
    std::int64_t minutes = 0;
    std::vector<ingredient> ingredients;
    std::optional<std::string> tip;
};
BOOST_DESCRIBE_STRUCT(recipe, (), (title, level, minutes, ingredients, tip))

} // namespace recipes

// What the model reads next to the schema: as much a part of the prompt as the question.
template <>
struct gemini::schema_traits<recipes::recipe>
{
    static constexpr std::string_view description = "A cooking recipe";
    static constexpr gemini::field_description fields[] = {
        {"minutes", "Total preparation and cooking time"},
        {"tip", "One optional piece of advice"},
    };
};

asio::awaitable<void> ask(gemini::client& client)
{
    gemini::request req{.model = example::model_name(),
                        .input = "Give me a simple pancake recipe.",
                        .response_format = gemini::response_format_for<recipes::recipe>()};
    auto op = client.create(std::move(req));
    gemini::interaction answer = co_await std::move(op);

    // Throws gemini::error (errc::output_mismatch) naming the JSON path if the answer does not fit.
    const recipes::recipe r = answer.parse<recipes::recipe>();

    std::cout << "The model wrote: " << answer.output_text() << "\n\n";
    const boost::json::value level = gemini::to_json(r.level);
    std::cout << r.title << " (" << std::string_view(level.as_string()) << ", " << r.minutes << " min)\n";
    for (const auto& i : r.ingredients)
        std::cout << "  - " << i.amount << (i.unit ? " " + *i.unit : std::string()) << " " << i.name << "\n";
    if (r.tip)
        std::cout << "Tip: " << *r.tip << "\n";
}

int main()
{
    return example::run_example("structured_output", ask);
}
