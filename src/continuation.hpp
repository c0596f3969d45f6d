#pragma once
// requires_continuation (spec 13): the hop requests, the folding of hops into one interaction
// (sans-io, unit-tested) and the loop that create() runs when it follows hops automatically.

#include "client_impl.hpp"

#include <gemini/model/interaction.hpp>
#include <gemini/model/request.hpp>
#include <gemini/model/usage.hpp>

namespace gemini::detail {

/// Adds `hop` into `total`: every total_* counter present in either (a missing one counts as 0),
/// per-modality arrays modality by modality, grounding counts type by type (first-seen order).
void add_usage(usage& total, const usage& hop);

/// The create request that continues after `hop` (status requires_continuation):
/// stored mode: the original fields, no input, previous_interaction_id = hop.id and the
/// continuation_token; store:false: the original request (input included) + the token.
request continuation_request(const request& original, const interaction& hop);

/// Folds the next hop into the combined interaction: steps appended, usage summed; id, status,
/// updated, continuation_token and the HTTP info are the hop's. Everything else (created,
/// previous_interaction_id of the first hop, echoed settings) stays the first hop's.
void append_hop(interaction& combined, interaction hop);

/// Whether create() should follow hops for this answer.
bool should_continue(const interaction& answer, const request& req, const request_options& opts,
                     const client_options& client);

/// Whether a create stream of `req` follows hops (the same rule as should_continue, decided
/// before any answer).
bool streams_continue(const request& req, const request_options& opts, const client_options& client);

/// Sends hops after `first` until the status is no longer requires_continuation or
/// client_options::continuation.max_hops hops were sent; returns the combined interaction.
asio::awaitable<interaction> follow_continuation(std::shared_ptr<client_impl> impl, request original,
                                                 request_options opts, interaction first);

} // namespace gemini::detail
