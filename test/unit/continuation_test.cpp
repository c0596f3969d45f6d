// requires_continuation without I/O: the hop requests of both modes and the fold of hops.
#include "common/print.hpp"
#include "continuation.hpp"

#include <gemini/model.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/test/unit_test.hpp>

#include <limits>

namespace json = boost::json;
using gemini::detail::add_usage;
using gemini::detail::append_hop;
using gemini::detail::continuation_request;
using gemini::detail::should_continue;

namespace {

gemini::usage tokens(std::int64_t in, std::int64_t out)
{
    gemini::usage u;
    u.total_input_tokens = in;
    u.total_output_tokens = out;
    u.total_tokens = in + out;
    u.input_tokens_by_modality = std::vector<gemini::modality_tokens>{{.modality = gemini::modality::text, .tokens = in}};
    return u;
}

} // namespace

BOOST_AUTO_TEST_SUITE(continuation_fold)

BOOST_AUTO_TEST_CASE(stored_hop_drops_input_and_names_the_issuer)
{
    gemini::request original{.model = "m", .input = "Write a long essay.", .system_instruction = "Be brief.",
                             .previous_interaction_id = "v1_before"};
    gemini::interaction issued;
    issued.id = "v1_hop1";
    issued.continuation_token = "ct_1";
    const auto next = continuation_request(original, issued);
    BOOST_TEST(!next.input.has_value());
    BOOST_TEST(next.previous_interaction_id.value() == "v1_hop1");
    BOOST_TEST(next.continuation_token.value() == "ct_1");
    BOOST_TEST(next.system_instruction.value() == "Be brief.");   // the other fields again
    BOOST_TEST(next.model.value() == "m");
}

BOOST_AUTO_TEST_CASE(stateless_hop_repeats_the_input)
{
    gemini::request original{.model = "m", .input = "Write a long essay.", .store = false};
    gemini::interaction issued;
    issued.id = "v1_hop1";
    issued.continuation_token = "ct_1";
    const auto next = continuation_request(original, issued);
    BOOST_TEST(std::get<std::string>(next.input.value()) == "Write a long essay.");
    BOOST_TEST(!next.previous_interaction_id.has_value());
    BOOST_TEST(next.continuation_token.value() == "ct_1");
    BOOST_TEST(next.store.value() == false);
}

BOOST_AUTO_TEST_CASE(usage_is_summed_field_by_field_and_by_modality)
{
    auto total = tokens(10, 5);
    auto second = tokens(10, 7);
    second.total_thought_tokens = 3;
    second.output_tokens_by_modality = std::vector<gemini::modality_tokens>{{.modality = gemini::modality::text, .tokens = 7}};
    second.input_tokens_by_modality->push_back({.modality = gemini::modality::image, .tokens = 2});
    add_usage(total, second);
    BOOST_TEST(total.total_input_tokens.value() == 20);
    BOOST_TEST(total.total_output_tokens.value() == 12);
    BOOST_TEST(total.total_thought_tokens.value() == 3);   // missing on one side counts as 0
    BOOST_TEST(total.total_tokens.value() == 32);
    BOOST_TEST(!total.total_cached_tokens.has_value());   // absent on both sides stays absent
    BOOST_REQUIRE(total.input_tokens_by_modality->size() == 2u);
    BOOST_TEST(total.input_tokens_by_modality->at(0).tokens.value() == 20);
    BOOST_TEST(total.input_tokens_by_modality->at(1).tokens.value() == 2);
    BOOST_TEST(total.output_tokens_by_modality->at(0).tokens.value() == 7);
}

BOOST_AUTO_TEST_CASE(usage_sums_stop_at_the_bounds_of_int64)
{
    // The server's numbers: their sum wrapped around (undefined behaviour) before.
    constexpr auto most = std::numeric_limits<std::int64_t>::max();
    gemini::usage total;
    total.total_tokens = most - 1;
    total.total_input_tokens = std::numeric_limits<std::int64_t>::min() + 1;
    gemini::usage hop;
    hop.total_tokens = 5;
    hop.total_input_tokens = -5;
    add_usage(total, hop);
    BOOST_TEST(total.total_tokens.value() == most);
    BOOST_TEST(total.total_input_tokens.value() == std::numeric_limits<std::int64_t>::min());
}

BOOST_AUTO_TEST_CASE(hops_concatenate_and_take_the_last_id_and_status)
{
    gemini::interaction combined;
    combined.id = "v1_a";
    combined.status = gemini::interaction_status::requires_continuation;
    combined.continuation_token = "ct_a";
    combined.previous_interaction_id = "v1_origin";
    combined.created = "2026-01-01T00:00:00Z";
    combined.steps = std::vector<gemini::step>{gemini::model_output_step{.content = {gemini::text_content{.text = "one two "}}}};
    combined.usage = tokens(4, 2);

    gemini::interaction second;
    second.id = "v1_b";
    second.status = gemini::interaction_status::completed;
    second.steps = std::vector<gemini::step>{gemini::model_output_step{.content = {gemini::text_content{.text = "three"}}}};
    second.usage = tokens(4, 1);
    append_hop(combined, std::move(second));

    BOOST_TEST(combined.id == "v1_b");
    BOOST_TEST(combined.status == gemini::interaction_status::completed);
    BOOST_TEST(!combined.continuation_token.has_value());
    BOOST_TEST(combined.previous_interaction_id.value() == "v1_origin");
    BOOST_TEST(combined.created.value() == "2026-01-01T00:00:00Z");
    BOOST_TEST(combined.steps->size() == 2u);
    BOOST_TEST(combined.output_text() == "one two three");
    BOOST_TEST(combined.usage->total_input_tokens.value() == 8);
    BOOST_TEST(combined.usage->total_output_tokens.value() == 3);
}

BOOST_AUTO_TEST_CASE(automatic_only_where_the_sdk_does_it)
{
    gemini::interaction answer;
    answer.status = gemini::interaction_status::requires_continuation;
    answer.continuation_token = "ct";
    gemini::client_options client;
    gemini::request model{.model = "m", .input = "x"};
    BOOST_TEST(should_continue(answer, model, {}, client));

    gemini::request_options off;
    off.automatic_continuation = false;
    BOOST_TEST(!should_continue(answer, model, off, client));

    client.continuation.automatic = false;
    BOOST_TEST(!should_continue(answer, model, {}, client));
    gemini::request_options on;
    on.automatic_continuation = true;
    BOOST_TEST(should_continue(answer, model, on, client));

    gemini::request background = model;
    background.background = true;
    BOOST_TEST(!should_continue(answer, background, on, client));
    gemini::request agent{.agent = "deep-research-preview-04-2026", .input = "x"};
    BOOST_TEST(!should_continue(answer, agent, on, client));

    answer.continuation_token.reset();
    BOOST_TEST(!should_continue(answer, model, on, client));
    answer.continuation_token = "ct";
    answer.status = gemini::interaction_status::completed;
    BOOST_TEST(!should_continue(answer, model, on, client));
}

BOOST_AUTO_TEST_SUITE_END()
