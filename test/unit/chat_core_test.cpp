// The sans-io part of chats and function calling: requests per round, turns that commit or not,
// saved conversations, and the function registry's answers.
#include "chat_core.hpp"

#include <gemini/chat.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>

namespace json = boost::json;
using namespace gemini;
using detail::conversation;
using detail::turn;

namespace {

request weather_settings(bool stateless)
{
    request r{.model = "gemini-3.5-flash", .system_instruction = "Be brief."};
    r.tools = std::vector<tool>{tool::function("get_time", "The time", json::object{{"type", "object"}})};
    r.generation_config = generation_config{.max_output_tokens = 100};
    if (stateless)
        r.store = false;
    return r;
}

interaction answer(std::string id, std::vector<step> steps, interaction_status status = interaction_status::completed)
{
    interaction i;
    i.id = std::move(id);
    i.status = status;
    i.steps = std::move(steps);
    return i;
}

step unknown_step()
{
    // Key order deliberately not sorted: it must survive.
    return opaque{json::parse(R"({"type":"future_step","zeta":1,"alpha":{"b":2,"a":1}})").as_object()};
}

errc code_of(const std::function<void()>& f)
{
    try
    {
        f();
    }
    catch (const gemini::error& e)
    {
        return static_cast<errc>(e.code().value());
    }
    return errc{};
}

template <class T>
T run_awaitable(boost::asio::awaitable<T> a)
{
    boost::asio::io_context ioc;
    std::optional<T> out;
    std::exception_ptr failure;
    boost::asio::co_spawn(ioc, std::move(a), [&](std::exception_ptr e, T v) {
        failure = e;
        out = std::move(v);
    });
    ioc.run();
    if (failure)
        std::rethrow_exception(failure);
    return std::move(*out);
}

} // namespace

BOOST_AUTO_TEST_SUITE(chat_core)

BOOST_AUTO_TEST_CASE(settings_are_checked)
{
    BOOST_TEST((code_of([] { detail::make_conversation({.model = "m", .input = "hi"}); }) == errc::invalid_argument));
    BOOST_TEST((code_of([] { detail::make_conversation({.model = "m", .stream = true}); }) == errc::invalid_argument));
    BOOST_TEST((code_of([] { detail::make_conversation({.model = "m", .background = true}); }) == errc::invalid_argument));
    BOOST_TEST((code_of([] { detail::make_conversation({.input = "x"}); }) == errc::invalid_argument));
    BOOST_TEST((code_of([] { detail::make_conversation({.model = "m", .agent = "a"}); }) == errc::invalid_argument));
    BOOST_TEST((code_of([] { detail::make_conversation({.model = "m", .store = false}); }) == errc{}));
}

BOOST_AUTO_TEST_CASE(stored_turns_chain_and_resend_settings)
{
    conversation c = detail::make_conversation(weather_settings(false));
    BOOST_TEST(!c.stateless);
    function_registry none;
    turn t(c, none);
    request first = t.next_request("Hello");
    BOOST_TEST(!first.previous_interaction_id.has_value());
    BOOST_TEST(std::get<std::string>(*first.input) == "Hello");
    BOOST_TEST(*first.system_instruction == "Be brief.");
    BOOST_TEST(first.tools->size() == 1u);
    BOOST_TEST(!first.store.has_value());

    t.record("Hello", answer("v1_a", {step::user_text("ignored"), step::user_text("x")}));
    request second = t.next_request("Again");
    BOOST_TEST(*second.previous_interaction_id == "v1_a");
    BOOST_TEST(*second.generation_config->max_output_tokens == 100);

    // Nothing reaches the conversation before commit.
    BOOST_TEST(c.history.empty());
    BOOST_TEST(c.last_interaction_id.empty());
    std::move(t).commit(c);
    BOOST_TEST(c.history.size() == 3u); // the user_input of "Hello", then the two returned steps
    BOOST_TEST(c.last_interaction_id == "v1_a");

    turn next(c, none);
    BOOST_TEST(*next.next_request("Third").previous_interaction_id == "v1_a");
}

BOOST_AUTO_TEST_CASE(stored_settings_previous_id_starts_the_chain)
{
    request s{.model = "m", .previous_interaction_id = "v1_old"};
    conversation c = detail::make_conversation(s);
    BOOST_TEST(c.last_interaction_id == "v1_old");
    BOOST_TEST(!c.settings.previous_interaction_id.has_value());
    function_registry none;
    BOOST_TEST(*turn(c, none).next_request("x").previous_interaction_id == "v1_old");
}

BOOST_AUTO_TEST_CASE(stateless_turns_send_the_whole_history_verbatim)
{
    conversation c = detail::make_conversation(weather_settings(true));
    BOOST_TEST(c.stateless);
    function_registry none;
    {
        turn t(c, none);
        t.record("Hi", answer("v1_x", {thought_step{.signature = "c2ln"}, unknown_step()}));
        std::move(t).commit(c);
    }
    turn t(c, none);
    request r = t.next_request("Next");
    BOOST_TEST(*r.store == false);
    BOOST_TEST(!r.previous_interaction_id.has_value());
    const auto& steps = std::get<std::vector<step>>(*r.input);
    BOOST_REQUIRE(steps.size() == 4u);
    BOOST_TEST(steps[0].type() == "user_input");
    BOOST_TEST(*steps[1].get_if<thought_step>()->signature == "c2ln");
    BOOST_TEST(json::serialize(json::value_from(steps[2])) == R"({"type":"future_step","zeta":1,"alpha":{"b":2,"a":1}})");
    BOOST_TEST(steps[3].type() == "user_input");

    // Function results of the turn go after the turn's earlier steps.
    function_call_step call{.id = "fc_1", .name = "get_time"};
    t.record("Next", answer("v1_y", {call}, interaction_status::requires_action));
    request round2 = t.next_request(std::vector<step>{step::function_result("fc_1", "get_time", "noon")});
    const auto& steps2 = std::get<std::vector<step>>(*round2.input);
    BOOST_REQUIRE(steps2.size() == 6u);
    BOOST_TEST(steps2[4].type() == "function_call");
    BOOST_TEST(steps2[5].type() == "function_result");
}

BOOST_AUTO_TEST_CASE(registry_tools_are_merged_without_duplicates)
{
    function_registry f;
    f.add("get_time", "dup of a declared tool", json::object{}, [](json::object) { return std::string("noon"); });
    f.add("get_date", "The date", json::object{}, [](json::object) { return std::string("today"); });
    auto tools = detail::merged_tools(weather_settings(false).tools, f);
    BOOST_REQUIRE(tools.size() == 2u);
    BOOST_TEST(tools[0].get_if<function_tool>()->description.value() == "The time"); // the settings' one wins
    BOOST_TEST(tools[1].get_if<function_tool>()->name == "get_date");
}

BOOST_AUTO_TEST_CASE(pending_calls_only_when_action_is_required)
{
    function_call_step call{.id = "fc_1", .name = "f"};
    BOOST_TEST(detail::pending_calls(answer("a", {call}, interaction_status::requires_action)).size() == 1u);
    BOOST_TEST(detail::pending_calls(answer("a", {call}, interaction_status::completed)).empty());
}

BOOST_AUTO_TEST_CASE(saved_conversations_round_trip)
{
    conversation c = detail::make_conversation(weather_settings(true));
    c.history = {step::user_text("Hi"), thought_step{.signature = "c2ln"}, unknown_step()};
    c.last_interaction_id = "v1_z";
    json::object saved = detail::conversation_to_json(c);
    // Through text, as a server would store it.
    conversation back = detail::conversation_from_json(json::parse(json::serialize(saved)));
    BOOST_TEST(back.stateless);
    BOOST_TEST(back.last_interaction_id == "v1_z");
    BOOST_TEST(json::serialize(detail::conversation_to_json(back)) == json::serialize(saved));
    BOOST_TEST(json::serialize(json::value_from(back.history[2])) ==
               R"({"type":"future_step","zeta":1,"alpha":{"b":2,"a":1}})");
}

BOOST_AUTO_TEST_CASE(bad_saved_conversations_are_named)
{
    auto message_of = [](std::string_view text) -> std::string {
        try
        {
            detail::conversation_from_json(json::parse(text));
        }
        catch (const gemini::error& e)
        {
            BOOST_TEST((e.code() == errc::invalid_argument));
            return e.diag().library_message;
        }
        return "no error";
    };
    BOOST_TEST(message_of("[]").find("JSON object") != std::string::npos);
    BOOST_TEST(message_of(R"({"format":"other"})").find("format") != std::string::npos);
    BOOST_TEST(message_of(R"({"format":"gemini-asio/chat@1","mode":"stored","settings":{"model":"m","store":false}})")
                   .find("mode") != std::string::npos);
    BOOST_TEST(message_of(R"({"format":"gemini-asio/chat@1","mode":"stored","settings":{"model":"m"},"history":[{"no":"type"}]})")
                   .find("history[0]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(handler_results_and_failures)
{
    function_registry f;
    f.add("text", "", json::object{}, [](json::object a) { return std::string(a.at("x").as_string()); });
    f.add("object", "", json::object{}, [](json::object) { return json::value(json::object{{"ok", true}}); });
    f.add("number", "", json::object{}, [](json::object) { return json::value(42); });
    f.add("throws", "", json::object{}, [](json::object) -> json::value { throw std::runtime_error("disk on fire"); });
    f.add("async", "", json::object{}, [](json::object) -> boost::asio::awaitable<json::value> { co_return json::value("later"); });
    BOOST_TEST((code_of([&] { f.add("text", "", json::object{}, [](json::object) { return std::string(); }); }) ==
                errc::invalid_argument));

    auto call = [&](std::string name, json::object args = {}) {
        return run_awaitable(f.invoke(function_call_step{.id = "fc_" + name, .name = name, .arguments = std::move(args)}));
    };
    auto text = call("text", json::object{{"x", "hello"}});
    BOOST_TEST(text.call_id == "fc_text");
    BOOST_TEST(*text.name == "text");
    BOOST_TEST(std::get<std::string>(text.result) == "hello");
    BOOST_TEST(!text.is_error.has_value());
    BOOST_TEST(std::get<json::object>(call("object").result).at("ok").as_bool());
    BOOST_TEST(std::get<std::string>(call("number").result) == "42");
    BOOST_TEST(std::get<std::string>(call("async").result) == "later");

    auto failed = call("throws");
    BOOST_TEST(failed.is_error.value_or(false));
    BOOST_TEST(std::get<std::string>(failed.result) == "disk on fire");
    auto unknown = call("nobody");
    BOOST_TEST(unknown.is_error.value_or(false));
    BOOST_TEST(std::get<std::string>(unknown.result).find("unknown function 'nobody'") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
