#pragma once
// The typed model of the Interactions API and its JSON conversions.
//
// Every model type converts with boost::json::value_from / value_to (the tag_invoke overloads
// are declared beside each type and compiled into the library). The rules, shared by all types:
//   * std::optional members that are empty are left out; so are plain std::vector members that
//     are empty. Members missing from the JSON (or null) read as empty / default.
//   * Keys this library does not know land in the `extra` object of the struct and are written
//     back after the known ones; objects whose `type` is unknown are kept whole (gemini::opaque),
//     key order included. A history read from the server therefore replays JSON-equal.
//   * Enumerations are open_enum<E>: unknown strings survive.
//   * Malformed input (a wrong JSON kind for a known field, a missing `type` discriminator)
//     throws std::invalid_argument whose message starts with the JSON path of the problem,
//     e.g. "steps[2].content[0].text: expected string".

#include <gemini/model/accumulator.hpp>
#include <gemini/model/annotation.hpp>
#include <gemini/model/config.hpp>
#include <gemini/model/content.hpp>
#include <gemini/model/enums.hpp>
#include <gemini/model/event.hpp>
#include <gemini/model/input.hpp>
#include <gemini/model/interaction.hpp>
#include <gemini/model/open_enum.hpp>
#include <gemini/model/request.hpp>
#include <gemini/model/step.hpp>
#include <gemini/model/tagged_union.hpp>
#include <gemini/model/tool.hpp>
#include <gemini/model/usage.hpp>
