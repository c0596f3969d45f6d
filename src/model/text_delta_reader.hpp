#pragma once
// Nearly every event of a streamed answer is a step.delta carrying a few words of text. Building
// a JSON DOM for it and converting the DOM was half of the client's instructions per event, so
// that one shape is read straight from the text; everything else takes the general path.

#include "model/plain_json.hpp"

#include <gemini/model/event.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gemini::detail {

/// What a text delta carries. A stream queues received deltas in this form (about 90 bytes
/// against the 1,264 of a gemini::event) and makes the event when it is pulled.
struct text_delta_fields
{
    std::string text;
    std::optional<std::string> event_id;
    std::optional<std::int64_t> index;
};

/// A text delta as the scan reads it, by far the most common form: views into the JSON text,
/// or for a text with escapes or UTF-8, into the caller's buffer it was decoded in.
struct plain_text_delta
{
    std::string_view text;
    std::optional<std::string_view> event_id;
    std::optional<std::int64_t> index;
};

/// The fast half of read_text_delta: reads a text delta without a tokenizer, copying nothing but
/// a text with escapes or bytes above 0x7F, which is decoded into `decoded` (the caller keeps
/// the buffer from one event to the next, so this rarely allocates). Only `accepted` fills
/// `out`; after `unsure`, read_text_delta_with_tokenizer decides.
plain_scan scan_plain_text_delta(std::string_view json, plain_text_delta& out, std::string& decoded);

/// What read_text_delta found: not a text delta (monostate), one the scan read (views: see
/// plain_text_delta), or one the tokenizer had to read (an escaped surrogate pair, say).
using text_delta_read = std::variant<std::monostate, plain_text_delta, text_delta_fields>;

/// `json` as a text delta, when it is a step.delta payload of delta type "text" with no
/// members but event_type, index (an integer), event_id (a string) and delta.type, delta.text;
/// monostate for anything else, valid or not, which the caller reads with value_to<event> (that
/// path gives the same event for the shapes accepted here, and the errors for bad input).
/// A plain_text_delta's text may view into `decoded`, so it is valid until the next call with it.
text_delta_read read_text_delta(std::string_view json, std::string& decoded);

/// read_text_delta without its plain-form scan: every input through Boost.JSON's tokenizer.
/// The reference the scan must agree with (the fuzz target checks it).
std::optional<text_delta_fields> read_text_delta_with_tokenizer(std::string_view json);

/// The owning form of a plain delta.
text_delta_fields to_fields(const plain_text_delta& plain);

/// The owning form of what read_text_delta found; nullopt when it was not a text delta.
std::optional<text_delta_fields> to_fields(text_delta_read&& read);

/// The event of a text delta: a text_delta_event with its event_id and index.
event to_event(text_delta_fields&& fields);

} // namespace gemini::detail
