#pragma once
// Rebuilds an interaction from the events of a stream (spec 11.4: "a non-streamed response's
// steps[i] equals the fold of step.start + all step.delta for index i").
//
// The fold:
//   * interaction.created sets the interaction's fields; interaction.status_update sets status,
//     usage and continuation_token (and id when none is known); interaction.completed sets every
//     field it carries (its values win; fields it lacks keep the earlier values) and marks the
//     accumulator finished. `steps` always come from the fold.
//   * step.start appends its `step` (events may number steps from any index, but each index
//     starts once). A step that receives no delta keeps exactly its step.start shape.
//   * text deltas append to the last block of a model_output step when it is a text block, else
//     start a new text block; image / audio / video / document deltas append one block each;
//     text_annotation_delta appends to the annotations of the step's last text block.
//   * thought_summary appends its block to a thought step's `summary`; thought_signature sets
//     its `signature`.
//   * arguments_delta fragments of a function_call step are concatenated and parsed as one JSON
//     object at its step.stop (or at interaction.completed / take() when the stop never came),
//     replacing step.start's `arguments` (fragments that concatenate to nothing leave them).
//   * function_result deltas set result / name / is_error / signature of a function_result step
//     (their unknown members go to the step's `extra`); a server tool delta replaces the members
//     it carries in the step of the same type (code_execution_call sets `arguments`, ...).
//   * step.stop's cumulative `usage`, when present, becomes the interaction's usage until
//     interaction.completed brings the final one.
//   * Not folded, on purpose: unknown delta types (a new kind of delta could mean "append" as
//     well as "replace"; guessing would corrupt the step, so the step keeps what is known and the
//     stream still hands the event to the caller), deltas for steps of unknown types, unknown
//     event types, and error events (the stream reports them; they describe no interaction field).
//     Their step index is still checked.
// Inconsistent input throws std::invalid_argument naming the event member at fault ("index: no
// step.start for index 3", "delta.type: a text delta does not apply to the thought step at
// index 0") or the step member that cannot be built ("steps[1].arguments: ...").

#include <gemini/model/event.hpp>
#include <gemini/model/interaction.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemini {

/// Folds the events of one stream into the interaction a unary create would have returned.
class accumulator
{
public:
    /// Folds one event. Throws std::invalid_argument for inconsistent input: a step event without
    /// index or for an index that never started (or already stopped), a second step.start for an
    /// index, a delta that does not fit its step's type, arguments fragments that are not a
    /// JSON object, any known event after interaction.completed.
    void add(const event& e);
    /// The same, moving what the event carries into the answer instead of copying it (an inline
    /// image or audio delta is megabytes of base64).
    void add(event&& e);

    /// Folds a step.delta of delta type "text" given as its parts, exactly as add() folds the
    /// equivalent event (same checks, same errors), for a reader that has the text without an
    /// event: the client's collect() folds text deltas this way straight from the bytes received.
    void add_text_delta(const std::optional<std::int64_t>& index, std::string_view text);

    /// The interaction built so far (argument fragments of unfinished steps not yet applied).
    const interaction& current() const noexcept { return result_; }

    /// Whether an interaction.completed event was added.
    bool finished() const noexcept { return finished_; }

    /// The result, also before finished() (e.g. after a broken stream): pending argument
    /// fragments are parsed first (and may throw like add()). The accumulator is empty afterwards.
    interaction take();

private:
    struct folder;

    /// Fold state of result_.steps[i], at states_[i].
    struct step_state
    {
        std::int64_t index = 0;
        std::string arguments{}; ///< arguments_delta fragments not yet parsed
        bool has_arguments = false;
        bool stopped = false;
    };

    void finish_arguments(std::size_t position);
    void refuse_after_completion(const event& e) const;

    interaction result_{};
    std::vector<step_state> states_{};
    bool finished_ = false;
};

} // namespace gemini
