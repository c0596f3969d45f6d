#pragma once
// The enumerations of the wire protocol whose values are identifiers. Each is used through
// open_enum<E> (values outside the list survive); each has `unknown` for unrecognised strings.
// A trailing underscore stands for a C++ keyword (`auto_` is the wire value "auto").

#include <gemini/model/open_enum.hpp>

#include <boost/describe/enum.hpp>

namespace gemini {

/// Lifecycle of an interaction (spec 8.1).
enum class interaction_status {
    unknown, queued, in_progress, requires_action, requires_continuation, completed, incomplete,
    failed, cancelled, budget_exceeded
};
BOOST_DESCRIBE_ENUM(interaction_status, unknown, queued, in_progress, requires_action,
                    requires_continuation, completed, incomplete, failed, cancelled, budget_exceeded)

/// True for the statuses after which the interaction does no more work (everything except
/// queued and in_progress; unknown statuses count as not terminal so that pollers keep going).
constexpr bool is_terminal(interaction_status s) noexcept
{
    return s != interaction_status::unknown && s != interaction_status::queued &&
           s != interaction_status::in_progress;
}

/// How much the model thinks before answering (generation_config.thinking_level).
enum class thinking_level { unknown, minimal, low, medium, high };
BOOST_DESCRIBE_ENUM(thinking_level, unknown, minimal, low, medium, high)

/// Whether thought summaries are produced (generation_config / deep-research agent_config).
enum class thinking_summaries { unknown, auto_, none };
BOOST_DESCRIBE_ENUM(thinking_summaries, unknown, auto_, none)

/// Function-calling mode, as a plain tool_choice or inside allowed_tools.
enum class tool_choice_mode { unknown, auto_, any, none, validated };
BOOST_DESCRIBE_ENUM(tool_choice_mode, unknown, auto_, any, none, validated)

/// Harm categories of safety_settings[].type.
enum class harm_category {
    unknown, hate_speech, dangerous_content, harassment, sexually_explicit, civic_integrity,
    image_hate, image_dangerous_content, image_harassment, image_sexually_explicit, jailbreak
};
BOOST_DESCRIBE_ENUM(harm_category, unknown, hate_speech, dangerous_content, harassment,
                    sexually_explicit, civic_integrity, image_hate, image_dangerous_content,
                    image_harassment, image_sexually_explicit, jailbreak)

/// Blocking thresholds of safety_settings[].threshold.
enum class harm_threshold {
    unknown, block_low_and_above, block_medium_and_above, block_only_high, block_none, off
};
BOOST_DESCRIBE_ENUM(harm_threshold, unknown, block_low_and_above, block_medium_and_above,
                    block_only_high, block_none, off)

/// How a safety threshold is applied (safety_settings[].method).
enum class harm_method { unknown, severity, probability };
BOOST_DESCRIBE_ENUM(harm_method, unknown, severity, probability)

/// Processing tier of a request and of the resulting interaction.
enum class service_tier { unknown, flex, standard, priority, deferred };
BOOST_DESCRIBE_ENUM(service_tier, unknown, flex, standard, priority, deferred)

/// Resolution at which image and video input is processed.
enum class media_resolution { unknown, low, medium, high, ultra_high };
BOOST_DESCRIBE_ENUM(media_resolution, unknown, low, medium, high, ultra_high)

/// Content modalities (response_modalities, usage by modality).
enum class modality { unknown, text, image, audio, video, document };
BOOST_DESCRIBE_ENUM(modality, unknown, text, image, audio, video, document)

/// Kinds of Google Search a google_search tool may run and a google_search_call reports.
enum class search_type { unknown, web_search, image_search, enterprise_web_search };
BOOST_DESCRIBE_ENUM(search_type, unknown, web_search, image_search, enterprise_web_search)

/// Language of a code_execution_call.
enum class code_language { unknown, python, bash };
BOOST_DESCRIBE_ENUM(code_language, unknown, python, bash)

/// Outcome of fetching one URL in a url_context_result.
enum class url_retrieval_status { unknown, success, error, paywall, unsafe };
BOOST_DESCRIBE_ENUM(url_retrieval_status, unknown, success, error, paywall, unsafe)

/// Device a computer_use tool drives.
enum class computer_environment { unknown, browser, mobile, desktop };
BOOST_DESCRIBE_ENUM(computer_environment, unknown, browser, mobile, desktop)

/// Grounding tools counted in usage.grounding_tool_count.
enum class grounding_tool { unknown, google_search, google_maps, retrieval };
BOOST_DESCRIBE_ENUM(grounding_tool, unknown, google_search, google_maps, retrieval)

} // namespace gemini
