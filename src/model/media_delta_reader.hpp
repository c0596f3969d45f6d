#pragma once
// A streamed image (or audio, video, document) arrives whole in one step.delta: megabytes of
// base64 in one JSON string. Through a JSON DOM and its conversion that string was copied twice
// after the SSE parser had it; read straight into the event, once.

#include <gemini/model/event.hpp>

#include <optional>
#include <string_view>

namespace gemini::detail {

/// `json` as a media delta, when it is a step.delta payload of delta type image, audio, video or
/// document with no members but event_type, index (an integer), event_id (a string) and
/// delta.type, delta.data, delta.mime_type, delta.uri (strings). nullopt for anything else, valid
/// or not, which the caller reads with value_to<event>: that path gives the same event for the
/// shapes accepted here (the fuzz target compares them), and the errors for bad input.
std::optional<event> read_media_delta(std::string_view json);

} // namespace gemini::detail
