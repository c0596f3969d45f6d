#pragma once
// Token accounting of an interaction (also sent in stream events).

#include <gemini/model/enums.hpp>
#include <gemini/model/open_enum.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace gemini {

/// Tokens of one modality.
struct modality_tokens
{
    std::optional<open_enum<gemini::modality>> modality{};
    std::optional<std::int64_t> tokens{};
    boost::json::object extra{}; ///< members newer than this library
};

/// How often a grounding tool was used.
struct grounding_tool_count
{
    std::optional<open_enum<grounding_tool>> type{};
    std::optional<std::int64_t> count{};
    boost::json::object extra{};
};

/// The `usage` object.
struct usage
{
    std::optional<std::int64_t> total_input_tokens{};
    std::optional<std::int64_t> total_output_tokens{};
    std::optional<std::int64_t> total_thought_tokens{};
    std::optional<std::int64_t> total_cached_tokens{};
    std::optional<std::int64_t> total_tool_use_tokens{};
    std::optional<std::int64_t> total_tokens{};
    std::optional<std::int64_t> initial_input_tokens{};
    std::optional<std::vector<modality_tokens>> input_tokens_by_modality{};
    std::optional<std::vector<modality_tokens>> output_tokens_by_modality{};
    std::optional<std::vector<modality_tokens>> cached_tokens_by_modality{};
    std::optional<std::vector<modality_tokens>> tool_use_tokens_by_modality{};
    std::optional<std::vector<gemini::grounding_tool_count>> grounding_tool_count{};
    boost::json::object extra{};
};

/// JSON conversions for boost::json::value_from / value_to (rules: gemini/model.hpp).
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const usage& u);
usage tag_invoke(boost::json::value_to_tag<usage>, const boost::json::value& jv);

} // namespace gemini
