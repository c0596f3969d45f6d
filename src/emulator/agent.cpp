// Background runs beyond the plain virtual-clock completion: the simulated Deep Research agent
// (queued -> in_progress with status updates and thought steps -> completed, in stages on the
// virtual clock), per-request durations and outcomes, and a clock that follows real time.
#include "emulator/service.hpp"

#include <charconv>

namespace gemini::emulator::detail {

namespace {

constexpr std::size_t no_hold_at = static_cast<std::size_t>(-1);

api_error bad_request(std::string message) { return api_error{400, "invalid_request", std::move(message)}; }

std::string str_or_empty(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return {};
}

std::optional<std::uint64_t> header_number(const http_request& req, std::string_view name) {
  const auto* h = req.header(name);
  if (!h) return std::nullopt;
  std::uint64_t n = 0;
  auto [p, e] = std::from_chars(h->data(), h->data() + h->size(), n);
  if (h->empty() || e != std::errc{} || p != h->data() + h->size())
    throw bad_request(std::string(name) + " must be a non-negative integer.");
  return n;
}

/// The text of the last user_input step of the history.
std::string question_of(const json::array& history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (!it->is_object() || str_or_empty(it->get_object(), "type") != "user_input") continue;
    std::string text;
    if (const auto* content = it->get_object().if_contains("content"); content && content->is_array())
      for (const auto& block : content->get_array())
        if (block.is_object() && str_or_empty(block.get_object(), "type") == "text") {
          if (!text.empty()) text += ' ';
          text += str_or_empty(block.get_object(), "text");
        }
    return text;
  }
  return {};
}

json::object text_block(std::string text) {
  json::object b;
  b["type"] = "text";
  b["text"] = std::move(text);
  return b;
}

}  // namespace

bool is_deep_research(const json::object& request) {
  const auto* agent = request.if_contains("agent");
  return agent && agent->is_string() && agent->get_string().starts_with("deep-research");
}

void check_agent_request(const json::object& request, bool background) {
  const auto* config = request.if_contains("agent_config");
  if (config) {
    if (!request.contains("agent")) throw bad_request("Field 'agent_config' requires 'agent' (use 'generation_config' with 'model').");
    if (!config->is_object() || !config->get_object().contains("type") || !config->get_object().at("type").is_string())
      throw bad_request("Field 'agent_config' must be an object with a string 'type'.");
  }
  if (!is_deep_research(request)) return;
  if (!background)
    throw bad_request("Deep Research agents run in the background only: set 'background' to true.");
  if (config && config->get_object().at("type").get_string() != "deep-research")
    throw bad_request("Agent '" + std::string(request.at("agent").get_string()) +
                      "' takes an agent_config of type 'deep-research'.");
}

generation research(const json::array& history, const json::object& request) {
  generation g;
  g.digest = history_digest(history);
  g.turn = 1;
  const std::string digest = hex32(g.digest);
  std::string question = question_of(history);
  if (question.empty()) question = "(no text)";
  bool summaries = false;
  if (const auto* c = request.if_contains("agent_config"); c && c->is_object())
    if (const auto* t = c->get_object().if_contains("thinking_summaries"); t && t->is_string())
      summaries = t->get_string() == "auto";

  const char* phases[] = {"Planning the research on: ", "Searching and reading sources about: ",
                          "Synthesising the findings on: "};
  std::size_t thought_tokens = 0;
  for (std::size_t i = 0; i < std::size(phases); ++i) {
    json::object thought;
    thought["type"] = "thought";
    thought["signature"] = base64("emulator-research:" + digest + ":" + std::to_string(i + 1));
    if (summaries) thought["summary"] = json::array{text_block(phases[i] + question)};
    thought_tokens += 16;
    g.steps.push_back(std::move(thought));
  }
  const std::string report = "Research report " + digest + ". Question: " + question +
                             " Findings: three independent sources agree on the main points. "
                             "Method: a plan was made, sources were searched and read, findings were synthesised. "
                             "Conclusion: see the findings above.";
  json::object out;
  out["type"] = "model_output";
  out["content"] = json::array{text_block(report)};
  g.steps.push_back(std::move(out));
  g.status = "completed";

  const std::size_t input_tokens = count_words(question);
  const std::size_t output_tokens = count_words(report);
  g.usage = {input_tokens, output_tokens, thought_tokens};
  return g;
}

void service::stage_background_locked(record& r, run_state& run, const http_request& req, bool deep_research) {
  std::int64_t duration = deep_research ? opts_.research_duration.count() : opts_.background_duration.count();
  if (auto ms = header_number(req, "x-emulator-background-ms")) duration = static_cast<std::int64_t>(*ms);
  r.due_vms = virtual_ms_ + duration;

  // x-emulator-background-outcome: the status the run ends with instead of its own.
  bool replan = deep_research;
  if (const auto* outcome = req.header("x-emulator-background-outcome")) {
    replan = true;
    if (*outcome == "failed" || *outcome == "budget_exceeded") {
      json::array kept;
      for (const auto& s : r.result.steps)
        if (str_or_empty(s.get_object(), "type") == "thought") kept.push_back(s);
      r.result.steps = std::move(kept);
      r.result.status = *outcome;
      r.errors = json::array{json::object{
          {"code", *outcome == "failed" ? "internal" : "budget_exceeded"},
          {"message", *outcome == "failed" ? "The run failed (injected by the emulator)."
                                           : "The run exceeded its budget (injected by the emulator)."}}};
    } else if (*outcome != "completed") {
      throw bad_request("x-emulator-background-outcome must be completed, failed or budget_exceeded.");
    }
  }
  // A stream is paced by the virtual clock too: the agent is slow whether or not anyone watches.
  if (!replan) return;
  run.plan_text.clear();
  std::vector<planned_event> plan = plan_locked(r, run.plan_text);
  if (!deep_research) {
    run.planned = std::move(plan);
    return;
  }

  // queued: created and a status update; then in_progress with the first thought; each further
  // step (the other thoughts, the report) at an equal share of the duration.
  r.status = "queued";
  plan[0].data["interaction"].as_object()["status"] = "queued";
  plan[1].data["status"] = "queued";
  plan.insert(plan.begin() + 2, planned_event{"interaction.status_update",
                                              json::object{{"interaction_id", r.id}, {"status", "in_progress"}}});
  std::vector<std::size_t> holds{2};
  bool first_step = true;
  for (std::size_t i = 3; i < plan.size(); ++i) {
    if (plan[i].name != "step.start") continue;
    if (!first_step) holds.push_back(i);
    first_step = false;
  }
  run.planned = std::move(plan);
  const auto n = static_cast<std::int64_t>(holds.size());
  const std::int64_t start = virtual_ms_;
  run.hold_at = holds[0];
  r.due_vms = start + duration / n;
  run.stages.clear();
  for (std::int64_t k = 1; k < n; ++k)
    run.stages.emplace_back(k + 1 == n ? start + duration : start + duration * (k + 1) / n, holds[static_cast<std::size_t>(k)]);
}

void service::release_stage_locked(record& r) {
  auto& run = *r.run;
  if (run.stages.empty()) {
    run.hold_at = no_hold_at;
    return;
  }
  const auto [due, hold] = run.stages.front();
  run.stages.erase(run.stages.begin());
  run.hold_at = hold;
  r.due_vms = due;
  held_.emplace(due, r.id);
}

void service::start_clock() {
  if (opts_.clock_rate <= 0 || !schedule) return;
  constexpr std::chrono::milliseconds tick{10};
  const auto step = std::max<std::int64_t>(1, static_cast<std::int64_t>(opts_.clock_rate * static_cast<double>(tick.count())));
  schedule(tick, [this, step] {
    advance(std::chrono::milliseconds(step));
    start_clock();
  });
}

}  // namespace gemini::emulator::detail
