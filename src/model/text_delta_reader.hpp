#pragma once
// Nearly every event of a streamed answer is a step.delta carrying a few words of text. Building
// a JSON DOM for it and converting the DOM was half of the client's instructions per event, so
// that one shape is read straight from the text; everything else takes the general path.

#include <gemini/model/event.hpp>

#include <optional>
#include <string_view>

namespace gemini::detail {

/// `json` as a text_delta_event, when it is a step.delta payload of delta type "text" with no
/// members but event_type, index (an integer), event_id (a string) and delta.type, delta.text;
/// nullopt for anything else, valid or not, which the caller reads with value_to<event> (that
/// path gives the same event for the shapes accepted here, and the errors for bad input).
std::optional<event> read_text_delta(std::string_view json);

} // namespace gemini::detail
