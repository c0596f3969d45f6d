#pragma once
// Nearly every answer of create, get and cancel is a few strings, a thought step, a model output
// of text blocks and the usage counts. Building a JSON DOM of such an answer and converting the
// DOM was a quarter of the client's instructions per unary request, so that shape is read
// straight from the text into the interaction; everything else takes the general path.

#include "model/plain_json.hpp"

#include <gemini/model/interaction.hpp>

#include <string_view>

namespace gemini::detail {

/// Reads `json` into `out` (a default-constructed interaction) when it is an interaction of the
/// common shape, and returns true. The shape: an object whose members are among id, object,
/// model, agent, status, created, updated, service_tier, previous_interaction_id, environment_id,
/// continuation_token (strings), steps and usage; steps of type thought (signature, summary) and
/// model_output (content) whose `type` comes first; text blocks (`type` first, then text) in
/// content and summary; usage made of integer counts and the *_tokens_by_modality lists of
/// {modality, tokens}. No member twice, no null.
///
/// Returns false for anything else, valid or not; `out` is then partly filled and the caller
/// reads the text with value_to<interaction>, which gives the same interaction for the shapes
/// accepted here (the fuzz target fuzz-interaction checks it) and the errors for bad input.
bool read_common_interaction(std::string_view json, interaction& out);

/// The two halves of read_common_interaction, for the tests and the fuzz target that check that
/// they agree. The scan reads JSON in its common form (plain integers; string values with any
/// escape but an escaped surrogate, and well-formed UTF-8; keys without either) without a
/// tokenizer and is `unsure` of anything else; the tokenizer (Boost.JSON's basic_parser, with
/// the same handler) reads any text.
plain_scan scan_common_interaction(std::string_view json, interaction& out);
bool read_common_interaction_with_tokenizer(std::string_view json, interaction& out);

} // namespace gemini::detail
