#pragma once
// The sans-io part of chats and automatic function calling: what a conversation holds, which
// request each round sends, how a turn's steps are kept apart until it commits, and the JSON
// form of a saved conversation. No I/O here; chat.cpp drives it.

#include <gemini/chat.hpp>
#include <gemini/function_registry.hpp>
#include <gemini/model/interaction.hpp>
#include <gemini/model/request.hpp>
#include <gemini/model/step.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace gemini::detail {

/// What a chat remembers between turns.
struct conversation
{
    request settings{};              ///< the template of every request (no input)
    bool stateless = false;          ///< settings.store == false
    std::vector<step> history{};
    std::string last_interaction_id{};
};

/// Checks a chat's settings and builds its conversation (a stored-mode previous_interaction_id
/// becomes the chain's start). Throws gemini::error(invalid_argument).
conversation make_conversation(request settings);

/// The conversation run_functions() works on: `req` without its input (returned in `first`).
conversation conversation_for_request(request req, input& first);

/// `tools` plus the declarations of `functions` whose names `tools` does not declare yet.
std::vector<tool> merged_tools(const std::optional<std::vector<tool>>& tools, const function_registry& functions);

/// One turn in progress: the steps it added and the interaction it reached, applied to the
/// conversation only by commit(), so that a failed turn changes nothing.
class turn
{
public:
    turn(const conversation& base, const function_registry& functions);

    /// The request of the next round, sending `in` (stored: `in` chained onto the last
    /// interaction; stateless: the whole history, this turn's steps so far, then `in`).
    request next_request(const input& in) const;

    /// Records a round's outcome: `in` as steps, then the steps the server returned.
    void record(const input& in, const interaction& got);

    const std::vector<step>& added() const noexcept { return added_; }
    const std::string& last_interaction_id() const noexcept;

    /// Applies the turn to `c` (which must be the base it started from).
    void commit(conversation& c) &&;

private:
    const conversation* base_;
    std::vector<tool> tools_;
    bool has_tools_ = false;
    std::vector<step> added_;
    std::string last_id_;
};

/// The answers to the calls of `got` that the loop must run: the function calls of its last
/// turn, when its status is requires_action.
std::vector<function_call_step> pending_calls(const interaction& got);

/// The error of a loop that reached max_rounds while `last` still asks for functions.
[[noreturn]] void throw_too_many_rounds(std::size_t max_rounds, const interaction& last, const char* operation);

/// Saved form of a conversation (chat::to_json) and back. from_json throws
/// gemini::error(invalid_argument) naming the member at fault.
boost::json::object conversation_to_json(const conversation& c);
conversation conversation_from_json(const boost::json::value& saved);

} // namespace gemini::detail
